/* ws_conn_ping() returns each code its documentation lists, and leaves the
 * connection as documented: WS_EQUEUEFULL queues nothing and keeps it
 * open; WS_ENOMEM drops it from the loop. */
#include "counting_alloc.h"
#include "harness.h"

int main(void) {
  static unsigned char big[16384];
  unsigned char payload[126];
  static unsigned char out[32768];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t queued;

  counting_alloc_install();
  memset(payload, 'p', sizeof(payload));
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_queued_bytes = sizeof(big);
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  conn = harness_open(server);

  ASSERT_EQ(WS_EINVAL, ws_conn_ping(NULL, NULL, 0));
  ASSERT_EQ(WS_EINVAL, ws_conn_ping(conn, payload, 126));
  ASSERT_EQ(WS_EINVAL, ws_conn_ping(conn, NULL, 1));
  ASSERT_EQ(0, ws_conn_ping(conn, payload, 125));
  ASSERT_EQ(2 + 125, harness_take(conn, out, sizeof(out)));
  ASSERT_EQ(0x89, out[0]);

  /* A full queue refuses the ping and keeps the connection. */
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_BINARY, big, sizeof(big) - 4 - 60));
  queued = ws_conn_queued_bytes(conn);
  ASSERT_EQ(WS_EQUEUEFULL, ws_conn_ping(conn, payload, 125));
  ASSERT_EQ(queued, ws_conn_queued_bytes(conn));
  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  harness_take(conn, out, sizeof(out));

  /* No memory: the connection is dropped at the next flush, not now. The
   * message fills the output segment, so the ping needs a new one. */
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_BINARY, big, WS__SEG_MIN - 4));
  fail_at = alloc_calls;
  ASSERT_EQ(WS_ENOMEM, ws_conn_ping(conn, payload, 1));
  fail_at = -1;
  ASSERT_EQ(0, harness.close_count);
  ws__conn_flush(conn);
  ASSERT_EQ(1, harness.close_count);
  ASSERT_EQ(WS_ENOMEM, harness.last_close.error);
  ASSERT_EQ(WS_ECLOSED, ws_conn_ping(conn, payload, 1));
  ws__conn_free(conn);

  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_blocks);
  return 0;
}
