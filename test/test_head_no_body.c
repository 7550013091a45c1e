/* Answers to HEAD requests carry no body (RFC 7231 section 4.3.2): the
 * 426 for a request on_http leaves unanswered, an on_http answer made with
 * a body, and a refused upgrade attempt keep their headers, Content-Length
 * included (the length the body would have had), and end after the head.
 * The same GET requests get their bodies. */
#include "harness.h"

#define CRLF "\r\n"

static void on_http(ws_conn_t* conn, ws_request_t* req) {
  static const char text[] = "method not allowed";

  (void) conn;
  if (strcmp(ws_request_target(req), "/answered") == 0)
    ASSERT_EQ(0, ws_request_respond(req, 405, "text/plain", text,
                                    sizeof(text) - 1));
}

/* Feeds request; checks the answer starts with status_line, holds
 * length_line, and has exactly body after the head. */
static void check(const char* request, const char* status_line,
                  const char* length_line, const char* body) {
  unsigned char out[1024];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  const char* end;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  cb.on_http = on_http;
  server = harness_server(&loop, NULL, &cb);
  conn = harness_conn(server);
  harness_feed(conn, request, strlen(request), 0);
  n = harness_take(conn, out, sizeof(out) - 1);
  out[n] = '\0';
  end = strstr((const char*) out, "\r\n\r\n");
  if (strncmp((const char*) out, status_line, strlen(status_line)) != 0 ||
      strstr((const char*) out, length_line) == NULL || end == NULL ||
      strcmp(end + 4, body) != 0) {
    fprintf(stderr, "request:\n%s\ngot:\n%s\n", request, (const char*) out);
    ASSERT(0);
  }
  ASSERT_EQ(WS__CONN_CLOSED, conn->state);
  ASSERT_EQ(0, harness.open_count);
  harness_free(conn);
  harness_close_server(&loop, server);
}

int main(void) {
  check("HEAD / HTTP/1.1" CRLF "Host: a" CRLF CRLF,
        "HTTP/1.1 426 Upgrade Required\r\n", "\r\nContent-Length: 16\r\n", "");
  check("GET / HTTP/1.1" CRLF "Host: a" CRLF CRLF,
        "HTTP/1.1 426 Upgrade Required\r\n", "\r\nContent-Length: 16\r\n",
        "Upgrade Required");
  check("HEAD /answered HTTP/1.1" CRLF "Host: a" CRLF CRLF,
        "HTTP/1.1 405 Method Not Allowed\r\n", "\r\nContent-Length: 18\r\n",
        "");
  check("GET /answered HTTP/1.1" CRLF "Host: a" CRLF CRLF,
        "HTTP/1.1 405 Method Not Allowed\r\n", "\r\nContent-Length: 18\r\n",
        "method not allowed");
  /* An upgrade attempt made with HEAD: 400, still without a body. */
  check("HEAD / HTTP/1.1" CRLF "Host: a" CRLF "Upgrade: websocket" CRLF
        "Connection: Upgrade" CRLF
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF
        "Sec-WebSocket-Version: 13" CRLF CRLF,
        "HTTP/1.1 400 Bad Request\r\n", "\r\nContent-Length: 11\r\n", "");
  return 0;
}
