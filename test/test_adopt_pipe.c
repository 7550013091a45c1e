/* ws_server_adopt() serves a pipe (a Unix domain socket, a named pipe on
 * Windows) that the application accepted on its own uv_pipe_t listener:
 * handshake, an echo of a 256 KiB message (more than a socket buffer
 * holds), and a clean close handshake started by the client, over
 * libuv's pipes.
 * ws_conn_peer_addr() says UV_ENOTSUP: a pipe has no IP address. The
 * application's close callback gets the handle back after on_close. */
#include "raw_client.h"

#define BIG (256 * 1024)

typedef struct {
  uv_pipe_t pipe;
  uv_connect_t connect_req;
  unsigned char* in;
  size_t in_len;
  size_t in_cap;
  int connected;
  int eof;
  int closed;
} pipe_client_t;

static ws_server_t* server;
static uv_pipe_t* adopted;
static int handed_back;
static int peer_addr_error;

static void on_open(ws_conn_t* conn) {
  struct sockaddr_storage peer;

  peer_addr_error = ws_conn_peer_addr(conn, &peer);
  harness_on_open(conn);
}

static void on_handed_back(uv_handle_t* handle) {
  ASSERT_PTR_EQ(adopted, handle);
  ASSERT_EQ(1, harness.close_count);
  handed_back++;
  free(handle);
}

static void on_app_connection(uv_stream_t* listener, int status) {
  uv_pipe_t* pipe;

  ASSERT_EQ(0, status);
  pipe = malloc(sizeof(*pipe));
  ASSERT_NOT_NULL(pipe);
  ASSERT_EQ(0, uv_pipe_init(listener->loop, pipe, 0));
  ASSERT_EQ(0, uv_accept(listener, (uv_stream_t*) pipe));
  ASSERT_EQ(0, ws_server_adopt(server, (uv_stream_t*) pipe, NULL, 0,
                               on_handed_back));
  adopted = pipe;
}

static void client_alloc(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  pipe_client_t* c;

  (void) size;
  c = handle->data;
  if (c->in_cap - c->in_len < 65536) {
    c->in_cap = c->in_cap * 2 + 65536;
    c->in = realloc(c->in, c->in_cap);
    ASSERT_NOT_NULL(c->in);
  }
  *buf = uv_buf_init((char*) c->in + c->in_len,
                     (unsigned int) (c->in_cap - c->in_len));
}

static void client_read(uv_stream_t* stream, ssize_t nread,
                        const uv_buf_t* buf) {
  pipe_client_t* c;

  (void) buf;
  c = stream->data;
  if (nread > 0)
    c->in_len += (size_t) nread;
  else if (nread < 0)
    c->eof = 1;
}

static void client_connected(uv_connect_t* req, int status) {
  pipe_client_t* c;

  ASSERT_EQ(0, status);
  c = req->data;
  c->connected = 1;
}

static void client_closed(uv_handle_t* handle) {
  pipe_client_t* c;

  c = handle->data;
  free(c->in);
  c->closed = 1;
}

/* The offset just past the response head, or 0 if not all here. */
static size_t head_len(const pipe_client_t* c) {
  size_t i;

  for (i = 0; i + 4 <= c->in_len; i++)
    if (memcmp(c->in + i, "\r\n\r\n", 4) == 0)
      return i + 4;
  return 0;
}

/* Whether the client has the server's echo of big, all of it. */
static int has_echo(const pipe_client_t* c, size_t at,
                    const unsigned char* big) {
  const unsigned char* frame;
  uint64_t len;
  int i;

  if (c->in_len < at + 10 + BIG)
    return 0;
  frame = c->in + at;
  ASSERT_EQ(0x82, frame[0]);
  ASSERT_EQ(127, frame[1]);
  for (len = 0, i = 2; i < 10; i++)
    len = len << 8 | frame[i];
  ASSERT_UINT64_EQ(BIG, len);
  ASSERT_MEM_EQ(frame + 10, big, BIG);
  return 1;
}

