/* Echoing small whole messages costs no allocation: the frame is delivered
 * from the read buffer and the answer borrows the server's spare output
 * segment, which comes back once it is written. */
#include "counting_alloc.h"
#include "harness.h"

int main(void) {
  unsigned char in[256];
  unsigned char out[256];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  long before;
  size_t n;
  int i;

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  conn = harness_open(server);
  n = harness_frame(in, 0, 1, 2, "twenty bytes of data", 20);
  /* The first echo may allocate the spare segment. */
  harness_feed(conn, in, n, 0);
  harness_take(conn, out, sizeof(out));
  before = alloc_calls;
  for (i = 0; i < 1000; i++) {
    ws__conn_feed(conn, memcpy(out, in, n), n);
    ASSERT_EQ(22, harness_take(conn, out, sizeof(out)));
    ASSERT_MEM_EQ("\x82\x14twenty bytes of data", out, 22);
  }
  ASSERT_EQ(before, alloc_calls);
  harness_free(conn);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_blocks);
  return 0;
}
