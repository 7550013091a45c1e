/* An upgrade request has no body (RFC 6455 section 4.1: a GET): one that
 * announces a body with a Content-Length other than 0 or with any
 * Transfer-Encoding is refused with 400, so its bytes are never read as
 * WebSocket frames. "Content-Length: 0" announces none and is accepted. */
#include "harness.h"

#define CRLF "\r\n"
#define UPGRADE_HEADERS                                                      \
  "GET / HTTP/1.1" CRLF "Host: example.com" CRLF                             \
  "Upgrade: websocket" CRLF "Connection: Upgrade" CRLF                       \
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" CRLF                         \
  "Sec-WebSocket-Version: 13" CRLF

/* Sends head, then a masked text frame "hello" as its body; returns what
 * the server wrote. */
static size_t exchange(const char* head, size_t step, unsigned char* out,
                       size_t cap, int* opened) {
  unsigned char request[1024];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t len;
  size_t n;

  len = strlen(head);
  memcpy(request, head, len);
  len = harness_frame(request, len, 1, 0x1, "hello", 5);
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  conn = harness_conn(server);
  harness_feed(conn, request, len, step);
  n = harness_take(conn, out, cap);
  *opened = harness.open_count;
  harness_free(conn);
  harness_close_server(&loop, server);
  return n;
}

static void expect_refused(const char* head, size_t step) {
  unsigned char out[1024];
  int opened;
  size_t n;

  n = exchange(head, step, out, sizeof(out), &opened);
  if (n < 26 || memcmp(out, "HTTP/1.1 400 Bad Request\r\n", 26) != 0 ||
      opened) {
    fprintf(stderr, "request (step %d):\n%s\ngot:\n%.*s\n", (int) step, head,
            (int) n, out);
    ASSERT(0);
  }
  /* No byte of the body reached on_message as a frame. */
  ASSERT_EQ(0, harness.log_len);
}

int main(void) {
  static const char* const with_body[] = {
    UPGRADE_HEADERS "Content-Length: 11" CRLF CRLF,
    UPGRADE_HEADERS "Content-Length: 1" CRLF CRLF,
    UPGRADE_HEADERS "Transfer-Encoding: chunked" CRLF CRLF,
    UPGRADE_HEADERS "Transfer-Encoding: gzip, chunked" CRLF CRLF,
    UPGRADE_HEADERS "Transfer-Encoding: identity" CRLF CRLF,
  };
  unsigned char out[1024];
  size_t steps[2] = { 0, 1 };
  size_t i;
  size_t j;
  int opened;
  size_t n;

  for (i = 0; i < sizeof(with_body) / sizeof(with_body[0]); i++)
    for (j = 0; j < 2; j++)
      expect_refused(with_body[i], steps[j]);

  /* No body announced: the frame after the head is a frame, echoed. */
  for (j = 0; j < 2; j++) {
    n = exchange(UPGRADE_HEADERS "Content-Length: 0" CRLF CRLF, steps[j], out,
                 sizeof(out), &opened);
    ASSERT(n > 13);
    ASSERT_MEM_EQ("HTTP/1.1 101 ", out, 13);
    ASSERT_EQ(1, opened);
    ASSERT_STR_EQ("T:5:hello|close:1006:unclean|", harness.log);
  }
  return 0;
}
