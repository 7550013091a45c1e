/* A TLS client that closes its socket in the middle of a record ends its
 * open connection with 1006 and WS_EEOF, and nothing of it is left. */
#include "tls_peer.h"

int main(void) {
  unsigned char frame[64];
  char record[256];
  ws_server_t* server;
  tls_files_t files;
  tls_peer_t peer;
  uv_loop_t loop;
  size_t len;
  int n;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = tls_server(&loop, &files, NULL, NULL);
  tls_peer_connect(&peer, &loop, ws_server_tls_port(server), tls_peer_ctx(),
                   NULL);
  tls_peer_handshake(&peer, &loop);
  tls_peer_upgrade(&peer, &loop);

  /* One record with a text frame: only its first half goes out. */
  len = harness_frame(frame, 0, 1, WS__OP_TEXT, "hello", 5);
  ASSERT_EQ((int) len, SSL_write(peer.ssl, frame, (int) len));
  n = BIO_read(peer.out, record, sizeof(record));
  ASSERT_GT(n, 10);
  raw_write(&peer.raw, record, (size_t) n / 2);
  tls_peer_close(&peer);

  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(WS_CLOSE_ABNORMAL, harness.last_close.code);
  ASSERT_EQ(0, harness.last_close.clean);
  ASSERT_EQ(WS_EEOF, harness.last_close.error);
  /* No message came out of half a record. */
  ASSERT_STR_EQ("close:1006:unclean|", harness.log);
  ASSERT_EQ(0, ws_server_connection_count(server));

  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
