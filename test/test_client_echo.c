/* ws_client_t against our own server over loopback: a subprotocol, text
 * and binary messages of many sizes (every frame masked, or the server
 * would fail the connection), a ping, and a close started by the client
 * that both sides see as clean, with its code and reason. */
#include "harness.h"

static ws_conn_t* client_conn;
static int client_open;
static int client_closed;
static int client_pongs;
static size_t echoes;
static ws_close_info_t client_close;
static unsigned char* expected;
static size_t expected_len;
static char expected_host[32];

static int pick_chat(ws_conn_t* conn, ws_request_t* req) {
  (void) conn;
  ASSERT_STR_EQ("/room?id=7", ws_request_target(req));
  ASSERT_STR_EQ("https://tests.example", ws_request_header(req, "Origin"));
  ASSERT_STR_EQ("yes", ws_request_header(req, "X-Extra"));
  ASSERT_STR_EQ(expected_host, ws_request_header(req, "Host"));
  return ws_request_select_subprotocol(req, "chat.v2");
}

static void on_client_open(ws_conn_t* conn) {
  ASSERT_PTR_EQ(client_conn, conn);
  ASSERT_PTR_EQ(&client_open, ws_conn_get_data(conn));
  ASSERT_STR_EQ("chat.v2", ws_conn_subprotocol(conn));
  ASSERT_EQ(101, ws_conn_http_status(conn));
  client_open++;
}

static void on_client_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  (void) conn;
  ASSERT_EQ(expected_len, len);
  ASSERT_EQ(len % 2 ? WS_OP_BINARY : WS_OP_TEXT, op);
  ASSERT_MEM_EQ(expected, data, len);
  echoes++;
}

static void on_client_pong(ws_conn_t* conn, const void* data, size_t len) {
  (void) conn;
  ASSERT_EQ(4, len);
  ASSERT_MEM_EQ("ping", data, 4);
  client_pongs++;
}

static void on_client_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  client_close = *info;
  client_close.reason = NULL;
  ASSERT_EQ(8, info->reason_len);
  ASSERT_MEM_EQ("finished", info->reason, 8);
  client_closed++;
}

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  fprintf(stderr, "connect error: %s\n", ws_err_name(error));
  ASSERT(0);
}

int main(void) {
  static const size_t sizes[] = { 0, 1, 125, 126, 65535, 65536, 1 << 20 };
  static const char* const protocols[] = { "chat.v1", "chat.v2" };
  static const char* const headers[] = { "X-Extra: yes" };
  ws_connect_options_t connect;
  ws_client_callbacks_t ccb;
  ws_server_callbacks_t scb;
  ws_server_t* server;
  ws_client_t* client;
  uv_loop_t loop;
  char url[64];
  size_t i;
  size_t j;

  ASSERT_EQ(0, uv_loop_init(&loop));
  scb = harness_callbacks();
  scb.on_handshake = pick_chat;
  server = harness_server(&loop, NULL, &scb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  snprintf(expected_host, sizeof(expected_host), "127.0.0.1:%d",
           ws_server_port(server));

  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_client_open;
  ccb.on_message = on_client_message;
  ccb.on_pong = on_client_pong;
  ccb.on_close = on_client_close;
  ccb.on_connect_error = on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, &ccb));
  memset(&connect, 0, sizeof(connect));
  connect.subprotocols = protocols;
  connect.subprotocol_count = 2;
  connect.origin = "https://tests.example";
  connect.headers = headers;
  connect.header_count = 1;
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/room?id=7",
           ws_server_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, &connect, &client_open,
                                 &client_conn));
  while (!client_open)
    ASSERT_EQ(1, uv_run(&loop, UV_RUN_ONCE));

  expected = malloc(1 << 20);
  ASSERT_NOT_NULL(expected);
  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    /* Odd sizes go as binary, even ones as text. */
    expected_len = sizes[i] | (i % 2);
    if (expected_len > (1 << 20))
      expected_len = 1 << 20;
    for (j = 0; j < expected_len; j++)
      expected[j] = (unsigned char) ('a' + (i + j) % 26);
    ASSERT_EQ(0, ws_conn_send(client_conn,
                              expected_len % 2 ? WS_OP_BINARY : WS_OP_TEXT,
                              expected, expected_len));
    while (echoes <= i)
      ASSERT_EQ(1, uv_run(&loop, UV_RUN_ONCE));
  }
  ASSERT_EQ(0, ws_conn_ping(client_conn, "ping", 4));
  while (client_pongs == 0)
    ASSERT_EQ(1, uv_run(&loop, UV_RUN_ONCE));

  ASSERT_EQ(0, ws_conn_close(client_conn, 4321, "finished", 8));
  while (client_closed == 0 || harness.close_count == 0)
    ASSERT_EQ(1, uv_run(&loop, UV_RUN_ONCE));
  ASSERT_EQ(4321, client_close.code);
  ASSERT_EQ(1, client_close.clean);
  ASSERT_EQ(0, client_close.error);
  ASSERT_EQ(4321, harness.last_close.code);
  ASSERT_EQ(1, harness.last_close.clean);

  ws_client_close(client, NULL);
  free(expected);
  harness_close_server(&loop, server);
  return 0;
}
