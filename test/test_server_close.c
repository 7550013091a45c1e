/* ws_server_close() with a connection open and one still handshaking: the
 * open one gets a 1001 close and its on_close, the other is dropped, and the
 * close callback comes once, after every handle is closed. */
#include "raw_client.h"

static int close_cb_called;

static void on_server_closed(ws_server_t* server) {
  (void) server;
  ASSERT_EQ(1, harness.close_count); /* every on_close came first */
  close_cb_called++;
}

int main(void) {
  static const char going_away[] = "\x88\x16\x03\xe9server shutting down";
  unsigned char frame[64];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t open;
  raw_client_t handshaking;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &open, "127.0.0.1", ws_server_port(server));
  raw_connect(&loop, &handshaking, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&open);
  raw_start_reading(&handshaking);
  raw_handshake(&open);
  raw_write(&handshaking, "GET / HTTP/1.1\r\n", 16);
  RUN_UNTIL(&loop, harness.open_count == 1 &&
                       ws_server_connection_count(server) == 2);

  ws_server_close(server, on_server_closed);
  ws_server_close(server, on_server_closed); /* a second call does nothing */
  RUN_UNTIL(&loop, raw_has(&open, going_away, sizeof(going_away) - 1) &&
                       handshaking.eof);
  ASSERT_EQ(0, harness.close_count); /* waiting for the client's close */
  n = harness_frame(frame, 0, 1, 8, "\x03\xe9", 2);
  raw_write(&open, frame, n);
  RUN_UNTIL(&loop, open.eof);
  raw_close(&open);
  raw_close(&handshaking);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(1, close_cb_called);
  ASSERT_EQ(1, harness.close_count);
  ASSERT_EQ(1001, harness.last_close.code);
  ASSERT_EQ(1, harness.last_close.clean);
  ASSERT_EQ(WS_ESHUTDOWN, harness.last_close.error);
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
