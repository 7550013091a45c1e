/* Pausing must not keep a dead or hostile peer forever: a paused
 * connection cannot read pongs, so while it is paused the sign of life is
 * the peer taking what we write. A peer that floods, never reads, and so
 * lets nothing of the queue move for pong_timeout after a ping is dropped
 * (WS_ETIMEDOUT), paused or not; the memory it held is freed. (A paused
 * connection whose queue is empty or moving stays: test_pause_pong_timeout
 * and test_pause_flood.) */
#include "raw_client.h"

#define CHUNK (64 * 1024)

static unsigned char chunk[CHUNK];

/* Fills the queue past what the kernel takes, then pauses. */
static void stuck_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                             const void* data, size_t len) {
  int i;

  (void) opcode;
  (void) data;
  (void) len;
  if (harness.open_count++ > 0)
    return;
  for (i = 0; i < 256; i++)
    ASSERT_EQ(0, ws_conn_send(conn, WS_OP_BINARY, chunk, sizeof(chunk)));
  ASSERT_EQ(0, ws_conn_pause(conn));
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

int main(void) {
  unsigned char frame[16];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t peer;
  uv_timer_t tick;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_timer_init(&loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, on_tick, 10, 10));
  ws_server_options_init(&options);
  options.ping_interval = 100;
  options.pong_timeout = 100;
  cb = harness_callbacks();
  cb.on_open = NULL;
  cb.on_message = stuck_on_message;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_handshake(&peer); /* and never reads */
  n = harness_frame(frame, 0, 1, WS_OP_TEXT, "go", 2);
  raw_write(&peer, frame, n);
  RUN_UNTIL(&loop, harness.open_count == 1);
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(WS_CLOSE_ABNORMAL, harness.last_close.code);
  ASSERT_EQ(WS_ETIMEDOUT, harness.last_close.error);

  uv_close((uv_handle_t*) &tick, NULL);
  raw_close(&peer);
  harness_close_server(&loop, server);
  return 0;
}
