/* The server: listeners, accepting, the shared read buffer, one flush of
 * all pending output per loop iteration, and the asynchronous close. */
#include "uvws_int.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* One read buffer serves every connection: libuv reads one socket at a
 * time, and each read is fully consumed before the next. */
#define WS__READ_BUF_SIZE (64 * 1024)

typedef struct {
  uv_tcp_t tcp;
  ws_server_t* server;
  ws__list_t node;
} ws__listener_t;

void ws_server_options_init(ws_server_options_t* options) {
  memset(options, 0, sizeof(*options));
  options->max_message_size = 16 * 1024 * 1024;
  options->max_header_size = 8 * 1024;
  options->handshake_timeout = 10000;
  options->idle_timeout = 0;
  options->ping_interval = 30000;
  options->pong_timeout = 10000;
  options->close_timeout = 5000;
  options->max_connections = 10000;
  options->backlog = 511;
  options->max_queued_bytes = 64 * 1024 * 1024;
}

static int ws__options_valid(const ws_server_options_t* o) {
  return o->max_message_size > 0 && o->max_message_size <= WS_MAX_LIMIT &&
         o->max_queued_bytes <= WS_MAX_LIMIT && o->max_header_size >= 64 &&
         o->max_connections > 0 && o->backlog > 0 &&
         o->max_queued_bytes > 0 &&
         (o->ping_interval == 0 || o->pong_timeout > 0);
}

/* A tick a tenth of the shortest timeout keeps each within 10% of its value
 * without waking the loop more than needed. */
static uint64_t ws__wheel_tick(const ws_server_options_t* o) {
  uint64_t shortest;
  uint64_t values[5];
  int i;

  values[0] = o->handshake_timeout;
  values[1] = o->idle_timeout;
  values[2] = o->ping_interval;
  values[3] = o->pong_timeout;
  values[4] = o->close_timeout;
  shortest = 0;
  for (i = 0; i < 5; i++)
    if (values[i] != 0 && (shortest == 0 || values[i] < shortest))
      shortest = values[i];
  shortest /= 10;
  if (shortest < 5)
    return 5;
  return shortest > 1000 ? 1000 : shortest;
}

/* A write to a peer that has gone raises SIGPIPE, whose default action
 * kills the process; libuv does not prevent it on Linux. Ignore it, unless
 * the program chose what to do with it. */
static void ws__ignore_sigpipe(void) {
#ifdef SIGPIPE
  void (*old)(int);

  old = signal(SIGPIPE, SIG_IGN);
  if (old != SIG_DFL && old != SIG_ERR)
    signal(SIGPIPE, old);
#endif
}

int ws__hub_init(ws_server_t* hub, uv_loop_t* loop,
                 const ws_server_options_t* options) {
  hub->options = *options;
  if (!ws__options_valid(&hub->options))
    return WS_EINVAL;
  hub->read_buf_size = WS__READ_BUF_SIZE;
  hub->read_buf = ws__malloc(hub->read_buf_size);
  if (hub->read_buf == NULL)
    return WS_ENOMEM;
  ws__ignore_sigpipe();
  hub->loop = loop;
  ws__list_init(&hub->listeners);
  ws__list_init(&hub->conns);
  ws__list_init(&hub->dirty);
  ws__list_init(&hub->rooms);
  ws__list_init(&hub->batching_rooms);
  ws__wheel_init(&hub->wheel, ws__wheel_tick(&hub->options));
  uv_timer_init(loop, &hub->wheel.timer);
  uv_prepare_init(loop, &hub->flush);
  hub->handle_count = 2;
  return 0;
}

int ws_server_new(ws_server_t** pserver, uv_loop_t* loop,
                  const ws_server_options_t* options,
                  const ws_server_callbacks_t* callbacks) {
  ws_server_options_t defaults;
  ws_server_t* server;
  int r;

  if (pserver == NULL || loop == NULL)
    return WS_EINVAL;
  *pserver = NULL;
  if (options == NULL) {
    ws_server_options_init(&defaults);
    options = &defaults;
  }
  server = ws__calloc(1, sizeof(*server));
  if (server == NULL)
    return WS_ENOMEM;
  if (callbacks != NULL)
    server->callbacks = *callbacks;
  r = ws__hub_init(server, loop, options);
  if (r != 0) {
    ws__free(server);
    return r;
  }
  *pserver = server;
  return 0;
}

