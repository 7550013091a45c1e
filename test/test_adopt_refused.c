/* ws_server_adopt() refuses what it cannot serve and leaves the handle to
 * the application exactly as it was: its data unchanged, not closing, and
 * still reading with the application's callbacks, so the application can
 * go on using it and close it itself; the close callback given is never
 * called. A closing server: WS_ESHUTDOWN. Bad arguments: WS_EINVAL (NULL
 * server or stream, bytes NULL with a length, a stream on another loop
 * than the server's, a handle that is not TCP or a pipe, a TCP handle not
 * connected, a closing one). */
#include "raw_client.h"

#define APP_MARK ((void*) 0x5eed)

static uv_tcp_t* accepted;
static char app_in[64];
static size_t app_in_len;
static int handed_back;
static int server_closed;

static void on_handed_back(uv_handle_t* handle) {
  (void) handle;
  handed_back++;
}

static void on_server_closed(ws_server_t* server) {
  (void) server;
  server_closed++;
}

static void app_alloc(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  (void) handle;
  (void) size;
  *buf = uv_buf_init(app_in + app_in_len,
                     (unsigned int) (sizeof(app_in) - app_in_len));
}

static void app_read(uv_stream_t* stream, ssize_t nread,
                     const uv_buf_t* buf) {
  (void) buf;
  ASSERT_PTR_EQ(APP_MARK, stream->data);
  if (nread > 0)
    app_in_len += (size_t) nread;
}

static void on_app_connection(uv_stream_t* listener, int status) {
  ASSERT_EQ(0, status);
  accepted = malloc(sizeof(*accepted));
  ASSERT_NOT_NULL(accepted);
  ASSERT_EQ(0, uv_tcp_init(listener->loop, accepted));
  ASSERT_EQ(0, uv_accept(listener, (uv_stream_t*) accepted));
  accepted->data = APP_MARK;
  ASSERT_EQ(0, uv_read_start((uv_stream_t*) accepted, app_alloc, app_read));
}

static void on_app_closed(uv_handle_t* handle) {
  free(handle);
}

int main(void) {
  struct sockaddr_in addr;
  struct sockaddr_storage name;
  ws_server_t* elsewhere;
  ws_server_t* server;
  uv_loop_t other_loop;
  uv_stream_t* stream;
  raw_client_t client;
  uv_tcp_t listener;
  uv_tcp_t fresh;
  uv_udp_t udp;
  uv_loop_t loop;
  int len;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_loop_init(&other_loop));
  ASSERT_EQ(0, ws_server_new(&server, &loop, NULL, NULL));
  ASSERT_EQ(0, ws_server_new(&elsewhere, &other_loop, NULL, NULL));

  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", 0, &addr));
  ASSERT_EQ(0, uv_tcp_init(&loop, &listener));
  ASSERT_EQ(0, uv_tcp_bind(&listener, (const struct sockaddr*) &addr, 0));
  ASSERT_EQ(0, uv_listen((uv_stream_t*) &listener, 8, on_app_connection));
  len = sizeof(name);
  ASSERT_EQ(0, uv_tcp_getsockname(&listener, (struct sockaddr*) &name,
                                  &len));
  raw_connect(&loop, &client, "127.0.0.1",
              ntohs(((struct sockaddr_in*) &name)->sin_port));
  raw_start_reading(&client);
  RUN_UNTIL(&loop, accepted != NULL);
  stream = (uv_stream_t*) accepted;

  ASSERT_EQ(WS_EINVAL, ws_server_adopt(NULL, stream, NULL, 0,
                                       on_handed_back));
  ASSERT_EQ(WS_EINVAL, ws_server_adopt(server, NULL, NULL, 0,
                                       on_handed_back));
  ASSERT_EQ(WS_EINVAL, ws_server_adopt(server, stream, NULL, 5,
                                       on_handed_back));
  ASSERT_EQ(WS_EINVAL, ws_server_adopt(elsewhere, stream, NULL, 0,
                                       on_handed_back));
  ASSERT_EQ(0, uv_udp_init(&loop, &udp));
  ASSERT_EQ(WS_EINVAL, ws_server_adopt(server, (uv_stream_t*) &udp, NULL, 0,
                                       on_handed_back));
  uv_close((uv_handle_t*) &udp, NULL);
  ASSERT_EQ(0, uv_tcp_init(&loop, &fresh));
  ASSERT_EQ(WS_EINVAL, ws_server_adopt(server, (uv_stream_t*) &fresh, NULL,
                                       0, on_handed_back));
  uv_close((uv_handle_t*) &fresh, NULL);
  ASSERT_EQ(WS_EINVAL, ws_server_adopt(server, (uv_stream_t*) &fresh, NULL,
                                       0, on_handed_back));

  /* The server is closing: the connection stays the application's. */
  ws_server_close(server, on_server_closed);
  ASSERT_EQ(WS_ESHUTDOWN, ws_server_adopt(server, stream, "GET", 3,
                                          on_handed_back));
  ASSERT_PTR_EQ(APP_MARK, stream->data);
  ASSERT_EQ(0, uv_is_closing((uv_handle_t*) stream));
  ASSERT_EQ(0, ws_server_connection_count(server));

  /* The application still reads it and answers on it. */
  raw_write(&client, "ping", 4);
  RUN_UNTIL(&loop, app_in_len == 4);
  ASSERT_MEM_EQ(app_in, "ping", 4);
  raw_write_stream(stream, "pong", 4);
  RUN_UNTIL(&loop, client.in_len == 4 && server_closed == 1);
  ASSERT_MEM_EQ(client.in, "pong", 4);
  uv_close((uv_handle_t*) stream, on_app_closed);
  RUN_UNTIL(&loop, client.eof);
  raw_close(&client);
  uv_close((uv_handle_t*) &listener, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, handed_back);
  ASSERT_EQ(0, uv_loop_close(&loop));

  ws_server_close(elsewhere, NULL);
  ASSERT_EQ(0, uv_run(&other_loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&other_loop));
  return 0;
}
