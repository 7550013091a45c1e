/* on_peer_close reports the peer's close frame when it arrives, with its
 * code and reason, before the TCP connection ends (on_close comes then):
 * whether the peer starts the close handshake or answers ours. From then
 * on the connection takes no more sends. */
#include "harness.h"

static void on_peer_close(ws_conn_t* conn, uint16_t code, const char* reason,
                          size_t len) {
  harness_logf("peer_close:%u:%.*s|", code, (int) len, reason);
  ASSERT_EQ(WS_ECLOSED, ws_conn_send(conn, WS_OP_TEXT, "late", 4));
}

int main(void) {
  unsigned char frame[64];
  unsigned char out[512];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  cb.on_peer_close = on_peer_close;
  server = harness_server(&loop, NULL, &cb);

  /* The peer closes first. */
  conn = harness_open(server);
  n = harness_frame(frame, 0, 1, 8, "\x03\xe8" "bye", 5);
  harness_feed(conn, frame, n, 0);
  ASSERT_STR_EQ("peer_close:1000:bye|", harness.log);
  ASSERT_EQ(0, harness.close_count);
  harness_take(conn, out, sizeof(out));
  harness_free(conn);
  ASSERT_STR_EQ("peer_close:1000:bye|close:1000:clean|", harness.log);

  /* We close first; the peer answers without a reason. */
  harness.log_len = 0;
  harness.log[0] = '\0';
  conn = harness_open(server);
  ASSERT_EQ(0, ws_conn_close(conn, 4000, "done", 4));
  harness_take(conn, out, sizeof(out));
  n = harness_frame(frame, 0, 1, 8, "\x0f\xa0", 2);
  harness_feed(conn, frame, n, 0);
  ASSERT_STR_EQ("peer_close:4000:|close:4000:clean|", harness.log);
  harness_free(conn);

  harness_close_server(&loop, server);
  return 0;
}