static void ws__on_alloc(uv_handle_t* handle, size_t suggested,
                         uv_buf_t* buf) {
  ws_server_t* server;

  (void) suggested;
  server = ((ws_conn_t*) handle)->server;
  if (server->read_buf_busy) {
    /* Only if a callback runs a nested loop; then read nothing now. */
    *buf = uv_buf_init(NULL, 0);
    return;
  }
  server->read_buf_busy = 1;
  *buf = uv_buf_init((char*) server->read_buf,
                     (unsigned int) server->read_buf_size);
}

static void ws__on_read(uv_stream_t* stream, ssize_t nread,
                        const uv_buf_t* buf) {
  ws_conn_t* conn;
  ws_server_t* server;

  conn = (ws_conn_t*) stream;
  server = conn->server;
  if (buf->base == (char*) server->read_buf)
    server->read_buf_busy = 0;
  if (nread > 0) {
    ws__conn_feed(conn, (unsigned char*) buf->base, (size_t) nread);
    /* Answers to one read go out together, at once, while they are hot;
     * what other callbacks queue waits for the flush before the poll. */
    if (ws__list_linked(&conn->dirty_node)) {
      ws__list_remove(&conn->dirty_node);
      ws__conn_flush(conn);
    }
  } else if (nread < 0) {
    ws__conn_on_eof(conn, (int) nread);
  }
}

void ws__conn_start_reading(ws_conn_t* conn) {
  int r;

  r = uv_read_start((uv_stream_t*) &conn->tcp, ws__on_alloc, ws__on_read);
  if (r != 0) {
    ws__conn_abort(conn, r);
    return;
  }
  uv_tcp_nodelay(&conn->tcp, 1);
}

static void ws__on_refused_closed(uv_handle_t* handle) {
  ws__free(handle);
}

static void ws__on_connection(uv_stream_t* listener, int status) {
  ws_server_t* server;
  ws_conn_t* conn;
  uv_tcp_t* spare;

  server = ((ws__listener_t*) listener)->server;
  if (status < 0)
    return; /* e.g. EMFILE: libuv keeps the listener going */
  conn = server->closing ? NULL : ws__conn_new(server);
  if (conn == NULL) {
    /* Take the connection off the backlog and drop it. */
    spare = ws__malloc(sizeof(*spare));
    if (spare == NULL)
      return;
    uv_tcp_init(server->loop, spare);
    uv_accept(listener, (uv_stream_t*) spare);
    uv_close((uv_handle_t*) spare, ws__on_refused_closed);
    return;
  }
  uv_tcp_init(server->loop, &conn->tcp);
  if (uv_accept(listener, (uv_stream_t*) &conn->tcp) != 0) {
    ws__conn_abort(conn, WS_EINTERNAL);
    return;
  }
  ws__conn_start_reading(conn);
  if (server->conn_count > server->options.max_connections)
    ws__conn_refuse(conn, 503);
}

static void ws__on_listener_closed(uv_handle_t* handle) {
  ws_server_t* server;

  server = ((ws__listener_t*) handle)->server;
  ws__free(handle);
  server->handle_count--;
  ws__server_maybe_closed(server);
}

int ws_server_listen(ws_server_t* server, const char* host, int port) {
  struct sockaddr_storage addr;
  ws__listener_t* listener;
  int r;

  if (server == NULL || host == NULL || port < 0 || port > 65535 ||
      server->closing)
    return WS_EINVAL;
  if (uv_ip4_addr(host, port, (struct sockaddr_in*) &addr) != 0 &&
      uv_ip6_addr(host, port, (struct sockaddr_in6*) &addr) != 0)
    return WS_EINVAL;
  listener = ws__calloc(1, sizeof(*listener));
  if (listener == NULL)
    return WS_ENOMEM;
  listener->server = server;
  uv_tcp_init(server->loop, &listener->tcp);
  server->handle_count++;
  r = uv_tcp_bind(&listener->tcp, (const struct sockaddr*) &addr, 0);
  if (r == 0)
    r = uv_listen((uv_stream_t*) &listener->tcp, server->options.backlog,
                  ws__on_connection);
  if (r != 0) {
    uv_close((uv_handle_t*) &listener->tcp, ws__on_listener_closed);
    return r;
  }
  ws__list_insert_tail(&server->listeners, &listener->node);
  return 0;
}

