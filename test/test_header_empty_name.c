/* A header line with an empty name (": value") is malformed (RFC 7230
 * section 3.2: a field name is a non-empty token): a server answers 400,
 * a client fails the connection with WS_EBADRESPONSE. */
#include "fake_server.h"

#define CRLF "\r\n"

static const char* const requests[] = {
  /* In place of a needed header, after it, and as the only header. */
  "GET / HTTP/1.1" CRLF ": example.com" CRLF "Upgrade: websocket" CRLF
  "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="
  CRLF "Sec-WebSocket-Version: 13" CRLF CRLF,
  "GET / HTTP/1.1" CRLF "Host: example.com" CRLF "Upgrade: websocket" CRLF
  "Connection: Upgrade" CRLF "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="
  CRLF "Sec-WebSocket-Version: 13" CRLF ": x" CRLF CRLF,
  "GET / HTTP/1.1" CRLF ":" CRLF CRLF,
};

static void check_server(const char* request, size_t step) {
  unsigned char out[1024];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  conn = harness_conn(server);
  harness_feed(conn, request, strlen(request), step);
  n = harness_take(conn, out, sizeof(out));
  if (n < 26 || memcmp(out, "HTTP/1.1 400 Bad Request\r\n", 26) != 0) {
    fprintf(stderr, "request (step %d):\n%s\ngot:\n%.*s\n", (int) step,
            request, (int) n, out);
    ASSERT(0);
  }
  ASSERT_EQ(WS__CONN_CLOSED, conn->state);
  ASSERT_EQ(0, harness.open_count);
  harness_free(conn);
  harness_close_server(&loop, server);
}

static int client_opened;
static int client_errors;
static int last_error;

static void on_open(ws_conn_t* conn) {
  client_opened++;
  ASSERT_EQ(0, ws_conn_close(conn, 1000, NULL, 0));
}

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  client_errors++;
  last_error = error;
}

static void check_client(void) {
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
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/",
           fake_listen(&loop, &fake,
                       "HTTP/1.1 101 Switching Protocols\r\n"
                       "Upgrade: websocket\r\n"
                       "Connection: Upgrade\r\n"
                       ": stray\r\n"
                       "Sec-WebSocket-Accept: %s\r\n\r\n"));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, client_opened + client_errors == 1);
  ASSERT_EQ(0, client_opened);
  ASSERT_STR_EQ("WS_EBADRESPONSE", ws_err_name(last_error));
  ws_client_close(client, NULL);
  fake_close(&fake);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
}

int main(void) {
  size_t i;

  for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
    check_server(requests[i], 0);
    check_server(requests[i], 1);
  }
  check_client();
  return 0;
}
