/* A zip bomb: 32 KiB of compressed data that inflates to 32 MiB, against
 * a max_message_size of 1 MiB. The inflated size counts as it grows, so
 * the connection fails with 1009 (WS_ETOOBIG) holding at most about the
 * limit (1.5 times it while the message buffer's last doubling copies),
 * whether the bomb comes whole or in fragments; on_message never
 * sees it. */
#include "counting_alloc.h"
#include "deflate_util.h"

#define LIMIT (1024 * 1024)
#define BOMB (32 * 1024 * 1024)

#ifdef UVWS_HAVE_ZLIB
static int messages;

static void on_message(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                       size_t len) {
  (void) conn;
  (void) opcode;
  (void) data;
  (void) len;
  messages++;
}

static void explode(ws_server_t* server, const unsigned char* wire,
                    size_t len) {
  char head[1024];
  ws_conn_t* conn;
  size_t before;

  conn = deflate_open(server, DEFLATE_OFFER, head, sizeof(head));
  before = live_bytes;
  peak_bytes = live_bytes;
  harness_feed(conn, wire, len, 0);
  printf("peak while inflating: %lu bytes over the idle connection\n",
         (unsigned long) (peak_bytes - before));
  /* The message buffer, at most the limit, while its last doubling
   * copies half of it; and one inflate stream (zlib's state and window). */
  ASSERT_LE(peak_bytes - before, LIMIT + LIMIT / 2 + 128 * 1024);
  ASSERT_EQ(0, messages);
  /* The close frame goes out, then the connection ends. */
  ASSERT_EQ(4, harness_take(conn, (unsigned char*) head, sizeof(head)));
  ASSERT_MEM_EQ("\x88\x02\x03\xf1", head, 4);
  ASSERT_EQ(1, harness.close_count);
  ASSERT_EQ(WS_CLOSE_TOO_BIG, harness.last_close.code);
  ASSERT_EQ(WS_ETOOBIG, harness.last_close.error);
  harness_free(conn);
  harness.close_count = 0;
}
#endif

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  static unsigned char packed[64 * 1024];
  static unsigned char wire[128 * 1024];
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  ws_server_t* server;
  unsigned char* zeros;
  uv_loop_t loop;
  size_t plen;
  size_t n;

  zeros = calloc(1, BOMB);
  ASSERT_NOT_NULL(zeros);
  plen = deflate_compress(zeros, BOMB, packed, sizeof(packed));
  free(zeros);
  printf("bomb: %lu compressed bytes, %d inflated\n", (unsigned long) plen,
         BOMB);
  ASSERT_LT(plen, LIMIT);

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&o);
  o.deflate = 1;
  o.max_message_size = LIMIT;
  cb = harness_callbacks();
  cb.on_message = on_message;
  server = harness_server(&loop, &o, &cb);

  /* Whole: inflated from where it lies. */
  n = deflate_frame(wire, 0, 1, 1, WS_OP_BINARY, packed, plen);
  explode(server, wire, n);
  /* In fragments: inflated as they come. */
  n = deflate_frame(wire, 0, 0, 1, WS_OP_BINARY, packed, plen / 4);
  n = deflate_frame(wire, n, 0, 0, 0, packed + plen / 4, plen / 4);
  n = deflate_frame(wire, n, 1, 0, 0, packed + plen / 2, plen - plen / 2);
  explode(server, wire, n);

  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_bytes);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
