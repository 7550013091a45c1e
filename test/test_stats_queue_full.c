/* Every send refused with WS_EQUEUEFULL is counted: messages, fragments
 * and pings; what was queued counts as messages out. */
#include "harness.h"

int main(void) {
  static unsigned char data[900];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  ws_stats_t s;
  uv_loop_t loop;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_queued_bytes = 1000;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  if (ws_server_stats(server, &s) == UV_ENOTSUP) {
    harness_close_server(&loop, server);
    return test_skip("built with UVWS_COUNTERS=OFF");
  }
  conn = harness_open(server);

  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_BINARY, data, sizeof(data)));
  ASSERT_EQ(WS_EQUEUEFULL, ws_conn_send(conn, WS_OP_TEXT, data, 300));
  ASSERT_EQ(0, ws_conn_send_begin(conn, WS_OP_BINARY));
  ASSERT_EQ(WS_EQUEUEFULL, ws_conn_send_fragment(conn, data, 300, 0));
  ASSERT_EQ(0, ws_conn_send_fragment(conn, data, 10, 0));
  ASSERT_EQ(0, ws_conn_send_fragment(conn, data, 10, 1));
  ASSERT_EQ(0, ws_conn_ping(conn, NULL, 0));
  ASSERT_EQ(WS_EQUEUEFULL, ws_conn_ping(conn, data, 125));

  ASSERT_EQ(0, ws_server_stats(server, &s));
  ASSERT_UINT64_EQ(3, s.queue_full);
  ASSERT_UINT64_EQ(2, s.messages_out);
  ASSERT_UINT64_EQ(sizeof(data) + 20, s.message_bytes_out);
  ASSERT_UINT64_EQ(2, s.frames_out[WS_FRAME_BINARY]);
  ASSERT_UINT64_EQ(1, s.frames_out[WS_FRAME_CONTINUATION]);
  ASSERT_UINT64_EQ(1, s.frames_out[WS_FRAME_PING]);
  ASSERT_UINT64_EQ(0, s.frames_out[WS_FRAME_TEXT]);

  harness_free(conn);
  harness_close_server(&loop, server);
  return 0;
}
