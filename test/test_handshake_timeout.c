/* A client that connects and sends nothing, and one that sends a byte at a
 * time too slowly, are both dropped at the handshake timeout. */
#include "raw_client.h"

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t silent;
  raw_client_t slow;
  uv_loop_t loop;
  uint64_t start;
  uint64_t elapsed_ms;
  const char* upgrade;
  size_t sent;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.handshake_timeout = 200;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));

  start = uv_hrtime();
  raw_connect(&loop, &silent, "127.0.0.1", ws_server_port(server));
  raw_connect(&loop, &slow, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&silent);
  raw_start_reading(&slow);
  RUN_UNTIL(&loop, silent.connected && slow.connected);
  upgrade = HARNESS_UPGRADE;
  sent = 0;
  while (!slow.eof) {
    /* One byte every 30 ms: the request never completes in time. */
    if (sent < sizeof(HARNESS_UPGRADE) - 1)
      raw_write(&slow, upgrade + sent++, 1);
    uv_sleep(30);
    uv_run(&loop, UV_RUN_NOWAIT);
    ASSERT_LT(uv_hrtime() - start, (uint64_t) 5e9);
  }
  RUN_UNTIL(&loop, silent.eof);
  elapsed_ms = (uv_hrtime() - start) / 1000000;
  ASSERT_GE(elapsed_ms, 200);
  ASSERT_LT(sent, sizeof(HARNESS_UPGRADE) - 1);
  ASSERT_EQ(0, silent.in_len); /* dropped without an answer */
  ASSERT_EQ(0, harness.open_count);
  ASSERT_EQ(0, harness.close_count);
  raw_close(&silent);
  raw_close(&slow);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  harness_close_server(&loop, server);
  return 0;
}
