/* The server starts a close and the peer never answers: the connection is
 * dropped after close_timeout, reporting the code we sent. */
#include "raw_client.h"

static void close_on_open(ws_conn_t* conn) {
  harness.open_count++;
  ASSERT_EQ(WS_EINVAL, ws_conn_close(conn, 1005, NULL, 0));
  ASSERT_EQ(WS_EINVAL, ws_conn_close(conn, 1000, "\xff", 1));
  ASSERT_EQ(0, ws_conn_close(conn, 4000, "bye", 3));
  ASSERT_EQ(WS_ECLOSED, ws_conn_close(conn, 1000, NULL, 0));
  ASSERT_EQ(WS_ECLOSED, ws_conn_send(conn, WS_OP_TEXT, "x", 1));
}

int main(void) {
  static const char sent_close[] = "\x88\x05\x0f\xa0" "bye";
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t client;
  uv_loop_t loop;
  uint64_t start;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.close_timeout = 150;
  cb = harness_callbacks();
  cb.on_open = close_on_open;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &client, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&client);
  raw_handshake(&client);
  RUN_UNTIL(&loop, raw_has(&client, sent_close, sizeof(sent_close) - 1));
  start = uv_hrtime();
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_GE((uv_hrtime() - start) / 1000000, 100);
  ASSERT_EQ(4000, harness.last_close.code);
  ASSERT_EQ(0, harness.last_close.clean);
  ASSERT_EQ(WS_ETIMEDOUT, harness.last_close.error);
  RUN_UNTIL(&loop, client.eof);
  raw_close(&client);
  harness_close_server(&loop, server);
  return 0;
}
