/* A loop that stalls on every turn (each callback blocks for several
 * ticks of the deadline wheel) still drops a peer that never answers:
 * judging deadlines only after the loop has read what waits may delay a
 * timeout by a tick, never for ever. */
#include "raw_client.h"

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t peer;
  uv_loop_t loop;
  uint64_t start;
  uint64_t waited;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.ping_interval = 100;
  options.pong_timeout = 100;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&peer);
  raw_handshake(&peer);
  RUN_UNTIL(&loop, harness.open_count == 1);

  /* The wheel ticks every 10 ms; every turn of the loop takes 30. */
  start = uv_hrtime();
  while (harness.close_count == 0) {
    waited = (uv_hrtime() - start) / 1000000;
    ASSERT_LT(waited, 5000);
    uv_run(&loop, UV_RUN_NOWAIT);
    uv_sleep(30);
  }
  ASSERT_EQ(WS_ETIMEDOUT, harness.last_close.error);
  ASSERT_EQ(WS_CLOSE_ABNORMAL, harness.last_close.code);

  raw_close(&peer);
  RUN_UNTIL(&loop, peer.closed);
  harness_close_server(&loop, server);
  return 0;
}
