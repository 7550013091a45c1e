/* Closing a paused connection reads again by itself: the close handshake
 * completes cleanly (the peer's answering close frame is heard, after the
 * messages held at the pause), instead of waiting for close_timeout. A
 * closing connection can be neither paused nor resumed (WS_ECLOSED). */
#include "raw_client.h"

static ws_conn_t* server_conn;
static int client_closed;
static ws_close_info_t client_info;

static void pause_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                             const void* data, size_t len) {
  (void) opcode;
  (void) data;
  (void) len;
  if (server_conn == NULL) {
    server_conn = conn;
    ASSERT_EQ(0, ws_conn_pause(conn));
  }
  harness_logf("m|");
}

static void client_on_open(ws_conn_t* conn) {
  int i;

  for (i = 0; i < 3; i++)
    ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "abc", 3));
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  client_closed = 1;
  client_info = *info;
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

int main(void) {
  ws_server_options_t options;
  ws_client_callbacks_t ccb;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_client_t* client;
  uv_timer_t tick;
  uv_loop_t loop;
  uint64_t start;
  char url[64];

  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_timer_init(&loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, on_tick, 10, 10));
  ws_server_options_init(&options);
  options.close_timeout = 5000;
  cb = harness_callbacks();
  cb.on_message = pause_on_message;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = client_on_open;
  ccb.on_close = client_on_close;
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, &ccb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, server_conn != NULL);
  start = uv_hrtime();
  while (uv_hrtime() - start < 100 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_STR_EQ("m|", harness.log); /* paused after the first */

  start = uv_hrtime();
  ASSERT_EQ(0, ws_conn_close(server_conn, WS_CLOSE_NORMAL, "bye", 3));
  ASSERT_EQ(WS_ECLOSED, ws_conn_pause(server_conn));
  ASSERT_EQ(WS_ECLOSED, ws_conn_resume(server_conn));
  RUN_UNTIL(&loop, harness.close_count == 1 && client_closed);
  ASSERT_LT(uv_hrtime() - start, 4000 * 1000000ull);
  ASSERT_EQ(1, harness.last_close.clean);
  ASSERT_EQ(0, harness.last_close.error);
  ASSERT_EQ(WS_CLOSE_NORMAL, harness.last_close.code);
  ASSERT_EQ(1, client_info.clean);
  ASSERT_EQ(WS_CLOSE_NORMAL, client_info.code);
  /* The messages held at the pause came first. */
  ASSERT_STR_EQ("m|m|m|close:1000:clean|", harness.log);

  uv_close((uv_handle_t*) &tick, NULL);
  ws_client_close(client, NULL);
  harness_close_server(&loop, server);
  return 0;
}
