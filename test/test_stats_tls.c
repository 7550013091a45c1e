/* TLS handshakes are counted on both sides: those that complete, and
 * those that do not (bytes that are not TLS, a client refusing the
 * server's certificate), whatever ends them. */
#include "tls_dial.h"
#include "tls_peer.h"

static ws_stats_t server_stats(ws_server_t* server) {
  ws_stats_t s;

  ASSERT_EQ(0, ws_server_stats(server, &s));
  return s;
}

int main(void) {
  static const char not_tls[] = HARNESS_UPGRADE;
  ws_server_t* server;
  ws_stats_t s;
  raw_client_t raw;
  tls_files_t files;
  tls_peer_t peer;
  uv_loop_t loop;
  char url[64];
  int port;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = tls_server(&loop, &files, NULL, NULL);
  if (ws_server_stats(server, &s) == UV_ENOTSUP) {
    harness_close_server(&loop, server);
    tls_files_remove(&files);
    return test_skip("built with UVWS_COUNTERS=OFF");
  }
  port = ws_server_tls_port(server);
  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/", port);

  /* A plaintext upgrade on the TLS port. */
  raw_connect(&loop, &raw, "127.0.0.1", port);
  raw_start_reading(&raw);
  raw_write(&raw, not_tls, sizeof(not_tls) - 1);
  RUN_UNTIL(&loop, raw.eof);
  raw_close(&raw);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  ASSERT_UINT64_EQ(0, server_stats(server).tls_handshakes);
  ASSERT_UINT64_EQ(1, server_stats(server).tls_handshake_failures);

  /* Our client does not trust the server's CA: each side counts one
   * failure. */
  ASSERT_EQ(WS_ECERT, tls_dial(&loop, url, NULL));
  ASSERT_UINT64_EQ(0, tls_dial_stats.tls_handshakes);
  ASSERT_UINT64_EQ(1, tls_dial_stats.tls_handshake_failures);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  ASSERT_UINT64_EQ(2, server_stats(server).tls_handshake_failures);

  /* It does, and the handshake completes on both sides. */
  ASSERT_EQ(0, tls_dial(&loop, url, files.ca_cert));
  ASSERT_UINT64_EQ(1, tls_dial_stats.tls_handshakes);
  ASSERT_UINT64_EQ(0, tls_dial_stats.tls_handshake_failures);
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_UINT64_EQ(1, server_stats(server).tls_handshakes);

  /* Another peer, over TLS 1.3 with its session tickets: counted once. */
  tls_peer_connect(&peer, &loop, port, tls_peer_ctx(), NULL);
  tls_peer_handshake(&peer, &loop);
  tls_peer_upgrade(&peer, &loop);
  tls_peer_close(&peer);
  RUN_UNTIL(&loop, harness.close_count == 2);
  ASSERT_UINT64_EQ(2, server_stats(server).tls_handshakes);
  ASSERT_UINT64_EQ(2, server_stats(server).tls_handshake_failures);

  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
