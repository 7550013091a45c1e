/* A peer that never reads: sends fail with WS_EQUEUEFULL once the queue
 * would pass max_queued_bytes, that connection is dropped, and another
 * client on the same server is unaffected. */
#include "raw_client.h"

static char chunk[64 * 1024];
static int queue_full_seen;
static ws_conn_t* first;

static void flood_on_open(ws_conn_t* conn) {
  int r;
  int i;

  harness.open_count++;
  if (first != NULL)
    return;
  first = conn;
  for (i = 0; i < 1000; i++) {
    r = ws_conn_send(conn, WS_OP_BINARY, chunk, sizeof(chunk));
    if (r == WS_EQUEUEFULL) {
      queue_full_seen = 1;
      ASSERT_LE(ws_conn_queued_bytes(conn), 1024 * 1024);
      /* Later sends fail too, without queueing. */
      ASSERT_EQ(WS_ECLOSED, ws_conn_send(conn, WS_OP_BINARY, "x", 1));
      return;
    }
    ASSERT_EQ(0, r);
  }
}

int main(void) {
  static const char echo[] = "\x81\x02hi";
  unsigned char frame[32];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t stuck;
  raw_client_t other;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_queued_bytes = 1024 * 1024;
  cb = harness_callbacks();
  cb.on_open = flood_on_open;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &stuck, "127.0.0.1", ws_server_port(server));
  raw_handshake(&stuck); /* and never read */
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(1, queue_full_seen);
  ASSERT_EQ(WS_CLOSE_ABNORMAL, harness.last_close.code);
  ASSERT_EQ(WS_EQUEUEFULL, harness.last_close.error);

  raw_connect(&loop, &other, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&other);
  raw_handshake(&other);
  n = harness_frame(frame, 0, 1, 1, "hi", 2);
  raw_write(&other, frame, n);
  RUN_UNTIL(&loop, raw_has(&other, echo, sizeof(echo) - 1));
  raw_close(&stuck);
  raw_close(&other);
  RUN_UNTIL(&loop, harness.close_count == 2);
  harness_close_server(&loop, server);
  return 0;
}
