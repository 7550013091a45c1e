/* on_drain follows progress: it comes once bytes were written after the
 * refusal and the queue is down to drain_low_water. An application that
 * retries in on_drain a message that cannot fit yet gets on_drain again
 * only as the queue drains further, never in a loop that nothing
 * advances; a message that can never fit (longer than max_queued_bytes
 * minus a frame header) brings no on_drain at all. */
#include "raw_client.h"

#define LIMIT (64 * 1024)
#define LOW_WATER (16 * 1024)

static unsigned char big[LIMIT];
static ws_conn_t* conn_;
static int drains;
static int sent_big;
static int sent_at;           /* the on_drain call that sent it */

static void spin_on_open(ws_conn_t* conn) {
  harness.open_count++;
  conn_ = conn;
}

/* Retries a message that needs an almost empty queue. */
static void retry_on_drain(ws_conn_t* conn) {
  int r;

  drains++;
  ASSERT_LT(drains, 1000);
  if (sent_big)
    return;
  r = ws_conn_send(conn, WS_OP_BINARY, big, LIMIT - 14 - 100);
  if (r == 0) {
    sent_big = 1;
    sent_at = drains;
  }
  else
    ASSERT_EQ(WS_EQUEUEFULL, r);
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t peer;
  uv_timer_t tick;
  uv_loop_t loop;
  uint64_t start;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_timer_init(&loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, on_tick, 10, 10));
  ws_server_options_init(&options);
  options.max_queued_bytes = LIMIT;
  options.drain_low_water = LOW_WATER;
  cb = harness_callbacks();
  cb.on_open = spin_on_open;
  cb.on_drain = retry_on_drain;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&peer);
  raw_handshake(&peer);
  RUN_UNTIL(&loop, harness.open_count == 1 && raw_head_len(&peer) > 0 &&
                       ws_conn_queued_bytes(conn_) == 0);

  /* Never fits: refused, and no on_drain follows. */
  ASSERT_EQ(WS_EQUEUEFULL, ws_conn_send(conn_, WS_OP_BINARY, big, LIMIT));
  start = uv_hrtime();
  while (uv_hrtime() - start < 100 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(0, drains);

  /* Fits only once the queue is nearly empty: 200 bytes queued (under the
   * low water) are enough to refuse it; on_drain retries it once they
   * are written. */
  ASSERT_EQ(0, ws_conn_send(conn_, WS_OP_BINARY, big, 200));
  ASSERT_EQ(WS_EQUEUEFULL,
            ws_conn_send(conn_, WS_OP_BINARY, big, LIMIT - 14 - 100));
  RUN_UNTIL(&loop, sent_big);
  ASSERT_EQ(1, sent_at);
  RUN_UNTIL(&loop, peer.in_len == raw_head_len(&peer) + 4 + 200 + 4 +
                                      LIMIT - 14 - 100);
  /* That send took the queue past the low water: one more, once. */
  RUN_UNTIL(&loop, drains == 2);
  start = uv_hrtime();
  while (uv_hrtime() - start < 100 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(2, drains);
  ASSERT_EQ(0, harness.close_count);

  uv_close((uv_handle_t*) &tick, NULL);
  raw_close(&peer);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  return 0;
}
