/* A peer that resets the connection in the middle of a message: on_close
 * reports 1006 with the error, and the partial frame's memory is freed. */
#include "counting_alloc.h"
#include "raw_client.h"

int main(void) {
  static unsigned char frame[70000];
  static unsigned char payload[65536];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t client;
  uv_loop_t loop;
  size_t baseline;
  size_t n;

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  baseline = live_bytes;
  raw_connect(&loop, &client, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&client);
  raw_handshake(&client);
  n = harness_frame(frame, 0, 1, 2, payload, sizeof(payload));
  raw_write(&client, frame, n / 2);
  /* The server holds the partial frame. */
  RUN_UNTIL(&loop, live_bytes > baseline + sizeof(payload) / 2);
  ASSERT_EQ(0, uv_tcp_close_reset(&client.tcp, raw__closed));
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(WS_CLOSE_ABNORMAL, harness.last_close.code);
  ASSERT_EQ(0, harness.last_close.clean);
  ASSERT(harness.last_close.error == UV_ECONNRESET ||
         harness.last_close.error == WS_EEOF);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0 && client.closed);
  ASSERT_EQ(baseline + harness_spare_bytes(server), live_bytes);
  ASSERT_STR_EQ("close:1006:unclean|", harness.log);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_blocks);
  return 0;
}
