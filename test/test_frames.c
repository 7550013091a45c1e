/* Frame sequences from a client and the exact bytes and callbacks they get,
 * fed with the handshake in the same read, whole, and one byte at a time. */
#include "harness.h"

typedef struct {
  const char* name;
  size_t (*build)(unsigned char* in);
  const char* out;      /* expected server bytes after the 101 */
  size_t out_len;
  const char* log;      /* expected callbacks */
  size_t max_message;   /* 0: the default */
} frame_case_t;

#define EXPECT_OUT(s) s, sizeof(s) - 1
#define M16 "mmmmmmmmmmmmmmmm"

static size_t text_hello(unsigned char* in) {
  return harness_frame(in, 0, 1, 1, "hello", 5);
}

static size_t binary_empty(unsigned char* in) {
  return harness_frame(in, 0, 1, 2, "", 0);
}

static size_t two_messages(unsigned char* in) {
  size_t n;

  n = harness_frame(in, 0, 1, 1, "one", 3);
  return harness_frame(in, n, 1, 2, "two", 3);
}

static size_t fragmented_with_ping(unsigned char* in) {
  size_t n;

  n = harness_frame(in, 0, 0, 1, "ab", 2);
  n = harness_frame(in, n, 1, 9, "p", 1);
  n = harness_frame(in, n, 0, 0, "cd", 2);
  return harness_frame(in, n, 1, 0, "ef", 2);
}

static size_t utf8_split(unsigned char* in) {
  size_t n;

  n = harness_frame(in, 0, 0, 1, "\xc3", 1);
  return harness_frame(in, n, 1, 0, "\xa9", 1);
}

static size_t medium_text(unsigned char* in) {
  static char payload[126];

  memset(payload, 'm', sizeof(payload));
  return harness_frame(in, 0, 1, 1, payload, sizeof(payload));
}

static size_t unmasked(unsigned char* in) {
  memcpy(in, "\x81\x02hi", 4);
  return 4;
}

static size_t rsv1(unsigned char* in) {
  size_t n;

  n = harness_frame(in, 0, 1, 1, "hi", 2);
  in[0] |= 0x40;
  return n;
}

static size_t opcode_3(unsigned char* in) {
  return harness_frame(in, 0, 1, 3, "", 0);
}

static size_t opcode_b(unsigned char* in) {
  return harness_frame(in, 0, 1, 0xb, "", 0);
}

static size_t long_ping(unsigned char* in) {
  static char payload[126];

  memset(payload, 'p', sizeof(payload));
  return harness_frame(in, 0, 1, 9, payload, sizeof(payload));
}

static size_t fragmented_ping(unsigned char* in) {
  return harness_frame(in, 0, 0, 9, "p", 1);
}

static size_t bad_utf8(unsigned char* in) {
  return harness_frame(in, 0, 1, 1, "ok\xff", 3);
}

static size_t bad_utf8_first_fragment(unsigned char* in) {
  /* Fails at once, without waiting for the message to end. */
  return harness_frame(in, 0, 0, 1, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc"
                                    "\xce\xb5\xed\xa0\x80", 14);
}

static size_t close_one_byte(unsigned char* in) {
  return harness_frame(in, 0, 1, 8, "\x03", 1);
}

static size_t close_1005(unsigned char* in) {
  return harness_frame(in, 0, 1, 8, "\x03\xed", 2);
}

static size_t close_999(unsigned char* in) {
  return harness_frame(in, 0, 1, 8, "\x03\xe7", 2);
}

static size_t close_normal(unsigned char* in) {
  return harness_frame(in, 0, 1, 8, "\x03\xe8" "bye", 5);
}

static size_t close_empty(unsigned char* in) {
  return harness_frame(in, 0, 1, 8, "", 0);
}

static size_t close_bad_reason(unsigned char* in) {
  return harness_frame(in, 0, 1, 8, "\x03\xe8\xff", 3);
}

