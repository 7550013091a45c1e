/* ws_server_shutdown() with a peer that never answers the close: at the
 * deadline (not close_timeout, which is far longer here) the connection
 * is dropped, on_close says so, the callback comes, and the loop is left
 * empty. */
#include "raw_client.h"

static int closed_cb_count;
static uint64_t closed_at;

static void on_server_closed(ws_server_t* server) {
  (void) server;
  closed_cb_count++;
  closed_at = uv_hrtime();
}

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t c;
  uv_loop_t loop;
  uint64_t start;
  uint64_t ms;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.close_timeout = 60000;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &c, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&c);
  raw_handshake(&c);
  RUN_UNTIL(&loop, harness.open_count == 1 && raw_head_len(&c) > 0);

  start = uv_hrtime();
  ASSERT_EQ(0, ws_server_shutdown(server, 300, on_server_closed));
  ASSERT_EQ(WS_ESHUTDOWN, ws_server_shutdown(server, 300, on_server_closed));
  /* The close frame comes at once; we never answer it. */
  RUN_UNTIL(&loop, raw_has(&c, "\x88\x16\x03\xe9server shutting down", 24));
  ASSERT_EQ(0, closed_cb_count);
  RUN_UNTIL(&loop, closed_cb_count == 1);
  ms = (closed_at - start) / 1000000;
  ASSERT_GE(ms, 250);
  ASSERT_LT(ms, 5000);
  ASSERT_EQ(1, harness.close_count);
  ASSERT_EQ(WS_CLOSE_GOING_AWAY, harness.last_close.code);
  ASSERT_EQ(0, harness.last_close.clean);
  ASSERT_EQ(WS_ESHUTDOWN, harness.last_close.error);
  RUN_UNTIL(&loop, c.eof);
  raw_close(&c);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
