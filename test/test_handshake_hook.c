/* on_handshake sees the request, picks a subprotocol, adds headers, and can
 * refuse with a status of its own. */
#include "raw_client.h"

static int hook_calls;

static int on_handshake(ws_conn_t* conn, ws_request_t* req) {
  const char* name;
  const char* value;

  hook_calls++;
  ASSERT_STR_EQ("GET", ws_request_method(req));
  ASSERT_STR_EQ("https://app.example", ws_request_header(req, "origin"));
  ASSERT_EQ(7, ws_request_header_count(req));
  ASSERT_EQ(0, ws_request_header_at(req, 0, &name, &value));
  ASSERT_STR_EQ("Host", name);
  ASSERT_EQ(WS_EINVAL, ws_request_header_at(req, 7, &name, &value));
  if (strcmp(ws_request_target(req), "/private") == 0) {
    ASSERT_EQ(0, ws_request_add_header(req, "WWW-Authenticate", "Basic"));
    return 401;
  }
  ASSERT_STR_EQ("/chat?room=a%20b", ws_request_target(req));
  ASSERT_EQ(WS_EINVAL, ws_request_select_subprotocol(req, "mqtt"));
  ASSERT_EQ(WS_EINVAL, ws_request_select_subprotocol(req, "CHAT"));
  ASSERT_EQ(0, ws_request_select_subprotocol(req, "chat"));
  ASSERT_EQ(0, ws_request_add_header(req, "X-Served-By", "uvws"));
  ws_conn_set_data(conn, &hook_calls);
  return 0;
}

static void on_open(ws_conn_t* conn) {
  harness.open_count++;
  ASSERT_PTR_EQ(&hook_calls, ws_conn_get_data(conn));
  ASSERT_STR_EQ("chat", ws_conn_subprotocol(conn));
}

static void request(uv_loop_t* loop, int port, const char* target,
                    raw_client_t* c) {
  char text[512];

  snprintf(text, sizeof(text),
           "GET %s HTTP/1.1\r\nHost: a\r\nOrigin: https://app.example\r\n"
           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Protocol: superchat, chat\r\n"
           "Sec-WebSocket-Version: 13\r\n\r\n",
           target);
  raw_connect(loop, c, "127.0.0.1", port);
  raw_start_reading(c);
  raw_write(c, text, strlen(text));
}

int main(void) {
  static const char accepted[] =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
      "Sec-WebSocket-Protocol: chat\r\n"
      "X-Served-By: uvws\r\n\r\n";
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t ok;
  raw_client_t refused;
  uv_loop_t loop;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  cb.on_handshake = on_handshake;
  cb.on_open = on_open;
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  request(&loop, ws_server_port(server), "/chat?room=a%20b", &ok);
  request(&loop, ws_server_port(server), "/private", &refused);
  RUN_UNTIL(&loop, refused.eof && harness.open_count == 1 &&
                       ok.in_len >= sizeof(accepted) - 1);
  ASSERT_MEM_EQ(accepted, ok.in, sizeof(accepted) - 1);
  ASSERT_MEM_EQ("HTTP/1.1 401 Unauthorized\r\n", refused.in, 27);
  ASSERT(raw_has(&refused, "\r\nWWW-Authenticate: Basic\r\n", 27));
  ASSERT_EQ(2, hook_calls);
  raw_close(&ok);
  raw_close(&refused);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  return 0;
}
