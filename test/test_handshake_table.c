/* Each request text gets its expected status line, whether it arrives in
 * one read or one byte at a time. */
#include "harness.h"

#define CRLF "\r\n"
#define BASE_HEADERS                                                         \
  "Host: example.com" CRLF "Upgrade: websocket" CRLF                         \
  "Connection: Upgrade" CRLF

static const struct {
  const char* request;
  const char* status_line;
} cases[] = {
  { HARNESS_UPGRADE, "HTTP/1.1 101 Switching Protocols" },
  /* Token lists and case-insensitive names and values. */
  { "GET / HTTP/1.1" CRLF "host: a" CRLF "upgrade: WebSocket" CRLF
    "connection: keep-alive, Upgrade" CRLF
    "sec-websocket-key: AAAAAAAAAAAAAAAAAAAAAA==" CRLF
    "sec-websocket-version: 13" CRLF CRLF,
    "HTTP/1.1 101 Switching Protocols" },
  { "GET / HTTP/1.1" CRLF BASE_HEADERS
    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==" CRLF
    "Sec-WebSocket-Version: 8" CRLF CRLF,
    "HTTP/1.1 426 Upgrade Required" },
  { "GET / HTTP/1.1" CRLF BASE_HEADERS
    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==" CRLF CRLF,
    "HTTP/1.1 400 Bad Request" },
  /* A key that is not 16 bytes of base64. */
  { "GET / HTTP/1.1" CRLF BASE_HEADERS "Sec-WebSocket-Key: AAAA" CRLF
    "Sec-WebSocket-Version: 13" CRLF CRLF,
    "HTTP/1.1 400 Bad Request" },
  { "GET / HTTP/1.1" CRLF BASE_HEADERS "Sec-WebSocket-Key: !!!!" CRLF
    "Sec-WebSocket-Version: 13" CRLF CRLF,
    "HTTP/1.1 400 Bad Request" },
  { "GET / HTTP/1.1" CRLF BASE_HEADERS "Sec-WebSocket-Version: 13" CRLF CRLF,
    "HTTP/1.1 400 Bad Request" },
  { "POST / HTTP/1.1" CRLF BASE_HEADERS
    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==" CRLF
    "Sec-WebSocket-Version: 13" CRLF CRLF,
    "HTTP/1.1 400 Bad Request" },
  { "GET / HTTP/1.0" CRLF BASE_HEADERS
    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==" CRLF
    "Sec-WebSocket-Version: 13" CRLF CRLF,
    "HTTP/1.1 400 Bad Request" },
  /* No Host. */
  { "GET / HTTP/1.1" CRLF "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF
    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==" CRLF
    "Sec-WebSocket-Version: 13" CRLF CRLF,
    "HTTP/1.1 400 Bad Request" },
  /* Connection without the upgrade token. */
  { "GET / HTTP/1.1" CRLF "Host: a" CRLF "Upgrade: websocket" CRLF
    "Connection: keep-alive" CRLF
    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==" CRLF
    "Sec-WebSocket-Version: 13" CRLF CRLF,
    "HTTP/1.1 400 Bad Request" },
  /* Upgrade to something else is a plain request: 426 by default. */
  { "GET / HTTP/1.1" CRLF "Host: a" CRLF "Upgrade: h2c" CRLF
    "Connection: Upgrade" CRLF CRLF,
    "HTTP/1.1 426 Upgrade Required" },
  { "GET /index.html HTTP/1.1" CRLF "Host: a" CRLF CRLF,
    "HTTP/1.1 426 Upgrade Required" },
  /* Not HTTP at all. */
  { "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" CRLF CRLF,
    "HTTP/1.1 400 Bad Request" },
  { "GET / HTTP/1.1" CRLF "Host a" CRLF CRLF, "HTTP/1.1 400 Bad Request" },
};

static void check(const char* request, size_t len, size_t step,
                  const char* status_line) {
  unsigned char out[4096];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_header_size = 1024;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  conn = harness_conn(server);
  harness_feed(conn, request, len, step);
  n = harness_take(conn, out, sizeof(out));
  if (n < strlen(status_line) + 2 ||
      memcmp(out, status_line, strlen(status_line)) != 0 ||
      memcmp(out + strlen(status_line), "\r\n", 2) != 0) {
    fprintf(stderr, "request %.60s (step %lu)\nwanted %s\ngot %.*s\n",
            request, (unsigned long) step, status_line, (int) n, out);
    ASSERT(0);
  }
  if (strstr(status_line, " 426 ") != NULL)
    ASSERT(strstr((const char*) out, "Sec-WebSocket-Version: 13\r\n") != NULL);
  /* A refusal closes; only an accepted upgrade stays open. */
  if (strstr(status_line, " 101 ") != NULL) {
    ASSERT_EQ(WS__CONN_OPEN, conn->state);
    ASSERT_EQ(1, harness.open_count);
    /* The parser is freed after the upgrade. */
    ASSERT(conn->extra == NULL || conn->extra->request == NULL);
  } else {
    ASSERT_EQ(WS__CONN_CLOSED, conn->state);
    ASSERT_EQ(0, harness.open_count);
  }
  harness_free(conn);
  harness_close_server(&loop, server);
}

static void check_oversized(size_t step) {
  char request[4096];
  unsigned char out[512];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t len;
  size_t n;

  len = (size_t) snprintf(request, sizeof(request),
                          "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ");
  memset(request + len, 'x', 1500);
  len += 1500;
  memcpy(request + len, "\r\n\r\n", 4);
  len += 4;
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_header_size = 1024;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  conn = harness_conn(server);
  harness_feed(conn, request, len, step);
  n = harness_take(conn, out, sizeof(out));
  ASSERT(n > 40);
  ASSERT_MEM_EQ("HTTP/1.1 431 ", out, 13);
  ASSERT_EQ(WS__CONN_CLOSED, conn->state);
  /* The request text kept never grew past the limit. */
  harness_free(conn);
  harness_close_server(&loop, server);
}

int main(void) {
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    check(cases[i].request, strlen(cases[i].request), 0,
          cases[i].status_line);
    check(cases[i].request, strlen(cases[i].request), 1,
          cases[i].status_line);
  }
  check_oversized(0);
  check_oversized(1);
  check_oversized(100);
  return 0;
}
