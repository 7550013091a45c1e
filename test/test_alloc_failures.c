/* Every allocation of the library fails in turn, as nghttp2's tests do,
 * during a scenario of handshakes, a room, broadcasts, fragments, pings
 * (some answered late, as a ping flood gets) and closes. Whatever fails: no crash, no leak, and on_close exactly once for
 * every accepted connection. */
#include "counting_alloc.h"
#include "harness.h"

#define CONNS 3

static ws_room_t* room;
static int accepted;
static int closed;

static int on_handshake(ws_conn_t* conn, ws_request_t* req) {
  (void) conn;
  (void) req;
  accepted++;
  return 0;
}

static void on_open(ws_conn_t* conn) {
  ws_room_join(room, conn);
}

static void on_message(ws_conn_t* conn, ws_opcode_t op, const void* data,
                       size_t len) {
  ws_room_broadcast(room, op, data, len, conn);
  ws_conn_send(conn, op, data, len);
  if (len > 0 && ((const char*) data)[0] == 'c')
    ws_conn_close(conn, 1000, "bye", 3);
}

static void on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  (void) info;
  closed++;
}

/* Returns 1 if no allocation failed (the scenario ran to its end). */
static int scenario(long fail) {
  static const char upgrade[] = HARNESS_UPGRADE;
  unsigned char in[8192];
  unsigned char pings[64];
  unsigned char out[65536];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conns[CONNS];
  uv_loop_t loop;
  size_t ping_len;
  size_t n;
  int i;

  accepted = 0;
  closed = 0;
  ASSERT_EQ(0, uv_loop_init(&loop));
  memset(&cb, 0, sizeof(cb));
  cb.on_handshake = on_handshake;
  cb.on_open = on_open;
  cb.on_message = on_message;
  cb.on_close = on_close;
  alloc_calls = 0;
  fail_at = -1;
  if (ws_server_new(&server, &loop, NULL, &cb) != 0 ||
      ws_room_new(&room, server) != 0)
    abort();
  fail_at = fail;
  for (i = 0; i < CONNS; i++)
    conns[i] = NULL;
  for (i = 0; i < CONNS; i++) {
    conns[i] = ws__conn_new(&server->hub);
    if (conns[i] == NULL)
      break;
    conns[i]->detached = 1;
    harness_feed(conns[i], upgrade, sizeof(upgrade) - 1, 0);
  }
  n = 0;
  n = harness_frame(in, n, 1, 1, "hello", 5);
  n = harness_frame(in, n, 0, 2, "frag", 4);
  n = harness_frame(in, n, 1, 9, "ping", 4);
  n = harness_frame(in, n, 1, 0, "ment", 4);
  n = harness_frame(in, n, 1, 1, "close", 5);
  ping_len = harness_frame(pings, 0, 1, 9, "p1", 2);
  harness_frame(pings, ping_len, 1, 9, "p2", 2);
  for (i = 0; i < CONNS && conns[i] != NULL; i++) {
    /* Pings in reads of their own: the second waits for the first's pong. */
    harness_feed(conns[i], pings, 2 * ping_len, ping_len);
    /* The last frame arrives in two pieces, through the partial buffer. */
    harness_feed(conns[i], in, n - 3, 0);
    harness_feed(conns[i], in + n - 3, 3, 0);
  }
  for (i = 0; i < CONNS && conns[i] != NULL; i++)
    harness_take(conns[i], out, sizeof(out));
  for (i = 0; i < CONNS && conns[i] != NULL; i++)
    harness_free(conns[i]);
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  ASSERT_EQ(accepted, closed);
  ASSERT_EQ(0, live_blocks);
  ASSERT_EQ(0, live_bytes);
  return alloc_calls <= fail || fail < 0;
}

int main(void) {
  long fail;

  counting_alloc_install();
  memset(&harness, 0, sizeof(harness));
  ASSERT_EQ(1, scenario(-1));
  for (fail = 0; !scenario(fail); fail++) {
  }
  printf("%ld allocations failed in turn\n", fail);
  ASSERT_GT(fail, 10);
  return 0;
}
