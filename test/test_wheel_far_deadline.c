/* Regression test: a deadline more than one turn of the timer wheel away
 * (here 300 ticks of 10 ms) used to spin the wheel forever once it was the
 * only entry. It must fire once, on time. */
#include "raw_client.h"

static void close_on_open(ws_conn_t* conn) {
  harness.open_count++;
  ASSERT_EQ(0, ws_conn_close(conn, 1000, NULL, 0));
}

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t client;
  uv_loop_t loop;
  uint64_t start;
  uint64_t elapsed_ms;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.handshake_timeout = 100; /* a 10 ms tick */
  options.ping_interval = 0;
  options.close_timeout = 3000;
  cb = harness_callbacks();
  cb.on_open = close_on_open;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &client, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&client);
  raw_handshake(&client);
  RUN_UNTIL(&loop, harness.open_count == 1);
  start = uv_hrtime();
  RUN_UNTIL(&loop, harness.close_count == 1);
  elapsed_ms = (uv_hrtime() - start) / 1000000;
  ASSERT_GE(elapsed_ms, 2900);
  ASSERT_LT(elapsed_ms, 6000);
  ASSERT_EQ(WS_ETIMEDOUT, harness.last_close.error);
  raw_close(&client);
  harness_close_server(&loop, server);
  return 0;
}
