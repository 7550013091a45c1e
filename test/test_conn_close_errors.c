/* ws_conn_close() returns each code its documentation lists: bad codes
 * and reasons are refused without closing; a second close is WS_ECLOSED;
 * no memory for the close frame drops the connection from the loop. */
#include "counting_alloc.h"
#include "harness.h"

int main(void) {
  static const char long_reason[124] = { 0 };
  unsigned char out[512];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  conn = harness_open(server);

  ASSERT_EQ(WS_EINVAL, ws_conn_close(NULL, 1000, NULL, 0));
  ASSERT_EQ(WS_EINVAL, ws_conn_close(conn, 1005, NULL, 0));
  ASSERT_EQ(WS_EINVAL, ws_conn_close(conn, 1006, NULL, 0));
  ASSERT_EQ(WS_EINVAL, ws_conn_close(conn, 999, NULL, 0));
  ASSERT_EQ(WS_EINVAL, ws_conn_close(conn, 5000, NULL, 0));
  ASSERT_EQ(WS_EINVAL, ws_conn_close(conn, 1000, long_reason, 124));
  ASSERT_EQ(WS_EINVAL, ws_conn_close(conn, 1000, "\xc0\xaf", 2));
  ASSERT_EQ(WS_EINVAL, ws_conn_close(conn, 1000, NULL, 1));
  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "still open", 10));

  ASSERT_EQ(0, ws_conn_close(conn, 4000, "bye", 3));
  ASSERT_EQ(WS_ECLOSED, ws_conn_close(conn, 4000, "bye", 3));
  ASSERT_EQ(WS_ECLOSED, ws_conn_send(conn, WS_OP_TEXT, "late", 4));
  harness_take(conn, out, sizeof(out));
  harness_free(conn);

  /* No memory for the close frame (the wslay context is ours to lend). */
  conn = harness_open(server);
  fail_at = alloc_calls;
  ASSERT_EQ(WS_ENOMEM, ws_conn_close(conn, 1000, NULL, 0));
  fail_at = -1;
  ASSERT_EQ(1, harness.close_count);
  ws__conn_flush(conn);
  ASSERT_EQ(2, harness.close_count);
  ASSERT_EQ(WS_ENOMEM, harness.last_close.error);
  ws__conn_free(conn);

  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_blocks);
  return 0;
}
