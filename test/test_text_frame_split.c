/* A text frame is unmasked and its UTF-8 checked alike whether it arrives
 * whole (checked where it lies, in one pass) or in two reads split at any
 * byte (checked as each piece comes, from where the last one ended, the key
 * turned to match): valid text with characters of every length across
 * several 16- and 32-byte blocks comes out intact, a bad byte anywhere
 * fails the connection with 1007 in the read that holds it, and text that
 * ends inside a character fails once the frame is whole. */
#include "harness.h"

#define TEXT_LEN 200

static unsigned char text[TEXT_LEN];

/* Characters of 1, 2, 3 and 4 bytes in turn, ASCII to the end. */
static void make_text(void) {
  static const char* const chars[] = {"a", "\xc3\xa9", "\xe2\x82\xac",
                                      "\xf0\x9f\x98\x80", "Z", "\xd0\x96",
                                      "\xe4\xb8\xad", "\xf4\x8f\xbf\xbf"};
  size_t len;
  size_t n;
  size_t i;

  len = 0;
  for (i = 0;; i++) {
    n = strlen(chars[i % 8]);
    if (len + n > TEXT_LEN)
      break;
    memcpy(text + len, chars[i % 8], n);
    len += n;
  }
  memset(text + len, 'x', TEXT_LEN - len);
}

static const unsigned char close_1007[] = {0x88, 0x02, 0x03, 0xef};

/* Feeds frame in two reads split at split; bad is the index in frame of a
 * bad byte (len: the text ends inside a character), or 0 for none. */
static void check(ws_server_t* server, const unsigned char* frame,
                  size_t len, size_t split, size_t bad) {
  unsigned char out[TEXT_LEN + 64];
  ws_conn_t* conn;
  size_t n;

  conn = harness_open(server);
  harness.log_len = 0;
  harness.close_count = 0;
  harness_feed(conn, frame, split, 0);
  n = harness_take(conn, out, sizeof(out));
  if (bad != 0 && bad < split) {
    /* The first read holds the bad byte. */
    if (n != sizeof(close_1007) || memcmp(out, close_1007, n) != 0)
      TEST__FAIL("bad byte at %zu, split at %zu: no 1007 after the first "
                 "read", bad, split);
    harness_free(conn);
    return;
  }
  /* Nothing before the frame is whole. */
  ASSERT_EQ(split < len ? 0 : n, n);
  harness_feed(conn, frame + split, len - split, 0);
  n += harness_take(conn, out + n, sizeof(out) - n);
  if (bad != 0) {
    if (n != sizeof(close_1007) || memcmp(out, close_1007, n) != 0)
      TEST__FAIL("bad byte at %zu, split at %zu: no 1007", bad, split);
    ASSERT_EQ(1, harness.close_count);
  } else {
    /* The echo: a 4-byte header, then the text as it was sent. */
    if (n != 4 + TEXT_LEN || out[0] != 0x81 ||
        memcmp(out + 4, text, TEXT_LEN) != 0)
      TEST__FAIL("split at %zu: the text did not come back intact", split);
    ASSERT_EQ(0, harness.close_count);
  }
  harness_free(conn);
}

int main(void) {
  unsigned char frame[TEXT_LEN + 16];
  unsigned char bad_text[TEXT_LEN];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  uv_loop_t loop;
  size_t header;
  size_t split;
  size_t len;
  size_t pos;

  make_text();
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  len = harness_frame(frame, 0, 1, 1, text, TEXT_LEN);
  header = len - TEXT_LEN;
  /* Whole, then split at every byte. */
  for (split = 1; split <= len; split++)
    check(server, frame, len, split, 0);
  /* A byte no UTF-8 holds, at every position, the read split just before
   * it, just after it, and where the blocks of the payload begin. */
  for (pos = 0; pos < TEXT_LEN; pos++) {
    memcpy(bad_text, text, TEXT_LEN);
    bad_text[pos] = 0xff;
    len = harness_frame(frame, 0, 1, 1, bad_text, TEXT_LEN);
    check(server, frame, len, header + pos, header + pos);
    check(server, frame, len, header + pos + 1, header + pos);
    for (split = header + 1; split < len; split += 32)
      check(server, frame, len, split, header + pos);
    check(server, frame, len, len, header + pos);
  }
  /* Text that ends inside a character is bad once the frame is whole. */
  memcpy(bad_text, text, TEXT_LEN);
  memcpy(bad_text + TEXT_LEN - 4, "xx\xe2\x82", 4); /* its last char */
  len = harness_frame(frame, 0, 1, 1, bad_text, TEXT_LEN);
  for (split = 1; split <= len; split++)
    check(server, frame, len, split, len);
  harness_close_server(&loop, server);
  return 0;
}
