/* Bytes that are not TLS on a TLS port (a plaintext HTTP upgrade, random
 * bytes, a record header announcing a huge record) end that connection
 * at once, before any callback; the server goes on serving TLS. */
#include "tls_peer.h"

int main(void) {
  static const char* const inputs[] = {
    HARNESS_UPGRADE,
    "\x9c\x01\xff\x33\x71\x00\x42\x17\x80\x80\x80\x80\x80\x80\x80\x80",
    "\x16\x03\x01\xff\xff\x01\x00\xff\xfb\x03\x03",
  };
  ws_server_t* server;
  raw_client_t raw;
  tls_files_t files;
  tls_peer_t peer;
  uv_loop_t loop;
  size_t i;
  int port;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = tls_server(&loop, &files, NULL, NULL);
  port = ws_server_tls_port(server);

  for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
    raw_connect(&loop, &raw, "127.0.0.1", port);
    raw_start_reading(&raw);
    raw_write(&raw, inputs[i], strlen(inputs[i]));
    RUN_UNTIL(&loop, raw.eof);
    /* At most a TLS alert came back, never HTTP. */
    ASSERT(!raw_has(&raw, "HTTP", 4));
    raw_close(&raw);
    RUN_UNTIL(&loop, raw.closed && ws_server_connection_count(server) == 0);
  }
  ASSERT_EQ(0, harness.open_count);

  tls_peer_connect(&peer, &loop, port, tls_peer_ctx(), NULL);
  tls_peer_handshake(&peer, &loop);
  tls_peer_upgrade(&peer, &loop);
  ASSERT_EQ(1, harness.open_count);
  tls_peer_close(&peer);
  RUN_UNTIL(&loop, harness.close_count == 1);

  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
