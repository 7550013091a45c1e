/* on_drain comes exactly once per refusal episode: a sender fills the
 * queue until WS_EQUEUEFULL (refused a few times more), and gets one
 * on_drain, from the loop, once the queue is down to drain_low_water;
 * none while the peer does not read and the queue stays above it, and
 * none for sends that never took the queue past the mark. */
#include "raw_client.h"

#define CHUNK (16 * 1024)
#define LIMIT (256 * 1024)
#define LOW_WATER (64 * 1024)
#define EPISODES 30

static unsigned char chunk[CHUNK];
static ws_conn_t* conn_;
static int in_api;        /* inside a ws_conn_send() of ours */
static int owed;          /* a refusal episode is open */
static int episodes;      /* refusal episodes started */
static int drains;        /* on_drain calls */
static uint64_t sent;     /* payload bytes queued */

static int send_chunk(ws_conn_t* conn) {
  int r;

  in_api = 1;
  r = ws_conn_send(conn, WS_OP_BINARY, chunk, sizeof(chunk));
  in_api = 0;
  if (r == 0)
    sent += CHUNK;
  return r;
}

/* Sends until refused, then tries twice more: one episode. */
static void fill(ws_conn_t* conn) {
  int i;

  while (send_chunk(conn) == 0) {
  }
  ASSERT_GT(ws_conn_queued_bytes(conn) + CHUNK + 14, LIMIT);
  for (i = 0; i < 2; i++)
    ASSERT_EQ(WS_EQUEUEFULL, send_chunk(conn));
  owed = 1;
  episodes++;
}

static void drain_on_open(ws_conn_t* conn) {
  harness.open_count++;
  conn_ = conn;
  fill(conn);
}

static void on_drain(ws_conn_t* conn) {
  ASSERT_PTR_EQ(conn_, conn);
  ASSERT_EQ(0, in_api);
  ASSERT_EQ(1, owed);
  ASSERT_LE(ws_conn_queued_bytes(conn), LOW_WATER);
  owed = 0;
  drains++;
  if (episodes < EPISODES)
    fill(conn);
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

/* Runs the loop for ms milliseconds. */
static void run_for(uv_loop_t* loop, uint64_t ms) {
  uv_timer_t timer;
  uint64_t start;

  ASSERT_EQ(0, uv_timer_init(loop, &timer));
  ASSERT_EQ(0, uv_timer_start(&timer, on_tick, 10, 10));
  start = uv_hrtime();
  while (uv_hrtime() - start < ms * 1000000u)
    uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t*) &timer, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
}

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t peer;
  uv_loop_t loop;
  uint64_t frames_len;
  int before;

  memset(chunk, 'z', sizeof(chunk));
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_queued_bytes = LIMIT;
  options.drain_low_water = LOW_WATER;
  cb = harness_callbacks();
  cb.on_open = drain_on_open;
  cb.on_drain = on_drain;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_handshake(&peer); /* not reading yet */
  RUN_UNTIL(&loop, harness.open_count == 1);

  /* The kernel takes some episodes' worth; then the queue stays above the
   * low water and no on_drain comes, however long the loop runs. */
  do {
    before = drains;
    run_for(&loop, 100);
  } while (drains != before && episodes < EPISODES);
  ASSERT_EQ(1, owed);
  ASSERT_EQ(episodes - 1, drains);
  ASSERT_GT(ws_conn_queued_bytes(conn_), LOW_WATER);

  /* The peer reads: each episode gets its one on_drain. */
  raw_start_reading(&peer);
  RUN_UNTIL(&loop, episodes == EPISODES && drains == EPISODES);
  frames_len = sent + (sent / CHUNK) * 4;
  RUN_UNTIL(&loop, raw_head_len(&peer) > 0 &&
                       peer.in_len == raw_head_len(&peer) + frames_len);
  ASSERT_EQ(0, ws_conn_queued_bytes(conn_));

  /* A send that never takes the queue past the mark owes nothing. */
  ASSERT_EQ(0, ws_conn_send(conn_, WS_OP_BINARY, chunk, sizeof(chunk)));
  RUN_UNTIL(&loop, peer.in_len == raw_head_len(&peer) + frames_len + 4 +
                                      CHUNK);
  run_for(&loop, 100);
  ASSERT_EQ(EPISODES, drains);
  ASSERT_EQ(0, harness.close_count);

  raw_close(&peer);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  return 0;
}
