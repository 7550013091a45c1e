/* Servers: listeners, accepting connections up to max_connections, and
 * the server role: connections that were accepted, answer an upgrade
 * request and get masked frames. */
#include "uvws_int.h"

#include <inttypes.h>
#include <string.h>

typedef struct {
  uv_tcp_t tcp;
  ws_server_t* server;
  ws__list_t node;
  ws__tls_ctx_t* tls;   /* NULL: plaintext */
} ws__listener_t;

/* Refused or dropped before the 101: nobody to tell. */
static int ws__server_closed(ws_conn_t* conn) {
  (void) conn;
  return 0;
}

/* Its id names it no more, and it leaves its rooms. */
static void ws__server_conn_closing(ws_conn_t* conn) {
  ws_server_t* server;

  server = (ws_server_t*) conn->hub;
  if (ws__conn_id_of(conn) != 0)
    ws__mailbox_forget(&server->mailbox, conn);
  ws__conn_leave_rooms(conn);
}

static void ws__server_release(ws_conn_t* conn) {
  ws__group_uncount(conn, (ws_server_t*) conn->hub);
}

static void ws__server_flushed(ws__hub_t* hub) {
  ws__server_end_batches((ws_server_t*) hub);
}

/* The close callback comes once for the group, from the last of its
 * loops to close. */
static void ws__server_hub_closed(ws__hub_t* hub) {
  ws_server_close_cb close_cb;
  ws_server_t* server;
  ws__group_t* group;

  server = (ws_server_t*) hub;
  group = server->group;
  /* No group: an attached server that could not join one. */
  if (group != NULL && ws__group_closed(server, &close_cb)) {
    if (close_cb != NULL)
      close_cb(server);
    ws__shared_rooms_free(group);
    ws__group_destroy(group);
  }
  ws__server_destroy_rooms(server);
  ws__free(server);
}

const ws__role_t ws__server_role = {
  HTTP_REQUEST,
  WS__CONN_HANDSHAKE,
  0, /* frames sent unmasked */
  1, /* frames received masked */
  wslay_event_context_server_init,
  ws__handshake_server,
  NULL, /* no masking keys */
  ws__server_conn_closing,
  ws__server_closed,
  ws__server_release,
  ws__server_flushed,
  ws__server_hub_closed
};

static void ws__server_defaults(ws_server_options_t* options) {
  memset(options, 0, sizeof(*options));
  options->max_message_size = 16 * 1024 * 1024;
  options->max_header_size = 8 * 1024;
  options->handshake_timeout = 10000;
  options->idle_timeout = 0;
  options->ping_interval = 30000;
  options->pong_timeout = 10000;
  options->close_timeout = 5000;
  options->backlog = 511;
  options->max_queued_bytes = 64 * 1024 * 1024;
  options->log_level = WS_LOG_INFO;
  options->max_posts_per_wakeup = WS__POSTS_PER_WAKEUP;
}

void ws_server_options_init_sized(ws_server_options_t* options,
                                  size_t size) {
  ws_server_options_t defaults;

  if (options == NULL)
    return;
  ws__server_defaults(&defaults);
  ws__init_sized(options, size, &defaults, sizeof(defaults));
}

/* Undoes ws__server_make() once its handles exist: they close from the
 * loop, then the server is freed, with no close callback. */
static void ws__server_unmake(ws_server_t* server) {
  ws__mailbox_close(&server->mailbox);
  ws__group_close_channels(server);
  ws__hub_close(&server->hub);
}

/* A server on loop with o and cb, and its mailbox; the first of a group
 * (ws_server_new()) makes the group too. */
