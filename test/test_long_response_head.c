/* Response heads have no size limit of their own: a 101 that carries a
 * long subprotocol the client offered, and an on_http answer with a long
 * Content-Type, are written whole (they failed as if memory had run out
 * when they passed 512 bytes). */
#include "harness.h"

static char protocol[1001];
static char content_type[701];

static int pick(ws_conn_t* conn, ws_request_t* req) {
  (void) conn;
  ASSERT_EQ(0, ws_request_select_subprotocol(req, protocol));
  return 0;
}

static void answer(ws_conn_t* conn, ws_request_t* req) {
  (void) conn;
  ASSERT_EQ(0, ws_request_respond(req, 200, content_type, "ok", 2));
}

static size_t request(char* buf, size_t cap, int upgrade) {
  int n;

  if (upgrade)
    n = snprintf(buf, cap,
                 "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 "Sec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Protocol: %s\r\n\r\n",
                 protocol);
  else
    n = snprintf(buf, cap, "GET /page HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT(n > 0 && (size_t) n < cap);
  return (size_t) n;
}

int main(void) {
  static unsigned char out[8192];
  static char in[4096];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  char expect[1100];
  size_t n;

  memset(protocol, 'p', sizeof(protocol) - 1);
  memset(content_type, 't', sizeof(content_type) - 1);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  cb = harness_callbacks();
  cb.on_handshake = pick;
  cb.on_http = answer;
  server = harness_server(&loop, &options, &cb);

  conn = harness_conn(server);
  harness_feed(conn, in, request(in, sizeof(in), 1), 0);
  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  n = harness_take(conn, out, sizeof(out) - 1);
  out[n] = '\0';
  snprintf(expect, sizeof(expect), "\r\nSec-WebSocket-Protocol: %s\r\n",
           protocol);
  ASSERT_NOT_NULL(strstr((const char*) out, expect));
  ASSERT_STR_EQ(protocol, ws_conn_subprotocol(conn));
  harness_free(conn);

  conn = harness_conn(server);
  harness_feed(conn, in, request(in, sizeof(in), 0), 0);
  n = harness_take(conn, out, sizeof(out) - 1);
  out[n] = '\0';
  ASSERT_MEM_EQ("HTTP/1.1 200 OK\r\n", out, 17);
  snprintf(expect, sizeof(expect), "\r\nContent-Type: %s\r\n", content_type);
  ASSERT_NOT_NULL(strstr((const char*) out, expect));
  ASSERT_STR_EQ("ok", strstr((const char*) out, "\r\n\r\n") + 4);
  harness_free(conn);

  harness_close_server(&loop, server);
  return 0;
}
