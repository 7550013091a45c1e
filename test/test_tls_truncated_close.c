/* After the WebSocket close handshake, a TLS client that closes its
 * socket without a close_notify (as browsers do) ends a clean close: the
 * close frames went both ways, and that is what counts. */
#include "tls_peer.h"

int main(void) {
  unsigned char frame[64];
  ws_server_t* server;
  tls_files_t files;
  tls_peer_t peer;
  uv_loop_t loop;
  size_t len;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = tls_server(&loop, &files, NULL, NULL);
  tls_peer_connect(&peer, &loop, ws_server_tls_port(server), tls_peer_ctx(),
                   NULL);
  tls_peer_handshake(&peer, &loop);
  tls_peer_upgrade(&peer, &loop);
  peer.plain_len = 0;

  len = harness_frame(frame, 0, 1, WS__OP_CLOSE, "\x03\xe8", 2);
  tls_peer_write(&peer, frame, len);
  /* The server's close frame comes back, then its close_notify. */
  while (peer.plain_len < 4 && !peer.raw.eof) {
    uv_run(&loop, UV_RUN_ONCE);
    tls_peer_pump(&peer);
  }
  ASSERT_EQ(0x88, peer.plain[0]);
  tls_peer_close(&peer);

  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(1000, harness.last_close.code);
  ASSERT_EQ(1, harness.last_close.clean);
  ASSERT_EQ(0, harness.last_close.error);

  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
