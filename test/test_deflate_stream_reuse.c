/* A zlib stream lent to a connection whose message failed (inflated past
 * max_message_size, or not deflate data) goes back to the server's pool
 * and inflates the next connection's message correctly: nothing of the
 * failed input is left in it. (A regression: the failed piece's unread
 * input count survived the stream's reset.) */
#include "deflate_util.h"

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  static unsigned char zeros[1 << 20];
  static unsigned char packed[64 * 1024];
  static unsigned char wire[128 * 1024];
  static unsigned char out[4096];
  static const char hello[] = "{\"hello\":\"world\",\"hello again\":\"world\"}";
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  ws_server_t* server;
  ws_conn_t* bomb;
  ws_conn_t* good;
  uv_loop_t loop;
  char head[1024];
  char entry[128];
  size_t plen;
  size_t n;
  int round;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&o);
  o.deflate = 1;
  o.max_message_size = 64 * 1024;
  cb = harness_callbacks();
  server = harness_server(&loop, &o, &cb);
  snprintf(entry, sizeof(entry), "T:%lu:%s|", (unsigned long) strlen(hello),
           hello);
  for (round = 0; round < 2; round++) {
    /* 1 MiB of zeros, far past the limit: fails with 1009 mid-input. */
    bomb = deflate_open(server, DEFLATE_OFFER, head, sizeof(head));
    plen = deflate_compress(zeros, sizeof(zeros), packed, sizeof(packed));
    if (round == 1) {
      /* Not deflate data (a reserved block type): fails with 1007, its
       * input unread. */
      memset(packed, 0xff, plen);
    }
    n = deflate_frame(wire, 0, 1, 1, WS_OP_BINARY, packed, plen);
    harness_feed(bomb, wire, n, 0);
    ASSERT_EQ(4, harness_take(bomb, out, sizeof(out)));
    ASSERT_MEM_EQ(round == 0 ? "\x88\x02\x03\xf1" : "\x88\x02\x03\xef", out,
                  4);
    harness_free(bomb);

    harness.log_len = 0;
    harness.log[0] = '\0';
    good = deflate_open(server, DEFLATE_OFFER, head, sizeof(head));
    plen = deflate_compress(hello, strlen(hello), packed, sizeof(packed));
    n = deflate_frame(wire, 0, 1, 1, WS_OP_TEXT, packed, plen);
    harness_feed(good, wire, n, 0);
    ASSERT_STR_EQ(entry, harness.log);
    ASSERT_EQ(WS__CONN_OPEN, good->state);
    harness_take(good, out, sizeof(out));
    harness_free(good);
  }
  harness_close_server(&loop, server);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
