/* ws_server_close() ends adopted connections like its own: one still in its
 * handshake is dropped, an open one gets its close frame (1001) and, with
 * no answer, is dropped at the close timeout. Each handle comes back to
 * the application through its close callback, an open one's after its
 * on_close, and all of them before the server's close callback. Also one
 * adopted with bytes that are never delivered because the server closes
 * first. */
#include "raw_client.h"

#define CONNS 3

static ws_server_t* server;
static uv_tcp_t* accepted[CONNS];
static int accepted_count;
static int handed_back;
static int server_closed;

static void on_handed_back(uv_handle_t* handle) {
  ASSERT_EQ(0, server_closed);
  handed_back++;
  free(handle);
}

static void on_server_closed(ws_server_t* s) {
  (void) s;
  ASSERT_EQ(CONNS, handed_back);
  ASSERT_EQ(1, harness.close_count);
  server_closed++;
}

static void on_app_connection(uv_stream_t* listener, int status) {
  uv_tcp_t* tcp;

  ASSERT_EQ(0, status);
  tcp = malloc(sizeof(*tcp));
  ASSERT_NOT_NULL(tcp);
  ASSERT_EQ(0, uv_tcp_init(listener->loop, tcp));
  ASSERT_EQ(0, uv_accept(listener, (uv_stream_t*) tcp));
  accepted[accepted_count++] = tcp;
}

int main(void) {
  static const char going_away[] = "\x88\x16\x03\xe9server shutting down";
  ws_server_options_t options;
  struct sockaddr_in addr;
  struct sockaddr_storage name;
  ws_server_callbacks_t cb;
  raw_client_t clients[CONNS];
  uv_tcp_t listener;
  uv_loop_t loop;
  int port;
  int len;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.close_timeout = 200;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);

  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", 0, &addr));
  ASSERT_EQ(0, uv_tcp_init(&loop, &listener));
  ASSERT_EQ(0, uv_tcp_bind(&listener, (const struct sockaddr*) &addr, 0));
  ASSERT_EQ(0, uv_listen((uv_stream_t*) &listener, 8, on_app_connection));
  len = sizeof(name);
  ASSERT_EQ(0, uv_tcp_getsockname(&listener, (struct sockaddr*) &name,
                                  &len));
  port = ntohs(((struct sockaddr_in*) &name)->sin_port);
  for (i = 0; i < CONNS; i++) {
    raw_connect(&loop, &clients[i], "127.0.0.1", port);
    raw_start_reading(&clients[i]);
  }
  RUN_UNTIL(&loop, accepted_count == CONNS);

  /* 0: open; 1: still in its handshake; 2: bytes not yet delivered. */
  ASSERT_EQ(0, ws_server_adopt(server, (uv_stream_t*) accepted[0], NULL, 0,
                               on_handed_back));
  raw_handshake(&clients[0]);
  RUN_UNTIL(&loop, harness.open_count == 1);
  ASSERT_EQ(0, ws_server_adopt(server, (uv_stream_t*) accepted[1], NULL, 0,
                               on_handed_back));
  uv_run(&loop, UV_RUN_NOWAIT);
  ASSERT_EQ(0, ws_server_adopt(server, (uv_stream_t*) accepted[2],
                               HARNESS_UPGRADE, 10, on_handed_back));
  ASSERT_EQ(CONNS, ws_server_connection_count(server));

  ws_server_close(server, on_server_closed);
  RUN_UNTIL(&loop, server_closed == 1);
  ASSERT_EQ(CONNS, handed_back);
  ASSERT_EQ(1, harness.close_count);
  ASSERT_EQ(WS_ESHUTDOWN, harness.last_close.error);
  ASSERT(raw_has(&clients[0], going_away, sizeof(going_away) - 1));
  for (i = 0; i < CONNS; i++) {
    RUN_UNTIL(&loop, clients[i].eof);
    raw_close(&clients[i]);
  }
  uv_close((uv_handle_t*) &listener, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
