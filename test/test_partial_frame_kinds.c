/* Frames of every kind that arrive over several reads (their payload
 * unmasked, and text checked, as each piece comes) give what they give
 * when they arrive whole: a binary message, a text message in three
 * fragments with a character split across two (these go to wslay, their
 * kept key zeroed), a ping (answered with its payload), a text message
 * with characters of every length and a close with a reason. Each input
 * is fed whole, split in two at every byte, and in pieces of 1 to 70
 * bytes; the bytes sent back and the callbacks must be the same. */
#include "harness.h"

#define OUT_CAP 4096

typedef struct {
  unsigned char out[OUT_CAP];
  size_t out_len;
  char log[512];
  size_t log_len;
  char reason[123];
  uint16_t code;
} result_t;

static unsigned char input[2048];
static size_t input_len;

static void build_input(void) {
  static const char text[] =
      "plain \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xe4\xb8\xad\xe6\x96\x87 "
      "\xf0\x9f\x98\x80 and some more ASCII to cross a block or two of "
      "sixteen and thirty-two bytes \xd0\x96\xd0\x96\xd0\x96 end";
  static const unsigned char close_payload[] = {0x03, 0xe8, 'b', 'y', 'e'};
  unsigned char binary[300];
  size_t i;
  size_t n;

  for (i = 0; i < sizeof(binary); i++)
    binary[i] = (unsigned char) (i * 7 + 3);
  n = 0;
  n = harness_frame(input, n, 1, WS__OP_BINARY, binary, sizeof(binary));
  /* "ab\xc3" "\xa9\xe2\x82" "\xac z": the characters cross fragments. */
  n = harness_frame(input, n, 0, WS__OP_TEXT, "ab\xc3", 3);
  n = harness_frame(input, n, 0, WS__OP_CONTINUATION, "\xa9\xe2\x82", 3);
  n = harness_frame(input, n, 0, WS__OP_CONTINUATION, "", 0);
  n = harness_frame(input, n, 1, WS__OP_CONTINUATION, "\xac z", 3);
  n = harness_frame(input, n, 1, WS__OP_PING, "ping payload", 12);
  n = harness_frame(input, n, 1, WS__OP_TEXT, text, sizeof(text) - 1);
  n = harness_frame(input, n, 1, WS__OP_CLOSE, close_payload,
                    sizeof(close_payload));
  ASSERT(n <= sizeof(input));
  input_len = n;
}

/* Feeds the input in pieces, each piece's length from sizes in turn. */
static void run(ws_server_t* server, const size_t* sizes, size_t count,
                result_t* r) {
  ws_conn_t* conn;
  size_t off;
  size_t n;
  size_t k;

  conn = harness_open(server);
  harness.log_len = 0;
  harness.close_count = 0;
  r->out_len = 0;
  for (off = 0, k = 0; off < input_len; off += n, k++) {
    n = sizes[k % count];
    if (n > input_len - off)
      n = input_len - off;
    harness_feed(conn, input + off, n, 0);
    r->out_len += harness_take(conn, r->out + r->out_len,
                               sizeof(r->out) - r->out_len);
  }
  ASSERT(harness.log_len < sizeof(r->log));
  memcpy(r->log, harness.log, harness.log_len);
  r->log_len = harness.log_len;
  r->code = harness.last_close.code;
  memcpy(r->reason, harness.last_reason, sizeof(r->reason));
  harness_free(conn);
}

static int contains(const unsigned char* s, size_t len, const char* part,
                    size_t n) {
  size_t i;

  for (i = 0; i + n <= len; i++)
    if (memcmp(s + i, part, n) == 0)
      return 1;
  return 0;
}

static void expect_same(const result_t* want, const result_t* got,
                        const char* how, size_t at) {
  if (got->out_len != want->out_len ||
      memcmp(got->out, want->out, want->out_len) != 0 ||
      got->log_len != want->log_len ||
      memcmp(got->log, want->log, want->log_len) != 0 ||
      got->code != want->code ||
      memcmp(got->reason, want->reason, sizeof(want->reason)) != 0)
    TEST__FAIL("%s %zu: not as when whole (log \"%.*s\")", how, at,
               (int) got->log_len, got->log);
}

int main(void) {
  static result_t whole;
  static result_t got;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  uv_loop_t loop;
  size_t sizes[2];
  size_t at;

  build_input();
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  sizes[0] = input_len;
  run(server, sizes, 1, &whole);
  /* The whole input did what it says: every message echoed, the ping
   * answered, the close answered with its code. */
  ASSERT(strstr(whole.log, "B:300|") != NULL);
  ASSERT(strstr(whole.log, "T:9:ab\xc3\xa9\xe2\x82\xac z|") != NULL);
  ASSERT(strstr(whole.log, "close:1000:") != NULL);
  ASSERT(contains(whole.out, whole.out_len, "\x8a\x0cping payload", 14));
  ASSERT_STR_EQ("bye", whole.reason);
  for (at = 1; at < input_len; at++) {
    sizes[0] = at;
    sizes[1] = input_len;
    run(server, sizes, 2, &got);
    expect_same(&whole, &got, "split at", at);
  }
  for (at = 1; at <= 70; at++) {
    sizes[0] = at;
    run(server, sizes, 1, &got);
    expect_same(&whole, &got, "pieces of", at);
  }
  harness_close_server(&loop, server);
  return 0;
}
