/* An adopted connection counts against max_connections like an accepted
 * one: past the limit it is answered 503 and closed, without on_handshake
 * or on_close, and its handle comes back through its close callback. */
#include "raw_client.h"

static uv_tcp_t* accepted[2];
static int accepted_count;
static int handed_back;
static int handshakes;

static int on_handshake(ws_conn_t* conn, ws_request_t* request) {
  (void) conn;
  (void) request;
  handshakes++;
  return 0;
}

static void on_handed_back(uv_handle_t* handle) {
  handed_back++;
  free(handle);
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
  static const char refused[] = "HTTP/1.1 503 ";
  ws_server_options_t options;
  struct sockaddr_in addr;
  struct sockaddr_storage name;
  ws_server_callbacks_t cb;
  raw_client_t clients[2];
  ws_server_t* server;
  uv_tcp_t listener;
  uv_loop_t loop;
  int port;
  int len;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_connections = 1;
  cb = harness_callbacks();
  cb.on_handshake = on_handshake;
  server = harness_server(&loop, &options, &cb);

  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", 0, &addr));
  ASSERT_EQ(0, uv_tcp_init(&loop, &listener));
  ASSERT_EQ(0, uv_tcp_bind(&listener, (const struct sockaddr*) &addr, 0));
  ASSERT_EQ(0, uv_listen((uv_stream_t*) &listener, 8, on_app_connection));
  len = sizeof(name);
  ASSERT_EQ(0, uv_tcp_getsockname(&listener, (struct sockaddr*) &name,
                                  &len));
  port = ntohs(((struct sockaddr_in*) &name)->sin_port);
  for (i = 0; i < 2; i++) {
    raw_connect(&loop, &clients[i], "127.0.0.1", port);
    raw_start_reading(&clients[i]);
  }
  RUN_UNTIL(&loop, accepted_count == 2);

  /* Both send their whole request with the handover. */
  for (i = 0; i < 2; i++)
    ASSERT_EQ(0, ws_server_adopt(server, (uv_stream_t*) accepted[i],
                                 HARNESS_UPGRADE,
                                 sizeof(HARNESS_UPGRADE) - 1,
                                 on_handed_back));
  ASSERT_EQ(2, ws_server_connection_count(server));
  RUN_UNTIL(&loop, clients[1].eof && harness.open_count == 1);
  ASSERT_EQ(0, memcmp(clients[1].in, refused, sizeof(refused) - 1));
  raw_close(&clients[1]);
  RUN_UNTIL(&loop, handed_back == 1);
  ASSERT_EQ(1, handshakes);
  ASSERT_EQ(0, harness.close_count);
  ASSERT_EQ(1, ws_server_connection_count(server));
  RUN_UNTIL(&loop, raw_head_len(&clients[0]) > 0);
  ASSERT_EQ(0, memcmp(clients[0].in, "HTTP/1.1 101 ", 13));

  raw_close(&clients[0]);
  RUN_UNTIL(&loop, handed_back == 2 && harness.close_count == 1);
  uv_close((uv_handle_t*) &listener, NULL);
  harness_close_server(&loop, server);
  return 0;
}