static int ws__server_make(ws_server_t** pserver, uv_loop_t* loop,
                           const ws_server_options_t* o,
                           const ws_server_callbacks_t* cb, int first) {
  ws_server_t* server;
  int r;

  server = ws__calloc(1, sizeof(*server));
  if (server == NULL)
    return WS_ENOMEM;
  if (first && ws__group_new(server) != 0) {
    ws__free(server);
    return WS_ENOMEM;
  }
  r = ws__hub_init(&server->hub, loop, &ws__server_role, &ws__conn_io, o);
  if (r != 0) {
    if (server->group != NULL)
      ws__group_destroy(server->group);
    ws__free(server);
    return r;
  }
  server->callbacks = *cb;
  server->hub.callbacks.on_open = cb->on_open;
  server->hub.callbacks.on_message = cb->on_message;
  server->hub.callbacks.on_pong = cb->on_pong;
  server->hub.callbacks.on_close = cb->on_close;
  server->hub.callbacks.on_peer_close = cb->on_peer_close;
  server->hub.callbacks.on_drain = cb->on_drain;
  ws__list_init(&server->listeners);
  ws__list_init(&server->rooms);
  ws__list_init(&server->batching_rooms);
  /* Fails only if the system cannot make a mutex or grow the registry
   * (not through ws_replace_allocator()'s functions): the handles made
   * already close from the loop. */
  r = ws__mailbox_open(&server->mailbox, server);
  if (r != 0) {
    ws__server_unmake(server);
    return r;
  }
  *pserver = server;
  return 0;
}

int ws_server_new_sized(ws_server_t** pserver, uv_loop_t* loop,
                        const ws_server_options_t* options,
                        size_t options_size,
                        const ws_server_callbacks_t* callbacks,
                        size_t callbacks_size) {
  ws_server_options_t o;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  int r;

  if (pserver == NULL || loop == NULL)
    return WS_EINVAL;
  *pserver = NULL;
  ws__server_defaults(&o);
  memset(&cb, 0, sizeof(cb));
  if ((options != NULL &&
       ws__copy_sized(&o, sizeof(o), options, options_size,
                      WS__SERVER_OPTIONS_MIN) != 0) ||
      (callbacks != NULL &&
       ws__copy_sized(&cb, sizeof(cb), callbacks, callbacks_size,
                      WS__SERVER_CALLBACKS_MIN) != 0))
    return WS_EINVAL;
  r = ws__server_make(&server, loop, &o, &cb, 1);
  if (r != 0)
    return r;
  *pserver = server;
  return 0;
}

int ws_server_attach(ws_server_t* first, uv_loop_t* loop,
                     ws_server_t** pserver) {
  ws_server_t* server;
  int r;

  if (pserver == NULL)
    return WS_EINVAL;
  *pserver = NULL;
  if (first == NULL || loop == NULL)
    return WS_EINVAL;
  /* The options, the callbacks and the user data are the first server's;
   * what its loop's thread may change later (the data) is read here
   * once. */
  r = ws__server_make(&server, loop, &first->hub.options, &first->callbacks,
                      0);
  if (r != 0)
    return r;
  server->hub.data = first->hub.data;
  r = ws__group_attach(first, server);
  if (r != 0) {
    ws__server_unmake(server);
    return r;
  }
  *pserver = server;
  return 0;
}

static void ws__on_connection(uv_stream_t* listener, int status) {
  ws_server_t* server;

  server = ((ws__listener_t*) listener)->server;
  if (status < 0) {
    /* e.g. EMFILE: libuv keeps the listener going */
    WS__COUNT(&server->hub, accept_errors);
    WS__LOG(&server->hub, WS_LOG_ERROR, NULL, "accept failed: %s",
            uv_strerror(status));
    return;
  }
  ws__group_accept(server, listener, ((ws__listener_t*) listener)->tls);
}

int ws_server_adopt(ws_server_t* server, uv_stream_t* stream,
                    const void* data, size_t len, uv_close_cb close_cb) {
  ws_conn_t* conn;
  int r;

  if (server == NULL || stream == NULL || (data == NULL && len > 0))
    return WS_EINVAL;
  if (server->hub.closing)
    return WS_ESHUTDOWN;
  if ((stream->type != UV_TCP && stream->type != UV_NAMED_PIPE) ||
      stream->loop != server->hub.loop ||
      uv_is_closing((const uv_handle_t*) stream) ||
      !uv_is_readable(stream) || !uv_is_writable(stream))
    return WS_EINVAL;
  conn = ws__conn_new(&server->hub);
  if (conn == NULL)
    return WS_ENOMEM;
  r = ws__stream_adopt(conn, stream, data, len, close_cb);
  if (r != 0) {
    ws__conn_free(conn);
    return r;
  }
  WS__COUNT(&server->hub, connections_accepted);
  if (!ws__group_admit(conn, server))
    ws__group_refuse_full(conn);
  return 0;
}

