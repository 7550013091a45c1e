/* A client hello whose only cipher the server does not take (TLS 1.2,
 * NULL encryption) is answered with an alert, and that connection ends;
 * the server goes on. */
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
  ASSERT_EQ(1, SSL_CTX_set_cipher_list(ctx, "NULL-SHA256:@SECLEVEL=0"));
  tls_peer_connect(&peer, &loop, ws_server_tls_port(server), ctx, NULL);
  tls_peer_handshake(&peer, &loop);
  ASSERT(!SSL_is_init_finished(peer.ssl));
  RUN_UNTIL(&loop, peer.raw.eof);
  tls_peer_pump(&peer);
  ASSERT_EQ(1, peer.failed);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  tls_peer_close(&peer);
  ASSERT_EQ(0, harness.open_count);

  /* The next client is served. */
  tls_peer_connect(&next, &loop, ws_server_tls_port(server), tls_peer_ctx(),
                   NULL);
  tls_peer_handshake(&next, &loop);
  tls_peer_upgrade(&next, &loop);
  tls_peer_close(&next);
  RUN_UNTIL(&loop, harness.close_count == 1);

  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
