/* Invalid UTF-8 fails the connection with 1007 as soon as the bad byte
 * arrives, even in the middle of a frame whose end has not (Autobahn 6.4.3
 * and 6.4.4), including a sequence begun in an earlier fragment. */
#include "harness.h"

static void check(const char* name, const unsigned char* in, size_t arrived,
                  int expect_fail) {
  static const char upgrade[] = HARNESS_UPGRADE;
  unsigned char out[1024];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t n;
  size_t i;

  /* Whole, and one byte at a time. */
  for (i = 0; i < 2; i++) {
    ASSERT_EQ(0, uv_loop_init(&loop));
    cb = harness_callbacks();
    server = harness_server(&loop, NULL, &cb);
    conn = harness_conn(server);
    harness_feed(conn, upgrade, sizeof(upgrade) - 1, 0);
    harness_take(conn, out, sizeof(out));
    harness_feed(conn, in, arrived, i);
    n = harness_take(conn, out, sizeof(out));
    if (expect_fail) {
      if (n != 4 || memcmp(out, "\x88\x02\x03\xef", 4) != 0) {
        fprintf(stderr, "%s: no 1007 before the frame ended\n", name);
        ASSERT(0);
      }
      ASSERT_EQ(1, harness.close_count);
      ASSERT_EQ(WS_EPROTO, harness.last_close.error);
    } else {
      ASSERT_EQ(0, n);
      ASSERT_EQ(WS__CONN_OPEN, conn->state);
    }
    harness_free(conn);
    harness_close_server(&loop, server);
  }
}

int main(void) {
  static const char good[] = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
  static const char bad[] = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
                            "\xf4\x90\x80\x80" "edited";
  unsigned char in[256];
  size_t first;
  size_t n;

  /* 6.4.3: one text frame, only its first 15 payload bytes arrived. */
  n = harness_frame(in, 0, 0, 1, bad, sizeof(bad) - 1);
  check("bad byte in a partial frame", in, n - 6, 1);
  /* Up to the bad code point but not including its last byte: f4 90 is
   * already impossible (above U+10FFFF). */
  check("bad second byte in a partial frame", in, n - 8, 1);
  /* Valid so far (f4 alone may still begin a character): no close. */
  check("valid partial frame", in, n - 9, 0);

  /* A sequence begun in a complete fragment and broken in a partial one. */
  first = harness_frame(in, 0, 0, 1, good, sizeof(good) - 2); /* ends ce */
  n = harness_frame(in, first, 1, 0, "\x41" "more text", 10);
  check("sequence broken across fragments", in, n - 3, 1);
  n = harness_frame(in, first, 1, 0, "\xb5" "more text", 10);
  check("sequence completed across fragments", in, n - 3, 0);
  /* Binary frames are not UTF-8. */
  n = harness_frame(in, 0, 0, 2, bad, sizeof(bad) - 1);
  check("binary partial frame", in, n - 6, 0);
  return 0;
}
