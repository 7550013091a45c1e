/* The TCP transport: a connection's bytes in and out of its uv_tcp_t.
 * What it reads and how its writes end go to the hub's ws__io_t. */
#include "uvws_int.h"

static void ws__tcp_on_alloc(uv_handle_t* handle, size_t suggested,
                             uv_buf_t* buf) {
  (void) suggested;
  *buf = ws__hub_read_buf(((ws_conn_t*) handle)->hub);
}

static void ws__tcp_on_read(uv_stream_t* stream, ssize_t nread,
                            const uv_buf_t* buf) {
  ws_conn_t* conn;

  conn = (ws_conn_t*) stream;
  ws__hub_return_read_buf(conn->hub, buf->base);
  if (nread != 0)
    conn->hub->io->on_read(conn, (unsigned char*) buf->base, nread);
}

static int ws__tcp_read_start(ws_conn_t* conn) {
  int r;

  r = uv_read_start((uv_stream_t*) &conn->tcp, ws__tcp_on_alloc,
                    ws__tcp_on_read);
  if (r == 0)
    uv_tcp_nodelay(&conn->tcp, 1);
  return r;
}

static int ws__tcp_try_write(ws_conn_t* conn, const uv_buf_t* bufs,
                             unsigned int n) {
  int r;

  r = uv_try_write((uv_stream_t*) &conn->tcp, bufs, n);
  return r == UV_ENOSYS ? UV_EAGAIN : r;
}

static void ws__tcp_on_write(uv_write_t* req, int status) {
  ws_conn_t* conn;

  conn = req->data;
  ws__free(req);
  conn->write_req = NULL;
  conn->hub->io->on_written(conn, status);
}

static int ws__tcp_write(ws_conn_t* conn, const uv_buf_t* bufs,
                         unsigned int n) {
  uv_write_t* req;
  int r;

  req = ws__malloc(sizeof(*req));
  if (req == NULL)
    return WS_ENOMEM;
  req->data = conn;
  r = uv_write(req, (uv_stream_t*) &conn->tcp, bufs, n, ws__tcp_on_write);
  if (r != 0) {
    ws__free(req);
    return r;
  }
  conn->write_req = req;
  return 0;
}

/* After the shutdown the connection keeps reading until the peer closes
 * too, or the close timeout: closing with unread input would reset it. */
static void ws__tcp_on_shutdown(uv_shutdown_t* req, int status) {
  (void) status;
  ws__free(req);
}

static int ws__tcp_shutdown(ws_conn_t* conn) {
  uv_shutdown_t* req;
  int r;

  req = ws__malloc(sizeof(*req));
  if (req == NULL)
    return WS_ENOMEM;
  r = uv_shutdown(req, (uv_stream_t*) &conn->tcp, ws__tcp_on_shutdown);
  if (r != 0)
    ws__free(req);
  return r;
}

static void ws__tcp_on_close(uv_handle_t* handle) {
  ws_conn_t* conn;

  conn = (ws_conn_t*) handle;
  conn->hub->io->on_closed(conn);
}

static void ws__tcp_close(ws_conn_t* conn) {
  uv_close((uv_handle_t*) &conn->tcp, ws__tcp_on_close);
}

static int ws__tcp_peer_addr(const ws_conn_t* conn,
                             struct sockaddr_storage* addr) {
  int len;

  len = (int) sizeof(*addr);
  return uv_tcp_getpeername(&conn->tcp, (struct sockaddr*) addr, &len);
}

const ws__transport_t ws__tcp_transport = {
  ws__tcp_read_start, ws__tcp_try_write, ws__tcp_write, ws__tcp_shutdown,
  ws__tcp_close, ws__tcp_peer_addr
};
