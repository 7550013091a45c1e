/* ws_room_stats() counts a room's broadcasts, the member queues they
 * reached, their bytes and the members skipped as slow (WS_SLOW_SKIP);
 * the server's counters count each delivery as a message out. */
#include "harness.h"

int main(void) {
  static unsigned char big[8192];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_room_stats_t rs;
  ws_server_t* server;
  ws_conn_t* a;
  ws_conn_t* b;
  ws_room_t* room;
  ws_stats_t s;
  uv_loop_t loop;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_queued_bytes = 4096;
  options.slow_policy = WS_SLOW_SKIP;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));
  if (ws_room_stats(room, &rs) == UV_ENOTSUP) {
    harness_close_server(&loop, server);
    return test_skip("built with UVWS_COUNTERS=OFF");
  }
  ASSERT_EQ(0, ws_server_stats(server, &s));
  a = harness_open(server);
  b = harness_open(server);
  ASSERT_EQ(0, ws_room_join(room, a));
  ASSERT_EQ(0, ws_room_join(room, b));

  ASSERT_EQ(2, ws_room_broadcast(room, WS_OP_TEXT, "hello", 5, NULL));
  ASSERT_EQ(1, ws_room_broadcast(room, WS_OP_BINARY, "xy", 2, a));
  /* Larger than any member's queue may hold: both skip it. */
  ASSERT_EQ(0, ws_room_broadcast(room, WS_OP_BINARY, big, sizeof(big), NULL));

  ASSERT_EQ(0, ws_room_stats(room, &rs));
  ASSERT_UINT64_EQ(2, rs.members);
  ASSERT_UINT64_EQ(3, rs.broadcasts);
  ASSERT_UINT64_EQ(3, rs.deliveries);
  ASSERT_UINT64_EQ(5 + 2 + sizeof(big), rs.bytes);
  ASSERT_UINT64_EQ(2, rs.skips);
  ASSERT_UINT64_EQ(0, rs.slow_closes);

  ASSERT_EQ(0, ws_server_stats(server, &s));
  ASSERT_UINT64_EQ(3, s.messages_out);
  ASSERT_UINT64_EQ(5 + 5 + 2, s.message_bytes_out);
  ASSERT_UINT64_EQ(2, s.frames_out[WS_FRAME_TEXT]);
  ASSERT_UINT64_EQ(1, s.frames_out[WS_FRAME_BINARY]);
  ASSERT_UINT64_EQ(2, s.slow_consumer_skips);
  ASSERT_UINT64_EQ(1, ws_conn_skipped_messages(a));

  ASSERT_EQ(0, ws_room_leave(room, a));
  ASSERT_EQ(0, ws_room_stats(room, &rs));
  ASSERT_UINT64_EQ(1, rs.members);
  /* A size below the first layout's is refused. */
  ASSERT_EQ(WS_EINVAL, ws_room_stats_sized(room, &rs, sizeof(uint64_t)));
  ASSERT_EQ(WS_EINVAL, ws_server_stats_sized(server, &s, 16));

  harness_free(a);
  harness_free(b);
  harness_close_server(&loop, server);
  return 0;
}
