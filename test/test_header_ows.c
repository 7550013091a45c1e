/* White space around a header value is not part of it (RFC 7230 section
 * 3.2.4), on both sides: a server accepts a Sec-WebSocket-Key or
 * Sec-WebSocket-Version followed by spaces or tabs and shows on_handshake
 * trimmed values; a client accepts a Sec-WebSocket-Accept and a
 * Sec-WebSocket-Protocol followed by white space. */
#include "fake_server.h"

#define CRLF "\r\n"
#define BASE_HEADERS                                                         \
  "GET / HTTP/1.1" CRLF "Host: example.com" CRLF                             \
  "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF

static const char* const upgrades[] = {
  BASE_HEADERS "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ== " CRLF
  "Sec-WebSocket-Version: 13" CRLF "X-Padded: \t value \t " CRLF CRLF,
  BASE_HEADERS "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF
  "Sec-WebSocket-Version: 13 " CRLF "X-Padded: value   " CRLF CRLF,
  BASE_HEADERS "Sec-WebSocket-Key: \tdGhlIHNhbXBsZSBub25jZQ==\t\t" CRLF
  "Sec-WebSocket-Version:\t13\t" CRLF "X-Padded:value\t" CRLF CRLF,
};

static int handshakes;

static int check_trimmed(ws_conn_t* conn, ws_request_t* req) {
  (void) conn;
  handshakes++;
  ASSERT_STR_EQ("value", ws_request_header(req, "X-Padded"));
  ASSERT_STR_EQ("13", ws_request_header(req, "Sec-WebSocket-Version"));
  ASSERT_STR_EQ("dGhlIHNhbXBsZSBub25jZQ==",
                ws_request_header(req, "Sec-WebSocket-Key"));
  return 0;
}

static void check_server(const char* request, size_t step) {
  static const char accepted[] =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  unsigned char out[1024];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  cb.on_handshake = check_trimmed;
  server = harness_server(&loop, NULL, &cb);
  conn = harness_conn(server);
  handshakes = 0;
  harness_feed(conn, request, strlen(request), step);
  n = harness_take(conn, out, sizeof(out));
  if (n != sizeof(accepted) - 1 || memcmp(out, accepted, n) != 0) {
    fprintf(stderr, "request:\n%s\ngot:\n%.*s\n", request, (int) n, out);
    ASSERT(0);
  }
  ASSERT_EQ(1, handshakes);
  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  harness_free(conn);
  harness_close_server(&loop, server);
}

static int client_opened;
static int client_errors;

static void on_open(ws_conn_t* conn) {
  ASSERT_STR_EQ("chat", ws_conn_subprotocol(conn));
  client_opened++;
  ASSERT_EQ(0, ws_conn_close(conn, 1000, NULL, 0));
}

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  fprintf(stderr, "connect error: %s\n", ws_err_name(error));
  client_errors++;
}

static void check_client(void) {
  static const char* const offered[] = { "superchat", "chat" };
  ws_connect_options_t connect;
  ws_client_options_t options;
  ws_client_callbacks_t ccb;
  ws_client_t* client;
  fake_server_t fake;
  uv_loop_t loop;
  char url[64];

  ASSERT_EQ(0, uv_loop_init(&loop));
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_open;
  ccb.on_connect_error = on_connect_error;
  ws_client_options_init(&options);
  options.close_timeout = 100; /* the fake server never answers a close */
  ASSERT_EQ(0, ws_client_new(&client, &loop, &options, &ccb));
  memset(&connect, 0, sizeof(connect));
  connect.subprotocols = offered;
  connect.subprotocol_count = 2;
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/",
           fake_listen(&loop, &fake,
                       "HTTP/1.1 101 Switching Protocols\r\n"
                       "Upgrade: websocket \r\n"
                       "Connection: Upgrade\t\r\n"
                       "Sec-WebSocket-Accept: %s  \r\n"
                       "Sec-WebSocket-Protocol: \tchat \t\r\n\r\n"));
  ASSERT_EQ(0, ws_client_connect(client, url, &connect, NULL, NULL));
  RUN_UNTIL(&loop, client_opened + client_errors == 1);
  ASSERT_EQ(1, client_opened);
  ws_client_close(client, NULL);
  fake_close(&fake);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
}

int main(void) {
  size_t i;

  for (i = 0; i < sizeof(upgrades) / sizeof(upgrades[0]); i++) {
    check_server(upgrades[i], 0);
    check_server(upgrades[i], 1);
  }
  check_client();
  return 0;
}
