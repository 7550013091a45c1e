/* Plain HTTP requests: on_http answers them from the same port; without an
 * answer they get 426 Upgrade Required. Either way the connection closes. */
#include "raw_client.h"

static int http_calls;

static void on_http(ws_conn_t* conn, ws_request_t* req) {
  static const char page[] = "<h1>hi</h1>";

  ASSERT_NOT_NULL(conn);
  http_calls++;
  if (strcmp(ws_request_target(req), "/") != 0)
    return; /* no answer: 426 */
  ASSERT_STR_EQ("GET", ws_request_method(req));
  ASSERT_EQ(WS_EINVAL, ws_request_select_subprotocol(req, "chat"));
  ASSERT_EQ(WS_EINVAL, ws_request_add_header(req, "Bad\r\nName", "v"));
  ASSERT_EQ(0, ws_request_add_header(req, "Cache-Control", "no-store"));
  ASSERT_EQ(WS_EINVAL, ws_request_respond(req, 99, NULL, NULL, 0));
  ASSERT_EQ(0, ws_request_respond(req, 200, "text/html", page,
                                  sizeof(page) - 1));
  ASSERT_EQ(WS_EINVAL, ws_request_respond(req, 200, NULL, NULL, 0));
}

static void fetch(uv_loop_t* loop, int port, const char* request,
                  const char* expect_start, const char* expect_part) {
  raw_client_t c;

  raw_connect(loop, &c, "127.0.0.1", port);
  raw_start_reading(&c);
  raw_write(&c, request, strlen(request));
  RUN_UNTIL(loop, c.eof);
  ASSERT_GE(c.in_len, strlen(expect_start));
  ASSERT_MEM_EQ(expect_start, c.in, strlen(expect_start));
  ASSERT(raw_has(&c, expect_part, strlen(expect_part)));
  raw_close(&c);
  RUN_UNTIL(loop, c.closed);
}

int main(void) {
  ws_server_callbacks_t cb;
  ws_server_t* server;
  uv_loop_t loop;
  int port;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  cb.on_http = on_http;
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  port = ws_server_port(server);
  fetch(&loop, port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 200 OK\r\n",
        "\r\nCache-Control: no-store\r\n\r\n<h1>hi</h1>");
  fetch(&loop, port, "GET /other HTTP/1.1\r\nHost: a\r\n\r\n",
        "HTTP/1.1 426 Upgrade Required\r\n", "Sec-WebSocket-Version: 13\r\n");
  ASSERT_EQ(2, http_calls);
  ASSERT_EQ(0, harness.open_count);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  harness_close_server(&loop, server);
  return 0;
}
