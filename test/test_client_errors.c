/* A client's connection that cannot open ends in on_connect_error, once,
 * with the reason: refused, a server that refuses the upgrade, a wrong
 * Sec-WebSocket-Accept, a subprotocol never offered, a server that never
 * answers. Bad URLs fail at once, with no callback. */
#include "fake_server.h"

static int errors;
static int last_error;
static int last_status;

static void on_connect_error(ws_conn_t* conn, int error) {
  errors++;
  last_error = error;
  last_status = ws_conn_http_status(conn);
}

static int opened_ok;

static void on_open(ws_conn_t* conn) {
  ASSERT_STR_EQ("mqtt", ws_conn_subprotocol(conn));
  opened_ok++;
}

static int closed_done;

static void on_closed(ws_server_t* server) {
  (void) server;
  closed_done = 1;
}

static int refuse(ws_conn_t* conn, ws_request_t* req) {
  (void) conn;
  (void) req;
  return 403;
}

static void expect_error(uv_loop_t* loop, ws_client_t* client,
                         const char* url, const char* const* protocols,
                         size_t protocol_count, int error, int status) {
  ws_connect_options_t o;
  int before;

  memset(&o, 0, sizeof(o));
  o.subprotocols = protocols;
  o.subprotocol_count = protocol_count;
  before = errors;
  ASSERT_EQ(0, ws_client_connect(client, url, &o, NULL, NULL));
  RUN_UNTIL(loop, errors > before);
  ASSERT_EQ(before + 1, errors);
  if (last_error != error) {
    fprintf(stderr, "%s: %s, wanted %s\n", url, ws_err_name(last_error),
            ws_err_name(error));
    ASSERT(0);
  }
  ASSERT_EQ(status, last_status);
}

int main(void) {
#define UPGRADED                                                              \
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"              \
  "Connection: Upgrade\r\n"
  static const char wrong_accept[] =
      UPGRADED "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  static const char* const chat[] = { "chat" };
  static const char* const mqtt[] = { "mqtt" };
  ws_connect_options_t mqtt_options;
  ws_client_options_t options;
  ws_client_callbacks_t ccb;
  ws_server_callbacks_t scb;
  ws_server_t* server;
  ws_server_t* closed;
  ws_client_t* client;
  fake_server_t fake;
  fake_server_t silent;
  uv_loop_t loop;
  char url[64];
  int port;

  ASSERT_EQ(0, uv_loop_init(&loop));
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_open;
  ccb.on_connect_error = on_connect_error;
  ws_client_options_init(&options);
  options.connect_timeout = 300;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &options, &ccb));
  memset(&mqtt_options, 0, sizeof(mqtt_options));
  mqtt_options.subprotocols = mqtt;
  mqtt_options.subprotocol_count = 1;

  /* Bad URLs: an error at once, never a callback. */
  ASSERT_EQ(WS_EINVAL, ws_client_connect(client, "wss://", NULL, NULL,
                                         NULL));
  ASSERT_EQ(WS_EINVAL, ws_client_connect(client, "ws://", NULL, NULL, NULL));
  ASSERT_EQ(WS_EINVAL, ws_client_connect(client, "ws://a:0/", NULL, NULL,
                                         NULL));
  ASSERT_EQ(WS_EINVAL, ws_client_connect(client, "ws://a:99999/", NULL,
                                         NULL, NULL));
  ASSERT_EQ(WS_EINVAL, ws_client_connect(client, "ws://a b/", NULL, NULL,
                                         NULL));
  ASSERT_EQ(WS_EINVAL, ws_client_connect(client, "http://a/", NULL, NULL,
                                         NULL));

  /* Nothing listens on a port we just closed. */
  ASSERT_EQ(0, ws_server_new(&closed, &loop, NULL, NULL));
  ASSERT_EQ(0, ws_server_listen(closed, "127.0.0.1", 0));
  port = ws_server_port(closed);
  ws_server_close(closed, on_closed);
  RUN_UNTIL(&loop, closed_done);
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
  expect_error(&loop, client, url, NULL, 0, UV_ECONNREFUSED, 0);

  memset(&scb, 0, sizeof(scb));
  scb.on_handshake = refuse;
  ASSERT_EQ(0, ws_server_new(&server, &loop, NULL, &scb));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  expect_error(&loop, client, url, NULL, 0, WS_EBADSTATUS, 403);

  port = fake_listen(&loop, &fake, wrong_accept);
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
  expect_error(&loop, client, url, NULL, 0, WS_EBADACCEPT, 101);
  fake.response = "HTTP/1.1 101 Switching Protocols\r\n\r\n";
  expect_error(&loop, client, url, NULL, 0, WS_EBADRESPONSE, 101);
  fake.response = "this is not HTTP\r\n\r\n";
  expect_error(&loop, client, url, NULL, 0, WS_EBADRESPONSE, 0);
  /* The right key, but a subprotocol or an extension never offered. */
  fake.response = UPGRADED "Sec-WebSocket-Accept: %s\r\n"
                           "Sec-WebSocket-Protocol: mqtt\r\n\r\n";
  expect_error(&loop, client, url, chat, 1, WS_EBADRESPONSE, 101);
  fake.response = UPGRADED "Sec-WebSocket-Accept: %s\r\n"
                           "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                           "\r\n";
  expect_error(&loop, client, url, NULL, 0, WS_EBADRESPONSE, 101);
  /* And one that is all right opens. */
  fake.response = UPGRADED "Sec-WebSocket-Accept: %s\r\n"
                           "Sec-WebSocket-Protocol: mqtt\r\n\r\n";
  opened_ok = 0;
  ASSERT_EQ(0, ws_client_connect(client, url, &mqtt_options, NULL, NULL));
  RUN_UNTIL(&loop, opened_ok == 1);

  port = fake_listen(&loop, &silent, NULL);
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
  expect_error(&loop, client, url, mqtt, 1, WS_ETIMEDOUT, 0);

  ws_client_close(client, NULL);
  ws_server_close(server, NULL);
  fake_close(&fake);
  fake_close(&silent);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