static void ws__on_listener_closed(uv_handle_t* handle) {
  ws_server_t* server;

  server = ((ws__listener_t*) handle)->server;
  ws__tls_ctx_unref(((ws__listener_t*) handle)->tls);
  ws__free(handle);
  server->hub.handle_count--;
  ws__hub_maybe_closed(&server->hub);
}

static int ws__addr_port(const struct sockaddr_storage* addr) {
  if (addr->ss_family == AF_INET6)
    return ntohs(((const struct sockaddr_in6*) addr)->sin6_port);
  return ntohs(((const struct sockaddr_in*) addr)->sin_port);
}

static void ws__addr_set_port(struct sockaddr_storage* addr, int port) {
  if (addr->ss_family == AF_INET6)
    ((struct sockaddr_in6*) addr)->sin6_port = htons((unsigned short) port);
  else
    ((struct sockaddr_in*) addr)->sin_port = htons((unsigned short) port);
}

static int ws__listener_port(const ws__listener_t* listener) {
  struct sockaddr_storage addr;
  int len;

  len = (int) sizeof(addr);
  if (uv_tcp_getsockname(&listener->tcp, (struct sockaddr*) &addr, &len) != 0)
    return WS_EINVAL;
  return ws__addr_port(&addr);
}

/* Binds and listens on addr; on failure the handle is closing already. */
static int ws__listener_open(ws_server_t* server,
                             const struct sockaddr_storage* addr,
                             unsigned int flags, ws__tls_ctx_t* tls,
                             ws__listener_t** plistener) {
  ws__listener_t* listener;
  int r;

  listener = ws__calloc(1, sizeof(*listener));
  if (listener == NULL)
    return WS_ENOMEM;
  listener->server = server;
  if (tls != NULL) {
    ws__tls_ctx_ref(tls);
    listener->tls = tls;
  }
  uv_tcp_init(server->hub.loop, &listener->tcp);
  server->hub.handle_count++;
  r = uv_tcp_bind(&listener->tcp, (const struct sockaddr*) addr, flags);
  if (r == 0)
    r = uv_listen((uv_stream_t*) &listener->tcp, server->hub.options.backlog,
                  ws__on_connection);
  if (r != 0) {
    uv_close((uv_handle_t*) &listener->tcp, ws__on_listener_closed);
    return r;
  }
  *plistener = listener;
  return 0;
}

