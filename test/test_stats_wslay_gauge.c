/* The wslay gauges: a context is in use while a fragmented message is
 * being received, and back in the pool once it has ended. */
#include "harness.h"

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  unsigned char frames[64];
  ws_server_t* server;
  ws_conn_t* conn;
  ws_stats_t s;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  if (ws_server_stats(server, &s) == UV_ENOTSUP) {
    harness_close_server(&loop, server);
    return test_skip("built with UVWS_COUNTERS=OFF");
  }
  ASSERT_UINT64_EQ(0, s.wslay_contexts_in_use);
  conn = harness_open(server);

  n = harness_frame(frames, 0, 0, WS__OP_TEXT, "frag", 4);
  harness_feed(conn, frames, n, 0);
  ASSERT_EQ(0, ws_server_stats(server, &s));
  ASSERT_UINT64_EQ(1, s.wslay_contexts_in_use);
  ASSERT_UINT64_EQ(0, s.wslay_contexts_pooled);
  ASSERT_UINT64_EQ(1, s.frames_in[WS_FRAME_TEXT]);
  ASSERT_UINT64_EQ(0, s.messages_in);

  n = harness_frame(frames, 0, 1, WS__OP_CONTINUATION, "ment", 4);
  harness_feed(conn, frames, n, 0);
  ASSERT_EQ(0, ws_server_stats(server, &s));
  ASSERT_UINT64_EQ(0, s.wslay_contexts_in_use);
  ASSERT_UINT64_EQ(1, s.wslay_contexts_pooled);
  ASSERT_UINT64_EQ(1, s.frames_in[WS_FRAME_CONTINUATION]);
  ASSERT_UINT64_EQ(1, s.messages_in);
  ASSERT_UINT64_EQ(8, s.message_bytes_in);

  harness_free(conn);
  harness_close_server(&loop, server);
  return 0;
}
