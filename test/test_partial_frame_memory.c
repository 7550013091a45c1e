/* A frame that announces a large payload but sends little of it costs
 * memory in step with what arrived, not with what it announced: a
 * trickling client cannot make the server hold max_message_size. */
#include "counting_alloc.h"
#include "harness.h"

int main(void) {
  static unsigned char frame[(1 << 20) + 16];
  static unsigned char payload[1 << 20];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t baseline;
  size_t n;
  size_t off;

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  conn = harness_open(server);
  baseline = live_bytes;

  n = harness_frame(frame, 0, 1, 2, payload, sizeof(payload));
  harness_feed(conn, frame, 100, 0);
  ASSERT_LT(live_bytes - baseline, 64 * 1024);
  /* As more arrives the buffer grows with it, and the message is whole. */
  for (off = 100; off < n; off += 4096)
    harness_feed(conn, frame + off, n - off < 4096 ? n - off : 4096, 0);
  ASSERT_STR_EQ("B:1048576|", harness.log);
  harness_free(conn);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_blocks);
  return 0;
}
