/* The stream transport: a connection's bytes in and out of a libuv
 * stream, its own TCP socket (accepted or dialled) or a stream the
 * application adopted (TCP or a pipe): delivering what the application
 * read before, then reading, and giving the stream back once closed.
 * What it reads and how its writes end go to the hub's ws__io_t. */
#include "uvws_int.h"

#include <string.h>

struct ws__adopted_s {
  ws__deferred_t start;    /* delivers input, then reads */
  ws_conn_t* conn;
  uv_close_cb close_cb;
  void* data;              /* the application's stream->data */
  unsigned char* input;    /* read before adoption, not yet delivered */
  size_t input_len;
};

void ws__stream_init_tcp(ws_conn_t* conn) {
  uv_tcp_init(conn->hub->loop, &conn->tcp);
  conn->tcp.data = conn;
}

static void ws__stream_on_alloc(uv_handle_t* handle, size_t suggested,
                                uv_buf_t* buf) {
  (void) suggested;
  *buf = ws__hub_read_buf(((ws_conn_t*) handle->data)->hub);
}

static void ws__stream_on_read(uv_stream_t* stream, ssize_t nread,
                               const uv_buf_t* buf) {
  ws_conn_t* conn;

  conn = stream->data;
  ws__hub_return_read_buf(conn->hub, buf->base);
  if (nread != 0)
    conn->hub->io->on_read(conn, (unsigned char*) buf->base, nread);
}

static int ws__stream_read_start(ws_conn_t* conn) {
  uv_stream_t* stream;
  int r;

  stream = ws__conn_stream(conn);
  r = uv_read_start(stream, ws__stream_on_alloc, ws__stream_on_read);
  if (r == 0 && stream->type == UV_TCP)
    uv_tcp_nodelay((uv_tcp_t*) stream, 1);
  return r;
}

static int ws__stream_read_stop(ws_conn_t* conn) {
  return uv_read_stop(ws__conn_stream(conn));
}

/* From the loop: what the application read, then the stream. */
static void ws__stream_start(ws__deferred_t* deferred) {
  ws__adopted_t* adopted;
  unsigned char* input;
  ws_conn_t* conn;
  size_t len;
  int r;

  adopted = WS__CONTAINER_OF(deferred, ws__adopted_t, start);
  conn = adopted->conn;
  input = adopted->input;
  len = adopted->input_len;
  adopted->input = NULL;
  adopted->input_len = 0;
  if (len > 0)
    conn->hub->io->on_read(conn, input, (ssize_t) len);
  ws__free(input);
  /* A connection that paused in a callback reads when it resumes. */
  if (conn->state == WS__CONN_CLOSED || conn->paused)
    return;
  r = ws__stream_read_start(conn);
  if (r != 0)
    conn->hub->io->on_read(conn, NULL, r);
}

int ws__stream_adopt(ws_conn_t* conn, uv_stream_t* stream, const void* data,
                     size_t len, uv_close_cb close_cb) {
  ws__adopted_t* adopted;

  if (ws__conn_extra(conn) == NULL)
    return WS_ENOMEM;
  adopted = ws__calloc(1, sizeof(*adopted));
  if (adopted == NULL)
    return WS_ENOMEM;
  if (len > 0) {
    adopted->input = ws__malloc(len);
    if (adopted->input == NULL) {
      ws__free(adopted);
      return WS_ENOMEM;
    }
    memcpy(adopted->input, data, len);
    adopted->input_len = len;
  }
  adopted->start.cb = ws__stream_start;
  adopted->conn = conn;
  adopted->close_cb = close_cb;
  adopted->data = stream->data;
  uv_read_stop(stream);
  stream->data = conn;
  conn->extra->stream = stream;
  conn->extra->adopted = adopted;
  /* The bytes are parsed from the loop, never inside ws_server_adopt(),
   * and the stream is read only after them. */
  ws__hub_defer(conn->hub, &adopted->start);
  return 0;
}

static int ws__stream_try_write(ws_conn_t* conn, const uv_buf_t* bufs,
                                unsigned int n) {
  int r;

  r = uv_try_write(ws__conn_stream(conn), bufs, n);
  return r == UV_ENOSYS ? UV_EAGAIN : r;
}

static void ws__stream_on_write(uv_write_t* req, int status) {
  ws_conn_t* conn;

  conn = req->data;
  ws__free(req);
  conn->busy->write_req = NULL;
  conn->hub->io->on_written(conn, status);
}

static int ws__stream_write(ws_conn_t* conn, const uv_buf_t* bufs,
                            unsigned int n) {
  uv_write_t* req;
  int r;

  req = ws__malloc(sizeof(*req));
  if (req == NULL)
    return WS_ENOMEM;
  req->data = conn;
  r = uv_write(req, ws__conn_stream(conn), bufs, n, ws__stream_on_write);
  if (r != 0) {
    ws__free(req);
    return r;
  }
  conn->busy->write_req = req;
  return 0;
}

/* After the shutdown the connection keeps reading until the peer closes
 * too, or the close timeout: closing with unread input would reset it. */
static void ws__stream_on_shutdown(uv_shutdown_t* req, int status) {
  (void) status;
  ws__free(req);
}

static int ws__stream_shutdown(ws_conn_t* conn) {
  uv_shutdown_t* req;
  int r;

  req = ws__malloc(sizeof(*req));
  if (req == NULL)
    return WS_ENOMEM;
  r = uv_shutdown(req, ws__conn_stream(conn), ws__stream_on_shutdown);
  if (r != 0)
    ws__free(req);
  return r;
}

/* An adopted stream goes back to the application, then the connection
 * goes. */
static void ws__stream_on_close(uv_handle_t* handle) {
  ws__adopted_t* adopted;
  uv_close_cb close_cb;
  ws_conn_t* conn;

  conn = handle->data;
  adopted = conn->extra != NULL ? conn->extra->adopted : NULL;
  if (adopted != NULL) {
    conn->extra->adopted = NULL;
    conn->extra->stream = NULL;
    handle->data = adopted->data;
    close_cb = adopted->close_cb;
    ws__free(adopted->input);
    ws__free(adopted);
    if (close_cb != NULL)
      close_cb(handle);
  }
  conn->hub->io->on_closed(conn);
}

static void ws__stream_close(ws_conn_t* conn) {
  if (conn->extra != NULL && conn->extra->adopted != NULL)
    ws__list_remove(&conn->extra->adopted->start.node);
  uv_close((uv_handle_t*) ws__conn_stream(conn), ws__stream_on_close);
}

static int ws__stream_peer_addr(const ws_conn_t* conn,
                                struct sockaddr_storage* addr) {
  uv_stream_t* stream;
  int len;

  stream = ws__conn_stream(conn);
  if (stream->type != UV_TCP)
    return UV_ENOTSUP;
  len = (int) sizeof(*addr);
  return uv_tcp_getpeername((const uv_tcp_t*) stream,
                            (struct sockaddr*) addr, &len);
}

const ws__transport_t ws__stream_transport = {
  ws__stream_read_start, ws__stream_try_write, ws__stream_write,
  ws__stream_shutdown, ws__stream_close, ws__stream_peer_addr,
  ws__stream_read_stop
};
