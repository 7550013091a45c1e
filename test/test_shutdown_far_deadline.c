/* ws_server_shutdown() with the largest deadline there is waits for the
 * close handshake like any other: the deadline does not wrap around into
 * the past and drop everyone at once. */
#include "raw_client.h"

static int closed_cb_count;

static void on_server_closed(ws_server_t* server) {
  (void) server;
  closed_cb_count++;
}

int main(void) {
  ws_server_callbacks_t cb;
  unsigned char frame[16];
  ws_server_t* server;
  raw_client_t c;
  uv_loop_t loop;
  uint64_t start;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &c, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&c);
  raw_handshake(&c);
  RUN_UNTIL(&loop, harness.open_count == 1 && raw_head_len(&c) > 0);

  ASSERT_EQ(0, ws_server_shutdown(server, UINT64_MAX, on_server_closed));
  RUN_UNTIL(&loop, raw_has(&c, "\x88\x16\x03\xe9", 4));
  /* Still there after the wheel's ticks (a tenth of the shortest
   * timeout, 500 ms here): nothing has timed out. */
  start = uv_hrtime();
  while (uv_hrtime() - start < 1200 * (uint64_t) 1000000)
    uv_run(&loop, UV_RUN_NOWAIT);
  ASSERT_EQ(0, harness.close_count);
  n = harness_frame(frame, 0, 1, WS__OP_CLOSE, "\x03\xe9", 2);
  raw_write(&c, frame, n);
  RUN_UNTIL(&loop, c.eof);
  raw_close(&c);
  RUN_UNTIL(&loop, closed_cb_count == 1);
  ASSERT_EQ(1, harness.close_count);
  ASSERT_EQ(1, harness.last_close.clean);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