static size_t too_big(unsigned char* in) {
  static char payload[2000];

  return harness_frame(in, 0, 1, 2, payload, sizeof(payload));
}

static size_t too_big_fragmented(unsigned char* in) {
  static char payload[600];
  size_t n;

  n = harness_frame(in, 0, 0, 2, payload, sizeof(payload));
  return harness_frame(in, n, 1, 0, payload, sizeof(payload));
}

static size_t continuation_first(unsigned char* in) {
  return harness_frame(in, 0, 1, 0, "x", 1);
}

static size_t text_inside_fragments(unsigned char* in) {
  size_t n;

  n = harness_frame(in, 0, 0, 1, "a", 1);
  return harness_frame(in, n, 1, 1, "b", 1);
}

static size_t unsolicited_pong(unsigned char* in) {
  size_t n;

  n = harness_frame(in, 0, 1, 0xa, "x", 1);
  return harness_frame(in, n, 1, 1, "after", 5);
}

static size_t non_minimal_length(unsigned char* in) {
  memcpy(in, "\x81\xfe\x00\x05" "abcd" "hello", 13);
  return 13;
}

static size_t message_after_close(unsigned char* in) {
  size_t n;

  n = harness_frame(in, 0, 1, 8, "\x03\xe8", 2);
  return harness_frame(in, n, 1, 1, "late", 4);
}

static const frame_case_t cases[] = {
  { "text", text_hello, EXPECT_OUT("\x81\x05hello"), "T:5:hello|", 0 },
  { "empty binary", binary_empty, EXPECT_OUT("\x82\x00"), "B:0|", 0 },
  { "two messages", two_messages, EXPECT_OUT("\x81\x03one\x82\x03two"),
    "T:3:one|B:3|", 0 },
  { "fragments and a ping", fragmented_with_ping,
    EXPECT_OUT("\x8a\x01p\x81\x06" "abcdef"), "T:6:abcdef|", 0 },
  { "utf-8 split over fragments", utf8_split, EXPECT_OUT("\x81\x02\xc3\xa9"),
    "T:2:\xc3\xa9|", 0 },
  /* The harness logs the first 64 bytes of a text message. */
  { "16-bit length", medium_text, NULL, 0, "T:126:" M16 M16 M16 M16 "|", 0 },
  { "unmasked", unmasked, EXPECT_OUT("\x88\x02\x03\xea"), "close:1002:unclean|", 0 },
  { "rsv1", rsv1, EXPECT_OUT("\x88\x02\x03\xea"), "close:1002:unclean|", 0 },
  { "opcode 3", opcode_3, EXPECT_OUT("\x88\x02\x03\xea"), "close:1002:unclean|", 0 },
  { "opcode 11", opcode_b, EXPECT_OUT("\x88\x02\x03\xea"), "close:1002:unclean|",
    0 },
  { "ping of 126", long_ping, EXPECT_OUT("\x88\x02\x03\xea"), "close:1002:unclean|",
    0 },
  { "fragmented ping", fragmented_ping, EXPECT_OUT("\x88\x02\x03\xea"),
    "close:1002:unclean|", 0 },
  { "bad utf-8", bad_utf8, EXPECT_OUT("\x88\x02\x03\xef"), "close:1007:unclean|",
    0 },
  { "bad utf-8 fails fast", bad_utf8_first_fragment,
    EXPECT_OUT("\x88\x02\x03\xef"), "close:1007:unclean|", 0 },
  { "close of one byte", close_one_byte, EXPECT_OUT("\x88\x02\x03\xea"),
    "close:1002:unclean|", 0 },
  { "close 1005", close_1005, EXPECT_OUT("\x88\x02\x03\xea"), "close:1002:unclean|",
    0 },
  { "close 999", close_999, EXPECT_OUT("\x88\x02\x03\xea"), "close:1002:unclean|",
    0 },
  { "close 1000", close_normal, EXPECT_OUT("\x88\x05\x03\xe8" "bye"),
    "close:1000:clean|", 0 },
  { "empty close", close_empty, EXPECT_OUT("\x88\x00"), "close:1005:clean|", 0 },
  { "close reason not utf-8", close_bad_reason, EXPECT_OUT("\x88\x02\x03\xef"),
    "close:1007:unclean|", 0 },
  { "too big", too_big, EXPECT_OUT("\x88\x02\x03\xf1"), "close:1009:unclean|",
    1024 },
  { "too big in fragments", too_big_fragmented, EXPECT_OUT("\x88\x02\x03\xf1"),
    "close:1009:unclean|", 1024 },
  { "continuation first", continuation_first, EXPECT_OUT("\x88\x02\x03\xea"),
    "close:1002:unclean|", 0 },
  { "text inside fragments", text_inside_fragments,
    EXPECT_OUT("\x88\x02\x03\xea"), "close:1002:unclean|", 0 },
  { "unsolicited pong", unsolicited_pong, EXPECT_OUT("\x81\x05" "after"),
    "T:5:after|", 0 },
  { "non-minimal length", non_minimal_length, EXPECT_OUT("\x88\x02\x03\xea"),
    "close:1002:unclean|", 0 },
  { "nothing after close", message_after_close, EXPECT_OUT("\x88\x02\x03\xe8"),
    "close:1000:clean|", 0 },
};

