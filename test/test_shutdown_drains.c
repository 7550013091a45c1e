/* ws_server_shutdown() is graceful: a peer that reads slowly gets every
 * message queued for it, then the 1001 close, even past close_timeout
 * (the deadline replaces it); once it answers, the callback comes at
 * once, long before the deadline. Handshaking connections are dropped
 * and nothing new is accepted. */
#include "raw_client.h"

#define MESSAGES 4
#define SIZE (2 * 1024 * 1024)

static int closed_cb_count;

static void on_server_closed(ws_server_t* server) {
  (void) server;
  closed_cb_count++;
}

static void wait_ms(uv_loop_t* loop, uint64_t ms) {
  uint64_t end;

  end = uv_hrtime() + ms * 1000000;
  while (uv_hrtime() < end)
    uv_run(loop, UV_RUN_NOWAIT);
}

int main(void) {
  static unsigned char payload[SIZE];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  unsigned char frame[64];
  ws_server_t* server;
  ws_conn_t* conn;
  raw_client_t c;
  raw_client_t late;
  uv_loop_t loop;
  uint64_t start;
  size_t head;
  size_t off;
  size_t n;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.close_timeout = 100;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &c, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&c);
  raw_handshake(&c);
  RUN_UNTIL(&loop, harness.open_count == 1 && raw_head_len(&c) > 0);
  head = raw_head_len(&c);
  /* It stops reading: what follows waits in the server's queue. */
  ASSERT_EQ(0, uv_read_stop((uv_stream_t*) &c.tcp));
  conn = WS__CONTAINER_OF(server->hub.conns.next, ws_conn_t, node);
  for (i = 0; i < MESSAGES; i++) {
    memset(payload, 'a' + i, sizeof(payload));
    ASSERT_EQ(0, ws_conn_send(conn, WS_OP_BINARY, payload, SIZE));
  }
  wait_ms(&loop, 50);
  ASSERT_GT(ws_conn_queued_bytes(conn), 0);
  /* One more, still in its handshake, is dropped. */
  raw_connect(&loop, &late, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&late);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 2);

  start = uv_hrtime();
  ASSERT_EQ(0, ws_server_shutdown(server, 10000, on_server_closed));
  RUN_UNTIL(&loop, late.eof);
  raw_close(&late);
  /* Three close_timeouts later, it reads again. */
  wait_ms(&loop, 300);
  ASSERT_EQ(1, ws_server_connection_count(server));
  raw_start_reading(&c);
  RUN_UNTIL(&loop, c.in_len >= head + MESSAGES * (SIZE + 10) + 24);
  for (i = 0, off = head; i < MESSAGES; i++, off += SIZE + 10) {
    ASSERT_MEM_EQ("\x82\x7f\x00\x00\x00\x00\x00\x20\x00\x00", c.in + off,
                  10);
    ASSERT_EQ('a' + i, c.in[off + 10]);
    ASSERT_EQ('a' + i, c.in[off + 10 + SIZE - 1]);
  }
  ASSERT_MEM_EQ("\x88\x16\x03\xe9server shutting down", c.in + off, 24);
  n = harness_frame(frame, 0, 1, WS__OP_CLOSE, "\x03\xe9", 2);
  raw_write(&c, frame, n);
  RUN_UNTIL(&loop, c.eof);
  raw_close(&c);
  RUN_UNTIL(&loop, closed_cb_count == 1);
  ASSERT_LT((uv_hrtime() - start) / 1000000, 5000);
  ASSERT_EQ(1, harness.close_count);
  ASSERT_EQ(1, harness.last_close.clean);
  ASSERT_EQ(WS_CLOSE_GOING_AWAY, harness.last_close.code);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
