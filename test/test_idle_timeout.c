/* With pings off and an idle timeout, a silent peer gets a 1001 close; when
 * it answers, the close is clean and on_close says why it happened. */
#include "raw_client.h"

int main(void) {
  static const char idle_close[] = "\x88\x0e\x03\xe9idle timeout";
  unsigned char frame[16];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t client;
  uv_loop_t loop;
  uint64_t start;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.ping_interval = 0;
  options.idle_timeout = 150;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &client, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&client);
  raw_handshake(&client);
  RUN_UNTIL(&loop, harness.open_count == 1);
  start = uv_hrtime();
  RUN_UNTIL(&loop, raw_has(&client, idle_close, sizeof(idle_close) - 1));
  ASSERT_GE((uv_hrtime() - start) / 1000000, 140);
  n = harness_frame(frame, 0, 1, 8, "\x03\xe9", 2);
  raw_write(&client, frame, n);
  /* The server closes its side first, then waits for ours. */
  RUN_UNTIL(&loop, client.eof);
  raw_close(&client);
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(1001, harness.last_close.code);
  ASSERT_EQ(1, harness.last_close.clean);
  ASSERT_EQ(WS_ETIMEDOUT, harness.last_close.error);
  harness_close_server(&loop, server);
  return 0;
}
