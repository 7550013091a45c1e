/* A paused connection cannot read the peer's pongs, so the pong timeout
 * does not drop it while the peer takes what is written (here: only the
 * pings themselves): pings still go out, and the connection stays open
 * however long the pause. After ws_conn_resume() the pong timeout
 * counts again: a pong written during the pause is read and reported, and
 * a peer that then stops answering is dropped (WS_ETIMEDOUT). */
#include "raw_client.h"

static ws_conn_t* conn_;
static int pongs;

static void pause_on_open(ws_conn_t* conn) {
  harness.open_count++;
  conn_ = conn;
  ASSERT_EQ(0, ws_conn_pause(conn));
}

static void count_on_pong(ws_conn_t* conn, const void* data, size_t len) {
  (void) conn;
  ASSERT_EQ(2, len);
  ASSERT_MEM_EQ("ok", data, 2);
  pongs++;
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

/* Pings the peer has read so far. */
static int count_pings(const raw_client_t* c) {
  size_t i;
  int n;

  n = 0;
  for (i = raw_head_len(c); i + 2 <= c->in_len; i += 2) {
    ASSERT_MEM_EQ("\x89\x00", c->in + i, 2);
    n++;
  }
  return n;
}

int main(void) {
  unsigned char frame[16];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t peer;
  uv_timer_t tick;
  uv_loop_t loop;
  uint64_t start;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_timer_init(&loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, on_tick, 10, 10));
  ws_server_options_init(&options);
  options.ping_interval = 50;
  options.pong_timeout = 50;
  cb = harness_callbacks();
  cb.on_open = pause_on_open;
  cb.on_pong = count_on_pong;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&peer);
  raw_handshake(&peer);
  RUN_UNTIL(&loop, harness.open_count == 1);

  /* Paused for ten times ping_interval + pong_timeout: still open, and
   * pinging. */
  start = uv_hrtime();
  while (uv_hrtime() - start < 1000 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(0, harness.close_count);
  ASSERT_GE(count_pings(&peer), 3);

  /* The peer answers while the server is paused; it is heard after. */
  n = harness_frame(frame, 0, 1, 0xa, "ok", 2);
  raw_write(&peer, frame, n);
  start = uv_hrtime();
  while (uv_hrtime() - start < 100 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(0, pongs);
  ASSERT_EQ(0, ws_conn_resume(conn_));
  ASSERT_EQ(0, pongs);
  RUN_UNTIL(&loop, pongs == 1);

  /* Reading again, it is dropped once a ping goes unanswered. */
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(WS_CLOSE_ABNORMAL, harness.last_close.code);
  ASSERT_EQ(WS_ETIMEDOUT, harness.last_close.error);
  ASSERT_EQ(1, pongs);

  uv_close((uv_handle_t*) &tick, NULL);
  raw_close(&peer);
  harness_close_server(&loop, server);
  return 0;
}
