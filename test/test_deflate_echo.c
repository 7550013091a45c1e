/* Compressed messages in, every way they can arrive: whole in one read
 * (inflated where they lie), in fragments (inflated as they come), a
 * frame over many reads, mixed with plain messages, pings between
 * fragments. The echo goes out compressed, RSV1 on its frame, unless it
 * is shorter than deflate_threshold or does not get smaller. */
#include "deflate_util.h"

#ifdef UVWS_HAVE_ZLIB
static unsigned char text[20000];
static unsigned char packed[40000];
static unsigned char wire[80000];
static unsigned char out[80000];
static unsigned char plain[40000];

/* The echoes sent: each frame checked, its payload inflated if RSV1. */
static void expect_echo(ws_conn_t* conn, const void* msg, size_t len,
                        int compressed) {
  deflate_sent_t f;
  size_t n;
  size_t got;

  n = harness_take(conn, out, sizeof(out));
  deflate_parse(out, n, &f);
  ASSERT_EQ(n, f.total);
  ASSERT(f.fin);
  ASSERT_EQ(compressed, f.rsv1);
  if (f.rsv1) {
    ASSERT_LT(f.len, len);
    got = deflate_inflate(f.payload, f.len, plain, sizeof(plain));
    ASSERT_EQ(len, got);
    ASSERT_MEM_EQ(msg, plain, len);
  } else {
    ASSERT_EQ(len, f.len);
    ASSERT_MEM_EQ(msg, f.payload, len);
  }
}

static void expect_logged(size_t* start, const char* entry) {
  ASSERT_STR_EQ(entry, harness.log + *start);
  *start = harness.log_len;
}
#endif

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  char head[1024];
  char entry[128];
  size_t start;
  size_t plen;
  size_t n;
  size_t i;
  size_t step;

  ASSERT_EQ(0, uv_loop_init(&loop));
  {
    ws_server_options_t o;

    ws_server_options_init(&o);
    o.deflate = 1;
    o.deflate_threshold = 100;
    cb = harness_callbacks();
    server = harness_server(&loop, &o, &cb);
  }
  conn = deflate_open(server, DEFLATE_OFFER, head, sizeof(head));
  ASSERT(conn->pmd);
  for (i = 0; i < sizeof(text); i++)
    text[i] = (unsigned char) ("{\"user\":\"ada\",\"seq\":"[i % 20]);
  start = 0;

  /* Whole, in one read: a text message of 20000 bytes. */
  plen = deflate_compress(text, sizeof(text), packed, sizeof(packed));
  n = deflate_frame(wire, 0, 1, 1, WS_OP_TEXT, packed, plen);
  snprintf(entry, sizeof(entry), "T:20000:%.64s|", text);
  for (step = 0; step <= 7; step += 7) {
    /* step 0: one read; 7: a frame over many reads (kept whole first). */
    harness_feed(conn, wire, n, step);
    expect_logged(&start, entry);
    expect_echo(conn, text, sizeof(text), 1);
  }

  /* In three fragments, with a ping between two. */
  n = deflate_frame(wire, 0, 0, 1, WS_OP_BINARY, packed, 10);
  n = deflate_frame(wire, n, 0, 0, 0, packed + 10, plen / 2 - 10);
  n = harness_frame(wire, n, 1, 9, "hi", 2);
  n = deflate_frame(wire, n, 1, 0, 0, packed + plen / 2, plen - plen / 2);
  for (step = 0; step <= 5; step += 5) {
    harness_feed(conn, wire, n, step);
    expect_logged(&start, "B:20000|");
    n = harness_take(conn, out, sizeof(out));
    /* The pong first, then the echo. */
    ASSERT_MEM_EQ("\x8a\x02hi", out, 4);
    {
      deflate_sent_t f;

      deflate_parse(out + 4, n - 4, &f);
      ASSERT(f.rsv1);
      ASSERT_EQ(sizeof(text), deflate_inflate(f.payload, f.len, plain,
                                              sizeof(plain)));
      ASSERT_MEM_EQ(text, plain, sizeof(text));
    }
    n = deflate_frame(wire, 0, 0, 1, WS_OP_BINARY, packed, 10);
    n = deflate_frame(wire, n, 0, 0, 0, packed + 10, plen / 2 - 10);
    n = harness_frame(wire, n, 1, 9, "hi", 2);
    n = deflate_frame(wire, n, 1, 0, 0, packed + plen / 2, plen - plen / 2);
  }

  /* A plain message still goes through, and a short echo stays plain. */
  n = harness_frame(wire, 0, 1, WS_OP_TEXT, "short", 5);
  harness_feed(conn, wire, n, 0);
  expect_logged(&start, "T:5:short|");
  expect_echo(conn, "short", 5, 0);

  /* A compressed empty message (one empty stored block, or nothing). */
  n = deflate_frame(wire, 0, 1, 1, WS_OP_TEXT, "\x00", 1);
  harness_feed(conn, wire, n, 0);
  expect_logged(&start, "T:0:|");
  expect_echo(conn, "", 0, 0);
  n = deflate_frame(wire, 0, 1, 1, WS_OP_BINARY, "", 0);
  harness_feed(conn, wire, n, 0);
  expect_logged(&start, "B:0|");
  expect_echo(conn, "", 0, 0);

  /* What does not get smaller goes out as it is. */
  {
    uint32_t x = 2463534242u;

    for (i = 0; i < 1000; i++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      plain[i] = (unsigned char) x;
    }
  }
  n = harness_frame(wire, 0, 1, WS_OP_BINARY, plain, 1000);
  memcpy(text, plain, 1000);
  harness_feed(conn, wire, n, 0);
  expect_logged(&start, "B:1000|");
  expect_echo(conn, text, 1000, 0);

  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  harness_free(conn);
  harness_close_server(&loop, server);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