enum { TOGETHER, WHOLE, ONE_BYTE, MODES };

static void run(const frame_case_t* c, int mode) {
  static unsigned char in[8192];
  static unsigned char out[8192];
  static const char upgrade[] = HARNESS_UPGRADE;
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t hlen;
  size_t len;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  if (c->max_message != 0)
    options.max_message_size = c->max_message;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  conn = harness_conn(server);
  hlen = sizeof(upgrade) - 1;
  memcpy(in, upgrade, hlen);
  len = c->build(in + hlen);
  if (mode == TOGETHER) {
    harness_feed(conn, in, hlen + len, 0);
  } else {
    harness_feed(conn, in, hlen, 0);
    harness_feed(conn, in + hlen, len, mode == ONE_BYTE ? 1 : 0);
  }
  n = harness_take(conn, out, sizeof(out));
  ASSERT(n >= sizeof(HARNESS_101) - 1);
  ASSERT_MEM_EQ(HARNESS_101, out, sizeof(HARNESS_101) - 1);
  n -= sizeof(HARNESS_101) - 1;
  if (c->out != NULL) {
    if (n != c->out_len)
      fprintf(stderr, "case '%s' mode %d: %lu bytes out, wanted %lu\n",
              c->name, mode, (unsigned long) n, (unsigned long) c->out_len);
    ASSERT_EQ(c->out_len, n);
    ASSERT_MEM_EQ(c->out, out + sizeof(HARNESS_101) - 1, n);
  }
  if (strcmp(harness.log, c->log) != 0) {
    fprintf(stderr, "case '%s' mode %d: log '%s', wanted '%s'\n", c->name,
            mode, harness.log, c->log);
    ASSERT(0);
  }
  if (strncmp(c->log, "close:", 6) == 0) {
    ASSERT_EQ(WS__CONN_CLOSED, conn->state);
    ASSERT_EQ(1, harness.close_count);
    if (!harness.last_close.clean)
      ASSERT(harness.last_close.error == WS_EPROTO ||
             harness.last_close.error == WS_ETOOBIG);
  } else {
    /* Still open, and holding nothing while idle. */
    ASSERT_EQ(WS__CONN_OPEN, conn->state);
    ASSERT_NULL(conn->busy->engine);
    ASSERT_NULL(conn->busy->partial);
    ASSERT_NULL(conn->busy->out.head);
  }
  harness_free(conn);
  harness_close_server(&loop, server);
}

int main(void) {
  size_t i;
  int mode;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    for (mode = 0; mode < MODES; mode++)
      run(&cases[i], mode);
  return 0;
}
