/* A message in many tiny fragments costs the memory of its payload, not of
 * its fragments: 200,000 one-byte fragments (well under max_message_size)
 * must not make the server hold a block per fragment. Counted with the
 * C library's own heap statistics, so that what wslay allocates counts
 * too. */
#include "harness.h"

#if defined(__GLIBC__)
#include <malloc.h>

#define FRAGMENTS 200000

static size_t heap_in_use(void) {
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)
  return mallinfo2().uordblks;
#else
  return (size_t) mallinfo().uordblks;
#endif
}

int main(void) {
  static unsigned char frames[FRAGMENTS * 7 + 16];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t baseline;
  size_t n;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  conn = harness_open(server);

  n = 0;
  for (i = 0; i < FRAGMENTS - 1; i++)
    n = harness_frame(frames, n, 0, i == 0 ? 0x2 : 0x0, "x", 1);
  baseline = heap_in_use();
  /* All but the last fragment, in reads of 64 KiB as a socket gives them. */
  harness_feed(conn, frames, n, 64 * 1024);
  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  ASSERT_LT(heap_in_use() - baseline, 2 * FRAGMENTS + 128 * 1024);

  n = harness_frame(frames, 0, 1, 0x0, "x", 1);
  harness_feed(conn, frames, n, 0);
  ASSERT_STR_EQ("B:200000|", harness.log);
  harness_free(conn);
  harness_close_server(&loop, server);
  return 0;
}
#else
int main(void) {
  return test_skip("needs glibc's mallinfo2() to see wslay's allocations");
}
#endif
