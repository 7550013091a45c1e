/* An idle connection that negotiated permessage-deflate (without context
 * takeover, the default answer) costs exactly what one without it costs:
 * one allocation of the same size (the negotiated parameters are bits of
 * the connection). zlib streams are lent by the server only while a
 * message is inflated or compressed. Counted with
 * ws_replace_allocator() over 100 connections of each kind, after each
 * exchanged compressed messages whole, fragmented and over two reads. */
#include "counting_alloc.h"
#include "deflate_util.h"

#define CONNS 100

#ifdef UVWS_HAVE_ZLIB
static unsigned char packed[4096];
static size_t packed_len;
static char text[2048];

static ws_conn_t* open_and_exchange(ws_server_t* server, int deflate) {
  static unsigned char buf[16384];
  char head[1024];
  ws_conn_t* conn;
  size_t n;

  conn = deflate_open(server, deflate ? DEFLATE_OFFER : "", head,
                      sizeof(head));
  ASSERT_EQ(deflate, conn->pmd);
  n = deflate_frame(buf, 0, 1, deflate, WS_OP_TEXT,
                    deflate ? (const void*) packed : text,
                    deflate ? packed_len : sizeof(text));
  n = deflate_frame(buf, n, 0, deflate, WS_OP_TEXT,
                    deflate ? (const void*) packed : text, 5);
  n = harness_frame(buf, n, 1, 9, "ping", 4);
  n = deflate_frame(buf, n, 1, 0, 0,
                    deflate ? (const void*) (packed + 5) : text + 5,
                    deflate ? packed_len - 5 : sizeof(text) - 5);
  n = harness_frame(buf, n, 1, 2, "partial", 7);
  harness_feed(conn, buf, n - 3, 0);
  harness_feed(conn, buf + n - 3, 3, 0);
  /* Two long echoes (compressed if negotiated), a pong, a short one. */
  n = harness_take(conn, buf, sizeof(buf));
  ASSERT_LT(n, deflate ? 2 * packed_len + 64 : 2 * sizeof(text) + 64);
  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  ASSERT_NULL(conn->extra);
  ASSERT(!ws__conn_has_busy(conn));
  return conn;
}

static void measure(ws_server_t* server, int deflate, size_t* per_conn,
                    size_t* blocks) {
  ws_conn_t* conns[CONNS];
  size_t bytes_before;
  size_t blocks_before;
  int i;

  /* The first exchange fills the server's pools. */
  conns[0] = open_and_exchange(server, deflate);
  bytes_before = live_bytes;
  blocks_before = live_blocks;
  for (i = 1; i < CONNS; i++)
    conns[i] = open_and_exchange(server, deflate);
  *per_conn = (live_bytes - bytes_before) / (CONNS - 1);
  *blocks = (live_blocks - blocks_before) / (CONNS - 1);
  ASSERT_EQ(0, (live_blocks - blocks_before) % (CONNS - 1));
  printf("idle connection, deflate %s: %lu bytes in %lu block(s)\n",
         deflate ? "on" : "off", (unsigned long) *per_conn,
         (unsigned long) *blocks);
  for (i = 0; i < CONNS; i++)
    harness_free(conns[i]);
}
#endif

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  ws_server_t* server;
  uv_loop_t loop;
  size_t plain_bytes;
  size_t plain_blocks;
  size_t deflate_bytes;
  size_t deflate_blocks;
  size_t i;

  for (i = 0; i < sizeof(text); i++)
    text[i] = "{\"price\":12.5,\"sym\":\"ABC\"}"[i % 26];
  packed_len = deflate_compress(text, sizeof(text), packed, sizeof(packed));
  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&o);
  o.deflate = 1;
  cb = harness_callbacks();
  server = harness_server(&loop, &o, &cb);
  measure(server, 0, &plain_bytes, &plain_blocks);
  measure(server, 1, &deflate_bytes, &deflate_blocks);
  ASSERT_EQ(1, plain_blocks);
  ASSERT_EQ(plain_blocks, deflate_blocks);
  ASSERT_EQ(plain_bytes, deflate_bytes);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_bytes);
  ASSERT_EQ(0, live_blocks);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
