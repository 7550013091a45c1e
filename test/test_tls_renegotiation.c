/* A TLS 1.2 client that asks to renegotiate on an open connection is
 * refused, and that connection ends (on_close with WS_ETLS); the server
 * goes on. */
#include "tls_peer.h"

int main(void) {
  ws_server_t* server;
  tls_files_t files;
  tls_peer_t peer;
  tls_peer_t next;
  uv_loop_t loop;
  SSL_CTX* ctx;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = tls_server(&loop, &files, NULL, NULL);
  ctx = tls_peer_ctx();
  ASSERT_EQ(1, SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION));
  tls_peer_connect(&peer, &loop, ws_server_tls_port(server), ctx, NULL);
  tls_peer_handshake(&peer, &loop);
  tls_peer_upgrade(&peer, &loop);
  ASSERT_EQ(TLS1_2_VERSION, SSL_version(peer.ssl));

  ASSERT_EQ(1, SSL_renegotiate(peer.ssl));
  SSL_do_handshake(peer.ssl);
  ERR_clear_error();
  tls_peer_send(&peer);
  while (harness.close_count == 0) {
    uv_run(&loop, UV_RUN_ONCE);
    tls_peer_pump(&peer);
  }
  ASSERT_EQ(WS_CLOSE_ABNORMAL, harness.last_close.code);
  ASSERT_EQ(WS_ETLS, harness.last_close.error);
  tls_peer_close(&peer);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);

  tls_peer_connect(&next, &loop, ws_server_tls_port(server), tls_peer_ctx(),
                   NULL);
  tls_peer_handshake(&next, &loop);
  tls_peer_upgrade(&next, &loop);
  tls_peer_close(&next);
  RUN_UNTIL(&loop, harness.close_count == 2);

  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