static void pipe_name(char* name, size_t size) {
#ifdef _WIN32
  snprintf(name, size, "\\\\?\\pipe\\uvws-test-adopt-%d",
           (int) uv_os_getpid());
#else
  char dir[256];
  size_t len;

  len = sizeof(dir);
  ASSERT_EQ(0, uv_os_tmpdir(dir, &len));
  snprintf(name, size, "%s/uvws-test-adopt-%d.sock", dir,
           (int) uv_os_getpid());
#endif
}

static void remove_name(uv_loop_t* loop, const char* name) {
#ifdef _WIN32
  (void) loop;
  (void) name;
#else
  uv_fs_t req;

  uv_fs_unlink(loop, &req, name, NULL);
  uv_fs_req_cleanup(&req);
#endif
}

int main(void) {
  static const unsigned char close_echo[] = { 0x88, 0x02, 0x03, 0xe8 };
  ws_server_callbacks_t cb;
  pipe_client_t client;
  uv_pipe_t listener;
  unsigned char* big;
  unsigned char* frame;
  uv_loop_t loop;
  char name[300];
  size_t head;
  size_t n;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  cb.on_open = on_open;
  server = harness_server(&loop, NULL, &cb);

  pipe_name(name, sizeof(name));
  remove_name(&loop, name);
  ASSERT_EQ(0, uv_pipe_init(&loop, &listener, 0));
  ASSERT_EQ(0, uv_pipe_bind(&listener, name));
  ASSERT_EQ(0, uv_listen((uv_stream_t*) &listener, 8, on_app_connection));

  memset(&client, 0, sizeof(client));
  ASSERT_EQ(0, uv_pipe_init(&loop, &client.pipe, 0));
  client.pipe.data = &client;
  client.connect_req.data = &client;
  uv_pipe_connect(&client.connect_req, &client.pipe, name, client_connected);
  RUN_UNTIL(&loop, client.connected && adopted != NULL);
  ASSERT_EQ(0, uv_read_start((uv_stream_t*) &client.pipe, client_alloc,
                             client_read));

  raw_write_stream((uv_stream_t*) &client.pipe, HARNESS_UPGRADE,
                   sizeof(HARNESS_UPGRADE) - 1);
  big = malloc(BIG);
  frame = malloc(BIG + 16);
  ASSERT_NOT_NULL(big);
  ASSERT_NOT_NULL(frame);
  for (i = 0; i < BIG; i++)
    big[i] = (unsigned char) (i * 7);
  n = harness_frame(frame, 0, 1, 2, big, BIG);
  raw_write_stream((uv_stream_t*) &client.pipe, frame, n);

  RUN_UNTIL(&loop, (head = head_len(&client)) > 0);
  ASSERT_EQ(0, memcmp(client.in, "HTTP/1.1 101 ", 13));
  RUN_UNTIL(&loop, has_echo(&client, head, big));
  ASSERT_EQ(1, harness.open_count);
  ASSERT_EQ(UV_ENOTSUP, peer_addr_error);

  /* The client closes; the server answers and ends the stream. */
  n = harness_frame(frame, 0, 1, 8, "\x03\xe8", 2);
  raw_write_stream((uv_stream_t*) &client.pipe, frame, n);
  RUN_UNTIL(&loop, client.eof);
  ASSERT_EQ(head + 10 + BIG + sizeof(close_echo), client.in_len);
  ASSERT_MEM_EQ(client.in + head + 10 + BIG, close_echo, sizeof(close_echo));
  uv_close((uv_handle_t*) &client.pipe, client_closed);
  RUN_UNTIL(&loop, handed_back == 1 && client.closed);
  ASSERT_EQ(1, harness.close_count);
  ASSERT_EQ(WS_CLOSE_NORMAL, harness.last_close.code);
  ASSERT_EQ(1, harness.last_close.clean);

  free(big);
  free(frame);
  uv_close((uv_handle_t*) &listener, NULL);
  remove_name(&loop, name);
  harness_close_server(&loop, server);
  return 0;
}
