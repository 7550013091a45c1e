/* Over loopback: the handshake and the first frame in one write, an echo,
 * and a close handshake started by the client. The server closes the TCP
 * connection, and after ws_server_close() the loop is empty. */
#include "raw_client.h"

static int close_cb_called;

static void on_server_closed(ws_server_t* server) {
  ASSERT_NOT_NULL(server);
  close_cb_called++;
}

int main(void) {
  static const char echo[] = "\x81\x05hello";
  static const char close_echo[] = "\x88\x06\x03\xe8" "done";
  unsigned char in[512];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t client;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  ASSERT_GT(ws_server_port(server), 0);

  raw_connect(&loop, &client, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&client);
  memcpy(in, HARNESS_UPGRADE, sizeof(HARNESS_UPGRADE) - 1);
  n = harness_frame(in, sizeof(HARNESS_UPGRADE) - 1, 1, 1, "hello", 5);
  raw_write(&client, in, n);
  RUN_UNTIL(&loop, raw_has(&client, echo, sizeof(echo) - 1));
  ASSERT_MEM_EQ(HARNESS_101, client.in, sizeof(HARNESS_101) - 1);
  ASSERT_EQ(1, harness.open_count);
  ASSERT_EQ(1, ws_server_connection_count(server));

  n = harness_frame(in, 0, 1, 8, "\x03\xe8" "done", 6);
  raw_write(&client, in, n);
  RUN_UNTIL(&loop, client.eof);
  ASSERT(raw_has(&client, close_echo, sizeof(close_echo) - 1));
  raw_close(&client);
  RUN_UNTIL(&loop, client.closed && harness.close_count == 1);
  ASSERT_EQ(1000, harness.last_close.code);
  ASSERT_EQ(1, harness.last_close.clean);
  ASSERT_EQ(0, harness.last_close.error);
  ASSERT_EQ(4, harness.last_close.reason_len);
  ASSERT_MEM_EQ("done", harness.last_close.reason, 4);
  ASSERT_STR_EQ("T:5:hello|close:1000:clean|", harness.log);

  ws_server_close(server, on_server_closed);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(1, close_cb_called);
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
