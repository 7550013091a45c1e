/* A peer that stops answering (a half-open connection) gets a ping after
 * ping_interval and is dropped pong_timeout later; one that answers stays. */
#include "raw_client.h"

int main(void) {
  static const char ping[] = "\x89\x00";
  unsigned char frame[16];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t live;
  raw_client_t dead;
  uv_loop_t loop;
  uint64_t start;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.ping_interval = 100;
  options.pong_timeout = 100;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &live, "127.0.0.1", ws_server_port(server));
  raw_connect(&loop, &dead, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&live);
  raw_start_reading(&dead);
  raw_handshake(&live);
  raw_handshake(&dead);
  RUN_UNTIL(&loop, harness.open_count == 2);
  start = uv_hrtime();

  /* The live client answers the first ping with a pong. */
  RUN_UNTIL(&loop, raw_has(&live, ping, 2));
  n = harness_frame(frame, 0, 1, 0xa, "", 0);
  raw_write(&live, frame, n);
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_GE((uv_hrtime() - start) / 1000000, 180);
  ASSERT_EQ(WS_CLOSE_ABNORMAL, harness.last_close.code);
  ASSERT_EQ(0, harness.last_close.clean);
  ASSERT_EQ(WS_ETIMEDOUT, harness.last_close.error);
  RUN_UNTIL(&loop, dead.eof);
  ASSERT(raw_has(&dead, ping, 2));
  ASSERT_EQ(0, live.eof);
  ASSERT_EQ(1, ws_server_connection_count(server));

  raw_close(&live);
  raw_close(&dead);
  RUN_UNTIL(&loop, harness.close_count == 2);
  ASSERT_EQ(WS_EEOF, harness.last_close.error);
  harness_close_server(&loop, server);
  return 0;
}
