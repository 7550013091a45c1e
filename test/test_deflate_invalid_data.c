/* Compressed data that is not deflate data, or text that inflates to bad
 * UTF-8, fails the connection with 1007 (WS_EPROTO): whole or in
 * fragments, and no message is delivered. */
#include "deflate_util.h"

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

static void expect_1007(ws_server_t* server, const unsigned char* wire,
                        size_t len, size_t step) {
  unsigned char out[64];
  char head[1024];
  ws_conn_t* conn;

  conn = deflate_open(server, DEFLATE_OFFER, head, sizeof(head));
  harness_feed(conn, wire, len, step);
  ASSERT_EQ(4, harness_take(conn, out, sizeof(out)));
  ASSERT_MEM_EQ("\x88\x02\x03\xef", out, 4);
  ASSERT_EQ(1, harness.close_count);
  ASSERT_EQ(WS_CLOSE_INVALID_DATA, harness.last_close.code);
  ASSERT_EQ(WS_EPROTO, harness.last_close.error);
  ASSERT_EQ(0, messages);
  harness_free(conn);
  harness.close_count = 0;
}
#endif

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  /* Block type 3 is reserved: invalid from the first byte. */
  static const unsigned char junk[] = { 0xff, 0xff, 0xff, 0xff, 0x00 };
  static const unsigned char bad_utf8[] = { 'a', 0xc3, 0x28, 'b' };
  unsigned char packed[256];
  unsigned char wire[1024];
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  ws_server_t* server;
  uv_loop_t loop;
  size_t plen;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&o);
  o.deflate = 1;
  cb = harness_callbacks();
  cb.on_message = on_message;
  server = harness_server(&loop, &o, &cb);

  n = deflate_frame(wire, 0, 1, 1, WS_OP_BINARY, junk, sizeof(junk));
  expect_1007(server, wire, n, 0);
  expect_1007(server, wire, n, 3);
  n = deflate_frame(wire, 0, 0, 1, WS_OP_BINARY, junk, 2);
  n = deflate_frame(wire, n, 1, 0, 0, junk + 2, sizeof(junk) - 2);
  expect_1007(server, wire, n, 0);

  /* Valid deflate data, bad text: whole, then fragmented. */
  plen = deflate_compress(bad_utf8, sizeof(bad_utf8), packed,
                          sizeof(packed));
  n = deflate_frame(wire, 0, 1, 1, WS_OP_TEXT, packed, plen);
  expect_1007(server, wire, n, 0);
  n = deflate_frame(wire, 0, 0, 1, WS_OP_TEXT, packed, 1);
  n = deflate_frame(wire, n, 1, 0, 0, packed + 1, plen - 1);
  expect_1007(server, wire, n, 0);

  harness_close_server(&loop, server);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
