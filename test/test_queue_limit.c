/* A peer that does not read: a send that would pass max_queued_bytes
 * fails with WS_EQUEUEFULL and queues nothing, and the connection stays
 * open. Once the peer reads, it gets every message that was queued, and
 * the connection goes on working. */
#include "raw_client.h"

#define CHUNK (64 * 1024)
#define LIMIT (1024 * 1024)

static unsigned char chunk[CHUNK];
static ws_conn_t* stuck_conn;
static int accepted;   /* messages queued before the first refusal */

static void fill_on_open(ws_conn_t* conn) {
  size_t before;
  int r;

  harness.open_count++;
  stuck_conn = conn;
  for (;;) {
    before = ws_conn_queued_bytes(conn);
    r = ws_conn_send(conn, WS_OP_BINARY, chunk, sizeof(chunk));
    if (r == WS_EQUEUEFULL)
      break;
    ASSERT_EQ(0, r);
    accepted++;
    ASSERT_LT(accepted, 1000);
  }
  /* Nothing of the refused message was queued. */
  ASSERT_EQ(before, ws_conn_queued_bytes(conn));
  ASSERT_LE(ws_conn_queued_bytes(conn), LIMIT);
  /* Refused again, not closed. */
  ASSERT_EQ(WS_EQUEUEFULL,
            ws_conn_send(conn, WS_OP_BINARY, chunk, sizeof(chunk)));
  ASSERT_EQ(before, ws_conn_queued_bytes(conn));
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

int main(void) {
  static const char echo[] = "\x81\x02hi";
  unsigned char frame[32];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t stuck;
  uv_timer_t timer;
  uv_loop_t loop;
  size_t frame_len;
  size_t head;
  uint64_t start;
  size_t n;
  int i;

  for (i = 0; i < CHUNK; i++)
    chunk[i] = (unsigned char) (i * 7);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_queued_bytes = LIMIT;
  cb = harness_callbacks();
  cb.on_open = fill_on_open;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &stuck, "127.0.0.1", ws_server_port(server));
  raw_handshake(&stuck); /* and do not read yet */
  RUN_UNTIL(&loop, harness.open_count == 1);
  ASSERT_GT(accepted, 0);

  /* Several loop iterations (flushes, timer ticks) later it is still
   * open. */
  ASSERT_EQ(0, uv_timer_init(&loop, &timer));
  ASSERT_EQ(0, uv_timer_start(&timer, on_tick, 10, 10));
  start = uv_hrtime();
  while (uv_hrtime() - start < 200 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  uv_close((uv_handle_t*) &timer, NULL);
  ASSERT_EQ(0, harness.close_count);
  ASSERT_EQ(0, ws_conn_send(stuck_conn, WS_OP_TEXT, "x", 1));

  /* The peer reads: every accepted message, then the "x". */
  raw_start_reading(&stuck);
  frame_len = 10 + CHUNK;
  RUN_UNTIL(&loop, (head = raw_head_len(&stuck)) > 0 &&
                       stuck.in_len >= head + accepted * frame_len + 3);
  for (i = 0; i < accepted; i++) {
    const unsigned char* f = stuck.in + head + i * frame_len;
    ASSERT_MEM_EQ("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", f, 10);
    ASSERT_MEM_EQ(chunk, f + 10, CHUNK);
  }
  ASSERT_MEM_EQ("\x81\x01x", stuck.in + head + accepted * frame_len, 3);
  ASSERT_EQ(head + accepted * frame_len + 3, stuck.in_len);

  /* And it still echoes. */
  n = harness_frame(frame, 0, 1, 1, "hi", 2);
  raw_write(&stuck, frame, n);
  RUN_UNTIL(&loop, raw_has(&stuck, echo, sizeof(echo) - 1));
  ASSERT_EQ(0, harness.close_count);
  raw_close(&stuck);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  return 0;
}
