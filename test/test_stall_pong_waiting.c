/* A loop that stalls (a callback that blocks for longer than the pong
 * timeout) must not drop a peer whose pong arrived during the stall: the
 * pong waits in the socket while the loop's timers run first, so the
 * deadline is judged only after the loop has read what is waiting. */
#include "raw_client.h"

static int pongs;

static void on_pong(ws_conn_t* conn, const void* data, size_t len) {
  (void) conn;
  (void) data;
  (void) len;
  pongs++;
}

int main(void) {
  static const char ping[] = "\x89\x00";
  unsigned char frame[16];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t peer;
  uv_loop_t loop;
  uv_buf_t buf;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.ping_interval = 100;
  options.pong_timeout = 100;
  cb = harness_callbacks();
  cb.on_pong = on_pong;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&peer);
  raw_handshake(&peer);
  RUN_UNTIL(&loop, harness.open_count == 1);

  /* The pong goes into the kernel at once, then the loop's thread is
   * busy for four pong timeouts. */
  RUN_UNTIL(&loop, raw_has(&peer, ping, 2));
  n = harness_frame(frame, 0, 1, 0xa, "", 0);
  buf = uv_buf_init((char*) frame, (unsigned int) n);
  ASSERT_EQ((int) n, uv_try_write((uv_stream_t*) &peer.tcp, &buf, 1));
  uv_sleep(400);

  RUN_UNTIL(&loop, pongs == 1 || harness.close_count == 1);
  ASSERT_EQ(1, pongs);
  ASSERT_EQ(0, harness.close_count);
  ASSERT_EQ(1, ws_server_connection_count(server));

  raw_close(&peer);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  return 0;
}
