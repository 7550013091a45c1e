/* Compressed messages whose inflated size falls on, just under or just
 * over the multiples of the 16 KiB pieces they are inflated in (with long
 * matches across those edges, and the input ending where a piece fills)
 * arrive whole and exact, in one frame or in fragments. */
#include "deflate_util.h"

#ifdef UVWS_HAVE_ZLIB
static unsigned char text[66000];
static unsigned char packed[70000];
static unsigned char wire[140000];
static size_t delivered;
static int matches;

static void on_message(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                       size_t len) {
  (void) conn;
  (void) opcode;
  delivered = len;
  matches = memcmp(data, text, len) == 0;
}
#endif

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  static const size_t edges[] = { 16384, 32768, 49152, 65536 };
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  char head[1024];
  size_t plen;
  size_t len;
  size_t n;
  size_t i;
  int d;
  int fragments;

  for (i = 0; i < sizeof(text); i++)
    text[i] = (unsigned char) ("abcdefghij"[(i / 700) % 10]);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&o);
  o.deflate = 1;
  cb = harness_callbacks();
  cb.on_message = on_message;
  server = harness_server(&loop, &o, &cb);
  conn = deflate_open(server, DEFLATE_OFFER, head, sizeof(head));
  for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
    for (d = -3; d <= 3; d++) {
      len = (size_t) ((long) edges[i] + d);
      plen = deflate_compress(text, len, packed, sizeof(packed));
      for (fragments = 1; fragments <= 2; fragments++) {
        if (fragments == 1) {
          n = deflate_frame(wire, 0, 1, 1, WS_OP_BINARY, packed, plen);
        } else {
          n = deflate_frame(wire, 0, 0, 1, WS_OP_BINARY, packed, plen / 2);
          n = deflate_frame(wire, n, 1, 0, 0, packed + plen / 2,
                            plen - plen / 2);
        }
        delivered = 0;
        matches = 0;
        harness_feed(conn, wire, n, 0);
        ASSERT_EQ(len, delivered);
        ASSERT(matches);
      }
    }
  }
  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  harness_free(conn);
  harness_close_server(&loop, server);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
