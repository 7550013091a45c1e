/* idle_timeout does not run while a connection is paused (it hears
 * nothing because the application chose so): a paused connection stays
 * open past it, and once resumed, a silent peer is closed with 1001 after
 * idle_timeout as usual. */
#include "raw_client.h"

static ws_conn_t* conn_;

static void pause_on_open(ws_conn_t* conn) {
  harness.open_count++;
  conn_ = conn;
  ASSERT_EQ(0, ws_conn_pause(conn));
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
  options.idle_timeout = 100;
  options.ping_interval = 0;
  options.close_timeout = 100;
  cb = harness_callbacks();
  cb.on_open = pause_on_open;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&peer);
  raw_handshake(&peer);
  RUN_UNTIL(&loop, harness.open_count == 1);

  start = uv_hrtime();
  while (uv_hrtime() - start < 500 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(0, harness.close_count);
  ASSERT_EQ(0, raw_has(&peer, "\x88", 1)); /* no close frame either */

  ASSERT_EQ(0, ws_conn_resume(conn_));
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(WS_CLOSE_GOING_AWAY, harness.last_close.code);
  ASSERT_EQ(WS_ETIMEDOUT, harness.last_close.error);
  ASSERT_EQ(12, harness.last_close.reason_len);
  ASSERT_MEM_EQ("idle timeout", harness.last_close.reason, 12);

  uv_close((uv_handle_t*) &tick, NULL);
  raw_close(&peer);
  harness_close_server(&loop, server);
  return 0;
}
