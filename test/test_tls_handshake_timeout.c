/* A TLS handshake that never finishes (the client sends its hello, then
 * nothing) is dropped at handshake_timeout, before any callback. */
#include "tls_peer.h"

int main(void) {
  ws_server_options_t options;
  ws_server_t* server;
  tls_files_t files;
  tls_peer_t peer;
  uv_loop_t loop;
  uint64_t start;
  uint64_t elapsed;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.handshake_timeout = 200;
  server = tls_server(&loop, &files, &options, NULL);

  start = uv_hrtime();
  tls_peer_connect(&peer, &loop, ws_server_tls_port(server), tls_peer_ctx(),
                   NULL);
  /* The server's hello arrives, and is never answered. */
  RUN_UNTIL(&loop, peer.raw.eof);
  elapsed = (uv_hrtime() - start) / 1000000;
  ASSERT_GT(peer.raw.in_len, 0);
  ASSERT_GE(elapsed, 150);
  ASSERT_EQ(0, harness.open_count);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  tls_peer_close(&peer);

  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
