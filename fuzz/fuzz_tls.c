/* libFuzzer target: a TLS connection to a server on loopback, fed
 * arbitrary bytes once its TLS handshake and WebSocket upgrade are done.
 * The first byte picks how: bit 0 clear writes the rest to the socket as
 * they are (records, or not), bit 0 set sends them through TLS (frames
 * over TLS), bits 1-4 the size of each write. The server echoes; the
 * connection must end without a crash or leak, whatever came. */
#define UVWS_TEST_OPENSSL
#include "tls_peer.h"

static void echo(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                 size_t len) {
  ws_conn_send(conn, opcode, data, len);
  if (len > 0 && ((const unsigned char*) data)[0] == 'C')
    ws_conn_close(conn, 4000, "asked", 5);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ws_server_callbacks_t cb;
  static ws_server_t* server;
  static tls_files_t files;
  static uv_loop_t loop;
  ws_server_options_t options;
  tls_peer_t peer;
  size_t step;
  size_t n;
  int i;

  if (size == 0)
    return 0;
  if (server == NULL) {
    ASSERT_EQ(1, ws_tls_available());
    tls_files_make(&files);
    ASSERT_EQ(0, uv_loop_init(&loop));
    ws_server_options_init(&options);
    options.max_message_size = 64 * 1024;
    options.max_queued_bytes = 256 * 1024;
    options.handshake_timeout = 2000;
    options.close_timeout = 500;
    memset(&cb, 0, sizeof(cb));
    cb.on_message = echo;
    server = tls_server(&loop, &files, &options, &cb);
    /* The files are loaded: nothing of them need stay on disk. */
    tls_files_remove(&files);
  }
  tls_peer_connect(&peer, &loop, ws_server_tls_port(server), tls_peer_ctx(),
                   NULL);
  tls_peer_handshake(&peer, &loop);
  tls_peer_upgrade(&peer, &loop);
  step = ((data[0] >> 1) & 15) + 1;
  step = step * step * 16;
  for (i = 1; (size_t) i < size; i += (int) n) {
    n = size - (size_t) i < step ? size - (size_t) i : step;
    if (data[0] & 1)
      tls_peer_write(&peer, data + i, n);
    else
      raw_write(&peer.raw, data + i, n);
  }
  /* Let the server take it all and answer. */
  for (i = 0; i < 8 && !peer.raw.eof; i++) {
    uv_run(&loop, UV_RUN_NOWAIT);
    tls_peer_pump(&peer);
  }
  tls_peer_close(&peer);
  RUN_UNTIL(&loop, peer.raw.closed &&
                       ws_server_connection_count(server) == 0);
  return 0;
}
