/* An HTTP server of the application's own, on plain libuv, that answers
 * most requests itself and hands WebSocket upgrades to uvws with what it
 * already read: uvws then does the handshake, the frames and the close,
 * and gives the handle back to free. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uvws.h>

typedef struct {
  uv_tcp_t tcp;   /* first: the handle's memory is the client's */
  char head[8192];
  size_t len;
} client_t;

static ws_server_t* websockets;

static void on_message(ws_conn_t* conn, ws_opcode_t op, const void* data,
                       size_t len) {
  ws_conn_send(conn, op, data, len); /* echo */
}

static void free_client(uv_handle_t* handle) {
  free(handle); /* client_t starts with its handle */
}

static void on_written(uv_write_t* req, int status) {
  (void) status;
  uv_close((uv_handle_t*) req->handle, free_client);
  free(req);
}

static void answer_hello(client_t* c) {
  static const char page[] = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n"
                             "Connection: close\r\n\r\nhello\n";
  uv_write_t* req = malloc(sizeof(*req));
  uv_buf_t buf = uv_buf_init((char*) page, sizeof(page) - 1);

  if (req == NULL || uv_write(req, (uv_stream_t*) &c->tcp, &buf, 1,
                              on_written) != 0) {
    free(req);
    uv_close((uv_handle_t*) &c->tcp, free_client);
  }
}

static void on_alloc(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  client_t* c = (client_t*) handle;

  (void) size;
  /* One byte kept for the NUL that ends the head as a string. */
  *buf = uv_buf_init(c->head + c->len,
                     (unsigned int) (sizeof(c->head) - 1 - c->len));
}

static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  client_t* c = (client_t*) stream;

  (void) buf;
  if (nread < 0) {
    uv_close((uv_handle_t*) stream, free_client);
    return;
  }
  c->len += (size_t) nread;
  c->head[c->len] = '\0';
  if (strstr(c->head, "\r\n\r\n") == NULL) {
    if (c->len == sizeof(c->head) - 1) /* too long: not ours to serve */
      uv_close((uv_handle_t*) stream, free_client);
    return; /* the request head is not all here yet */
  }
  uv_read_stop(stream);
  /* An upgrade: uvws takes the connection and the bytes read so far. */
  if (strncmp(c->head, "GET /ws ", 8) == 0 &&
      ws_server_adopt(websockets, stream, c->head, c->len, free_client) == 0)
    return;
  answer_hello(c);
}

static void on_connection(uv_stream_t* listener, int status) {
  client_t* c;

  if (status < 0 || (c = calloc(1, sizeof(*c))) == NULL)
    return;
  uv_tcp_init(listener->loop, &c->tcp);
  if (uv_accept(listener, (uv_stream_t*) &c->tcp) != 0 ||
      uv_read_start((uv_stream_t*) &c->tcp, on_alloc, on_read) != 0)
    uv_close((uv_handle_t*) &c->tcp, free_client);
}

int main(void) {
  uv_loop_t* loop = uv_default_loop();
  ws_server_callbacks_t callbacks = { 0 };
  struct sockaddr_in addr;
  uv_tcp_t listener;
  int err;

  callbacks.on_message = on_message;
  if ((err = ws_server_new(&websockets, loop, NULL, &callbacks)) != 0) {
    fprintf(stderr, "adopt: %s\n", ws_strerror(err));
    return 1;
  }
  uv_ip4_addr("127.0.0.1", 8080, &addr);
  uv_tcp_init(loop, &listener);
  if ((err = uv_tcp_bind(&listener, (const struct sockaddr*) &addr, 0)) != 0 ||
      (err = uv_listen((uv_stream_t*) &listener, 128, on_connection)) != 0) {
    fprintf(stderr, "adopt: %s\n", uv_strerror(err));
    return 1;
  }
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop);
}
