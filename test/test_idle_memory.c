/* An idle open connection holds one allocation of ours, of at most 344
 * bytes (a 352-byte block with malloc's header, so that with libuv's
 * per-socket entry a connection costs at most 384 bytes): no wslay
 * context, no parser, no buffers, no output queue (its busy state went
 * back to the server's pool), no extra state. Counted with
 * ws_replace_allocator(), after a handshake and a message exchange on
 * each of 100 connections. */
#include "counting_alloc.h"
#include "harness.h"

#define CONNS 100
#define IDLE_BYTES_MAX 344

static ws_conn_t* open_and_exchange(ws_server_t* server) {
  static const char upgrade[] = HARNESS_UPGRADE;
  unsigned char buf[1024];
  ws_conn_t* conn;
  size_t start;
  size_t n;

  start = harness.log_len;
  conn = harness_conn(server);
  harness_feed(conn, upgrade, sizeof(upgrade) - 1, 0);
  n = harness_frame(buf, 0, 0, 1, "frag", 4);
  n = harness_frame(buf, n, 1, 9, "ping", 4);
  n = harness_frame(buf, n, 1, 0, "mented", 6);
  n = harness_frame(buf, n, 1, 2, "partial", 7);
  /* The last frame arrives in two reads. */
  harness_feed(conn, buf, n - 3, 0);
  harness_feed(conn, buf + n - 3, 3, 0);
  harness_take(conn, buf, sizeof(buf));
  /* What this connection added to the log, all of it. */
  ASSERT_STR_EQ("T:10:fragmented|B:7|", harness.log + start);
  return conn;
}

int main(void) {
  ws_conn_t* conns[CONNS];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  uv_loop_t loop;
  size_t bytes_before;
  size_t blocks_before;
  size_t per_conn;
  int i;

  ASSERT_EQ(WS_EINVAL, ws_replace_allocator(NULL, NULL, NULL, NULL));
  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  /* The first exchange fills the server's pool of wslay contexts. */
  conns[0] = open_and_exchange(server);
  bytes_before = live_bytes;
  blocks_before = live_blocks;
  for (i = 1; i < CONNS; i++) {
    conns[i] = open_and_exchange(server);
    ASSERT_EQ(WS__CONN_OPEN, conns[i]->state);
    ASSERT(!ws__conn_has_busy(conns[i]));
    ASSERT_NULL(conns[i]->extra);
  }
  per_conn = (live_bytes - bytes_before) / (CONNS - 1);
  printf("idle connection: %lu bytes in %lu block(s)\n",
         (unsigned long) per_conn,
         (unsigned long) ((live_blocks - blocks_before) / (CONNS - 1)));
  ASSERT_EQ(CONNS - 1, live_blocks - blocks_before);
  ASSERT_LE(per_conn, IDLE_BYTES_MAX);
  for (i = 0; i < CONNS; i++)
    harness_free(conns[i]);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_bytes);
  ASSERT_EQ(0, live_blocks);
  return 0;
}