/* Whether an address of the list came before ai with the same address. */
static int ws__addr_repeated(const struct addrinfo* list,
                             const struct addrinfo* ai) {
  for (; list != ai; list = list->ai_next)
    if (list->ai_family == ai->ai_family &&
        list->ai_addrlen == ai->ai_addrlen &&
        memcmp(list->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0)
      return 1;
  return 0;
}

static int ws__listen_addrs(ws_server_t* server, const struct addrinfo* list,
                            int port, ws__tls_ctx_t* tls) {
  struct sockaddr_storage addr;
  const struct addrinfo* ai;
  ws__listener_t* listener;
  ws__list_t opened;
  int skipped;
  int r;

  ws__list_init(&opened);
  skipped = 0;
  r = 0;
  for (ai = list; ai != NULL; ai = ai->ai_next) {
    if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
        ai->ai_addrlen > sizeof(addr) || ws__addr_repeated(list, ai))
      continue;
    memset(&addr, 0, sizeof(addr));
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    ws__addr_set_port(&addr, port);
    /* IPv6-only, so that the name's IPv4 addresses can take the port. */
    r = ws__listener_open(server, &addr,
                          ai->ai_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0,
                          tls, &listener);
    if (r == UV_EADDRNOTAVAIL || r == UV_EAFNOSUPPORT) {
      if (skipped == 0)
        skipped = r;
      continue;
    }
    if (r != 0)
      break;
    ws__list_insert_tail(&opened, &listener->node);
    if (port == 0) {
      port = ws__listener_port(listener);
      if (port < 0) {
        r = port;
        break;
      }
    }
  }
  if (r == 0 && ws__list_empty(&opened))
    r = skipped != 0 ? skipped : UV_EAFNOSUPPORT;
  if (r != 0) {
    while (!ws__list_empty(&opened)) {
      listener = WS__CONTAINER_OF(opened.next, ws__listener_t, node);
      ws__list_remove(&listener->node);
      uv_close((uv_handle_t*) &listener->tcp, ws__on_listener_closed);
    }
    return r;
  }
  while (!ws__list_empty(&opened)) {
    listener = WS__CONTAINER_OF(opened.next, ws__listener_t, node);
    ws__list_remove(&listener->node);
    ws__list_insert_tail(&server->listeners, &listener->node);
  }
  return 0;
}

int ws__server_listen_addrs(ws_server_t* server, const struct addrinfo* list,
                            int port) {
  return ws__listen_addrs(server, list, port, NULL);
}

static int ws__server_listen(ws_server_t* server, const char* host, int port,
                             ws__tls_ctx_t* tls) {
  struct sockaddr_storage addr;
  struct addrinfo hints;
  ws__listener_t* listener;
  uv_getaddrinfo_t req;
  int r;

  if (server == NULL || host == NULL || *host == '\0' || port < 0 ||
      port > 65535 || server->hub.closing)
    return WS_EINVAL;
  /* An address literal: exactly that address (dual-stack for "::"). */
  if (uv_ip4_addr(host, port, (struct sockaddr_in*) &addr) == 0 ||
      uv_ip6_addr(host, port, (struct sockaddr_in6*) &addr) == 0) {
    r = ws__listener_open(server, &addr, 0, tls, &listener);
    if (r == 0)
      ws__list_insert_tail(&server->listeners, &listener->node);
    return r;
  }
  /* A name: looked up once, now (no callback: uv_getaddrinfo blocks). */
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  r = uv_getaddrinfo(server->hub.loop, &req, NULL, host, NULL, &hints);
  if (r != 0)
    return r;
  r = ws__listen_addrs(server, req.addrinfo, port, tls);
  uv_freeaddrinfo(req.addrinfo);
  return r;
}

int ws_server_listen(ws_server_t* server, const char* host, int port) {
  return ws__server_listen(server, host, port, NULL);
}

void ws_tls_options_init_sized(ws_tls_options_t* options, size_t size) {
  ws_tls_options_t defaults;

  if (options == NULL)
    return;
  memset(&defaults, 0, sizeof(defaults));
  ws__init_sized(options, size, &defaults, sizeof(defaults));
}

int ws_server_listen_tls_sized(ws_server_t* server, const char* host,
                               int port, const ws_tls_options_t* options,
                               size_t options_size) {
  ws_tls_options_t o;
  ws__tls_ctx_t* tls;
  int r;

  if (options == NULL)
    return WS_EINVAL;
  ws_tls_options_init(&o);
  if (ws__copy_sized(&o, sizeof(o), options, options_size,
                     WS__TLS_OPTIONS_MIN) != 0)
    return WS_EINVAL;
  if (server == NULL || server->hub.closing)
    return WS_EINVAL;
  r = ws__tls_server_ctx_new(&tls, &o);
  if (r != 0)
    return r;
  r = ws__server_listen(server, host, port, tls);
  ws__tls_ctx_unref(tls); /* the listeners hold it */
  return r;
}

int ws_server_port(const ws_server_t* server) {
  if (server == NULL || ws__list_empty(&server->listeners))
    return WS_EINVAL;
  return ws__listener_port(
      WS__CONTAINER_OF(server->listeners.next, ws__listener_t, node));
}

