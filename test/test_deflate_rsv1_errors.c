/* RSV1 where RFC 7692 does not allow it fails the connection with 1002:
 * on a control frame, on a continuation frame, or on any frame of a
 * connection that did not negotiate permessage-deflate; RSV2 and RSV3
 * stay reserved. Whole frames and frames over several reads alike. */
#include "deflate_util.h"

static void expect_1002(ws_server_t* server, const char* headers,
                        const unsigned char* wire, size_t len,
                        size_t step) {
  unsigned char out[64];
  char head[1024];
  ws_conn_t* conn;

  conn = deflate_open(server, headers, head, sizeof(head));
  harness_feed(conn, wire, len, step);
  ASSERT_EQ(4, harness_take(conn, out, sizeof(out)));
  ASSERT_MEM_EQ("\x88\x02\x03\xea", out, 4);
  ASSERT_EQ(1, harness.close_count);
  ASSERT_EQ(WS_CLOSE_PROTOCOL_ERROR, harness.last_close.code);
  ASSERT_EQ(WS_EPROTO, harness.last_close.error);
  ASSERT_EQ(0, harness.log_len - strlen("close:1002:unclean|"));
  harness_free(conn);
  memset(&harness, 0, sizeof(harness));
}

int main(void) {
  /* "Hello", compressed. */
  static const unsigned char hello[] = { 0xf2, 0x48, 0xcd, 0xc9, 0xc9,
                                         0x07, 0x00 };
  unsigned char wire[256];
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  ws_server_t* server;
  uv_loop_t loop;
  size_t step;
  size_t n;

  DEFLATE_REQUIRE();
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&o);
  o.deflate = 1;
  cb = harness_callbacks();
  server = harness_server(&loop, &o, &cb);

  for (step = 0; step <= 1; step++) {
    /* Not negotiated: no offer. */
    n = deflate_frame(wire, 0, 1, 1, WS_OP_TEXT, hello, sizeof(hello));
    expect_1002(server, "", wire, n, step);
    /* A ping, a pong, a close with RSV1. */
    n = deflate_frame(wire, 0, 1, 1, 9, "p", 1);
    expect_1002(server, DEFLATE_OFFER, wire, n, step);
    n = deflate_frame(wire, 0, 1, 1, 10, "p", 1);
    expect_1002(server, DEFLATE_OFFER, wire, n, step);
    n = deflate_frame(wire, 0, 1, 1, 8, "\x03\xe8", 2);
    expect_1002(server, DEFLATE_OFFER, wire, n, step);
    /* A continuation with RSV1, of a plain and of a compressed message. */
    n = deflate_frame(wire, 0, 0, 0, WS_OP_TEXT, "he", 2);
    n = deflate_frame(wire, n, 1, 1, 0, "llo", 3);
    expect_1002(server, DEFLATE_OFFER, wire, n, step);
    n = deflate_frame(wire, 0, 0, 1, WS_OP_TEXT, hello, 3);
    n = deflate_frame(wire, n, 1, 1, 0, hello + 3, sizeof(hello) - 3);
    expect_1002(server, DEFLATE_OFFER, wire, n, step);
    /* RSV2, RSV3. */
    n = harness_frame(wire, 0, 1, WS_OP_TEXT, "hello", 5);
    wire[0] |= 0x20;
    expect_1002(server, DEFLATE_OFFER, wire, n, step);
    wire[0] ^= 0x30;
    expect_1002(server, DEFLATE_OFFER, wire, n, step);
  }

  /* The same compressed "Hello", negotiated: delivered. */
  {
    char head[1024];
    unsigned char out[64];
    ws_conn_t* conn;

    conn = deflate_open(server, DEFLATE_OFFER, head, sizeof(head));
    n = deflate_frame(wire, 0, 1, 1, WS_OP_TEXT, hello, sizeof(hello));
    harness_feed(conn, wire, n, 0);
    ASSERT_STR_EQ("T:5:Hello|", harness.log);
    ASSERT_EQ(7, harness_take(conn, out, sizeof(out)));
    harness_free(conn);
  }
  harness_close_server(&loop, server);
  return 0;
}