int ws_server_port(const ws_server_t* server) {
  struct sockaddr_storage addr;
  ws__listener_t* listener;
  int len;

  if (server == NULL || ws__list_empty(&server->listeners))
    return WS_EINVAL;
  listener = WS__CONTAINER_OF(server->listeners.next, ws__listener_t, node);
  len = (int) sizeof(addr);
  if (uv_tcp_getsockname(&listener->tcp, (struct sockaddr*) &addr, &len) != 0)
    return WS_EINVAL;
  if (addr.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6*) &addr)->sin6_port);
  return ntohs(((struct sockaddr_in*) &addr)->sin_port);
}

void ws__server_on_flush(uv_prepare_t* prepare) {
  ws_server_t* server;
  ws_conn_t* conn;

  server = WS__CONTAINER_OF(prepare, ws_server_t, flush);
  while (!ws__list_empty(&server->dirty)) {
    conn = WS__CONTAINER_OF(server->dirty.next, ws_conn_t, dirty_node);
    ws__list_remove(&conn->dirty_node);
    ws__conn_flush(conn);
  }
  ws__server_end_batches(server);
  uv_prepare_stop(&server->flush);
}

static void ws__on_server_handle_closed(uv_handle_t* handle) {
  ws_server_t* server;

  server = handle->data;
  server->handle_count--;
  ws__server_maybe_closed(server);
}

void ws__server_maybe_closed(ws_server_t* server) {
  if (!server->closing || server->conn_count > 0)
    return;
  if (!uv_is_closing((uv_handle_t*) &server->flush)) {
    server->flush.data = server;
    server->wheel.timer.data = server;
    uv_close((uv_handle_t*) &server->flush, ws__on_server_handle_closed);
    uv_close((uv_handle_t*) &server->wheel.timer,
             ws__on_server_handle_closed);
    return;
  }
  if (server->handle_count > 0)
    return;
  if (server->close_cb != NULL)
    server->close_cb(server);
  ws__server_destroy_rooms(server);
  ws__engine_pool_free(server);
  ws__outq_free_spare(&server->spare_seg);
  ws__free(server->read_buf);
  ws__free(server);
}

void ws_server_close(ws_server_t* server, ws_server_close_cb cb) {
  ws__listener_t* listener;
  ws__list_t* node;
  ws__list_t* next;
  ws_conn_t* conn;

  if (server == NULL || server->closing)
    return;
  server->closing = 1;
  server->close_cb = cb;
  while (!ws__list_empty(&server->listeners)) {
    listener = WS__CONTAINER_OF(server->listeners.next, ws__listener_t, node);
    ws__list_remove(&listener->node);
    uv_close((uv_handle_t*) &listener->tcp, ws__on_listener_closed);
  }
  for (node = server->conns.next; node != &server->conns; node = next) {
    next = node->next;
    conn = WS__CONTAINER_OF(node, ws_conn_t, node);
    if (conn->state == WS__CONN_HANDSHAKE ||
        conn->state == WS__CONN_CONNECTING)
      ws__conn_abort(conn, WS_ESHUTDOWN);
    else if (conn->state == WS__CONN_OPEN && !conn->close_queued)
      ws__conn_start_close(conn, WS_CLOSE_GOING_AWAY, "server shutting down",
                           20, WS_ESHUTDOWN);
  }
  ws__server_maybe_closed(server);
}

uv_loop_t* ws_server_loop(const ws_server_t* server) {
  return server->loop;
}

void* ws_server_get_data(const ws_server_t* server) {
  return server->data;
}

void ws_server_set_data(ws_server_t* server, void* data) {
  server->data = data;
}

size_t ws_server_connection_count(const ws_server_t* server) {
  return server->conn_count;
}