/* Posted to the group's other servers by the first close: each closes
 * (or shuts down, with the same deadline) from its own loop. */
typedef struct {
  ws__post_t post;
  int shutdown;
  uint64_t timeout_ms;
} ws__close_post_t;

static void ws__server_close_post_cb(ws__post_t* post, ws_server_t* server,
                                     int status) {
  ws__close_post_t* p;

  p = (ws__close_post_t*) post;
  if (status == 0 && (!p->shutdown ||
                      ws_server_shutdown(server, p->timeout_ms, NULL) != 0))
    ws_server_close(server, NULL);
  ws__free(p);
}

/* Closes every other server of the group, from its own loop. */
static void ws__server_close_group(ws_server_t* server, int shutdown,
                                   uint64_t timeout_ms,
                                   ws_server_close_cb cb) {
  unsigned int slots[WS__GROUP_MAX];
  ws__close_post_t* p;
  unsigned int n;
  unsigned int i;

  n = ws__group_begin_close(server, cb, slots);
  for (i = 0; i < n; i++) {
    /* Without memory for the post, that loop's server stays open until
     * its own ws_server_close(). */
    p = ws__malloc(sizeof(*p));
    if (p == NULL)
      continue;
    p->post.cb = ws__server_close_post_cb;
    p->shutdown = shutdown;
    p->timeout_ms = timeout_ms;
    if (ws__post(slots[i], &p->post) != 0)
      ws__free(p); /* closing already */
  }
}

static void ws__server_close_local(ws_server_t* server, int shutdown,
                                   uint64_t timeout_ms,
                                   ws_server_close_cb cb) {
  ws__listener_t* listener;

  ws__server_close_group(server, shutdown, timeout_ms, cb);
  ws__mailbox_close(&server->mailbox);
  ws__group_close_channels(server);
  while (!ws__list_empty(&server->listeners)) {
    listener = WS__CONTAINER_OF(server->listeners.next, ws__listener_t, node);
    ws__list_remove(&listener->node);
    uv_close((uv_handle_t*) &listener->tcp, ws__on_listener_closed);
  }
  ws__hub_close_conns(&server->hub);
  ws__hub_close(&server->hub);
}

int ws_server_shutdown(ws_server_t* server, uint64_t timeout_ms,
                       ws_server_close_cb cb) {
  int r;

  if (server == NULL)
    return WS_EINVAL;
  if (server->hub.closing)
    return WS_ESHUTDOWN;
  WS__LOG(&server->hub, WS_LOG_INFO, NULL,
          "shutting down: %lu connections, %" PRIu64 " ms to close",
          (unsigned long) server->hub.conn_count, timeout_ms);
  r = ws__hub_close_within(&server->hub, timeout_ms);
  if (r != 0)
    return r;
  ws__server_close_local(server, 1, timeout_ms, cb);
  return 0;
}

int ws_server_tls_port(const ws_server_t* server) {
  const ws__list_t* node;
  const ws__listener_t* listener;

  if (server == NULL)
    return WS_EINVAL;
  for (node = server->listeners.next; node != &server->listeners;
       node = node->next) {
    listener = WS__CONTAINER_OF(node, ws__listener_t, node);
    if (listener->tls != NULL)
      return ws__listener_port(listener);
  }
  return WS_EINVAL;
}

void ws_server_close(ws_server_t* server, ws_server_close_cb cb) {
  if (server == NULL || server->hub.closing)
    return;
  ws__server_close_local(server, 0, 0, cb);
}

uv_loop_t* ws_server_loop(const ws_server_t* server) {
  return server->hub.loop;
}

void* ws_server_get_data(const ws_server_t* server) {
  return server->hub.data;
}

void ws_server_set_data(ws_server_t* server, void* data) {
  server->hub.data = data;
}

size_t ws_server_connection_count(const ws_server_t* server) {
  return server->hub.conn_count;
}
