/* ws_server_adopt() serves a TCP connection that the application accepted
 * on its own listener, with or without bytes the application read from it
 * first: handshake (the given bytes first, then what the socket brings),
 * echo and close, as if the server had accepted it. The given bytes may
 * end in the middle of the request, or hold the whole request and the
 * start of a frame, or a whole frame with nothing more to come from the
 * socket. Nothing is called back from inside ws_server_adopt(); the
 * application's close callback gets the handle back, its data as it was,
 * after on_close, and frees it. */
#include "raw_client.h"

#define APP_MARK ((void*) 0x5eed)

static const char request[] = HARNESS_UPGRADE;

typedef struct {
  const char* name;
  size_t pre_read;  /* bytes the application reads before adopting */
} case_t;

static ws_server_t* server;
static unsigned char sent[512]; /* what the client sends, in all */
static size_t sent_len;
static size_t pre_read;
static unsigned char app_in[512];
static size_t app_in_len;
static uv_stream_t* adopted;
static int in_adopt;
static int handshakes;
static int handed_back;
static int closes_before_hand_back;

static int on_handshake(ws_conn_t* conn, ws_request_t* request_) {
  struct sockaddr_storage peer;
  char ip[64];

  (void) request_;
  ASSERT_EQ(0, in_adopt);
  ASSERT_PTR_EQ(server, ws_conn_server(conn));
  ASSERT_EQ(0, ws_conn_peer_addr(conn, &peer));
  ASSERT_EQ(0, uv_ip4_name((struct sockaddr_in*) &peer, ip, sizeof(ip)));
  ASSERT_STR_EQ("127.0.0.1", ip);
  handshakes++;
  return 0;
}

static void on_handed_back(uv_handle_t* handle) {
  ASSERT_PTR_EQ(adopted, handle);
  ASSERT_PTR_EQ(APP_MARK, handle->data);
  closes_before_hand_back = harness.close_count;
  handed_back++;
  free(handle);
}

static void adopt(uv_stream_t* stream, const void* data, size_t len) {
  in_adopt = 1;
  ASSERT_EQ(0, ws_server_adopt(server, stream, data, len, on_handed_back));
  in_adopt = 0;
  adopted = stream;
}

static void app_alloc(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  (void) handle;
  (void) size;
  *buf = uv_buf_init((char*) app_in + app_in_len,
                     (unsigned int) (pre_read - app_in_len));
}

/* The application's own reads: once it has the bytes it wanted, it hands
 * the connection over from inside its read callback. */
static void app_read(uv_stream_t* stream, ssize_t nread,
                     const uv_buf_t* buf) {
  (void) buf;
  ASSERT_GE(nread, 0);
  app_in_len += (size_t) nread;
  if (app_in_len == pre_read)
    adopt(stream, app_in, app_in_len);
}

static void on_app_connection(uv_stream_t* listener, int status) {
  uv_tcp_t* tcp;

  ASSERT_EQ(0, status);
  tcp = malloc(sizeof(*tcp));
  ASSERT_NOT_NULL(tcp);
  ASSERT_EQ(0, uv_tcp_init(listener->loop, tcp));
  ASSERT_EQ(0, uv_accept(listener, (uv_stream_t*) tcp));
  tcp->data = APP_MARK;
  if (pre_read == 0) {
    adopt((uv_stream_t*) tcp, NULL, 0);
    return;
  }
  /* A read of exactly pre_read bytes, the rest left in the socket. */
  ASSERT_EQ(0, uv_read_start((uv_stream_t*) tcp, app_alloc, app_read));
}

static void run_case(uv_loop_t* loop, int port, const case_t* c) {
  static const char echo[] = "\x81\x05hello";
  raw_client_t client;
  int opens;

  fprintf(stderr, "case: %s\n", c->name);
  pre_read = c->pre_read;
  app_in_len = 0;
  adopted = NULL;
  handed_back = 0;
  opens = harness.open_count;
  raw_connect(loop, &client, "127.0.0.1", port);
  raw_start_reading(&client);
  if (pre_read > 0)
    raw_write(&client, sent, pre_read);
  RUN_UNTIL(loop, adopted != NULL);
  ASSERT_EQ(pre_read, app_in_len);
  if (sent_len > pre_read)
    raw_write(&client, sent + pre_read, sent_len - pre_read);
  RUN_UNTIL(loop, raw_has(&client, echo, sizeof(echo) - 1));
  ASSERT_EQ(0, memcmp(client.in, "HTTP/1.1 101 ", 13));
  ASSERT_EQ(opens + 1, harness.open_count);
  raw_close(&client);
  RUN_UNTIL(loop, handed_back == 1 && client.closed);
  ASSERT_EQ(opens + 1, closes_before_hand_back);
  ASSERT_EQ(opens + 1, harness.close_count);
}

int main(void) {
  static const case_t cases[] = {
    { "nothing read", 0 },
    { "half the request", 30 },
    { "the request and a frame's first bytes", sizeof(request) - 1 + 3 },
    { "the request and a whole frame", 0 /* set below */ },
  };
  struct sockaddr_in addr;
  struct sockaddr_storage name;
  ws_server_callbacks_t cb;
  uv_tcp_t listener;
  case_t last;
  uv_loop_t loop;
  size_t i;
  int len;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  cb.on_handshake = on_handshake;
  server = harness_server(&loop, NULL, &cb);

  memcpy(sent, request, sizeof(request) - 1);
  sent_len = harness_frame(sent, sizeof(request) - 1, 1, 1, "hello", 5);

  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", 0, &addr));
  ASSERT_EQ(0, uv_tcp_init(&loop, &listener));
  ASSERT_EQ(0, uv_tcp_bind(&listener, (const struct sockaddr*) &addr, 0));
  ASSERT_EQ(0, uv_listen((uv_stream_t*) &listener, 8, on_app_connection));
  len = sizeof(name);
  ASSERT_EQ(0, uv_tcp_getsockname(&listener, (struct sockaddr*) &name,
                                  &len));

  for (i = 0; i < 3; i++)
    run_case(&loop, ntohs(((struct sockaddr_in*) &name)->sin_port),
             &cases[i]);
  last = cases[3];
  last.pre_read = sent_len;
  run_case(&loop, ntohs(((struct sockaddr_in*) &name)->sin_port), &last);
  ASSERT_EQ(4, handshakes);

  uv_close((uv_handle_t*) &listener, NULL);
  harness_close_server(&loop, server);
  return 0;
}
