/* Clients: a ws_client_t is a hub whose connections dial out: the URL,
 * DNS, TCP connect and the upgrade request; and the client role, whose
 * frames are masked and whose failures before open are reported. The
 * response is checked in handshake.c. */
#include "uvws_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ws_client_s {
  ws__hub_t hub; /* first */
  ws_client_callbacks_t callbacks;
  ws__rng_t rng; /* handshake nonces and masking keys */
  ws_client_close_cb close_cb;
  ws__tls_ctx_t* tls; /* made for the first wss:// URL, unless options
                         made it from the start */
};

static ws_client_t* ws__client_of(const ws_conn_t* conn) {
  return (ws_client_t*) conn->hub;
}

/* ---- The client role ---- */

static void ws__client_mask_key(ws_conn_t* conn, unsigned char key[4]) {
  ws__rng_bytes(&ws__client_of(conn)->rng, key, 4);
}

/* A connection that failed before it opened says why, once; one whose
 * DNS lookup still runs is freed by the lookup's callback. */
static int ws__client_closed(ws_conn_t* conn) {
  ws_client_t* client;
  ws__dial_t* dial;

  client = ws__client_of(conn);
  dial = conn->extra != NULL ? conn->extra->dial : NULL;
  if (!conn->opened && (dial == NULL || !dial->silent) &&
      client->callbacks.on_connect_error != NULL)
    client->callbacks.on_connect_error(
        conn, conn->error != 0 ? conn->error : WS_EINTERNAL);
  if (dial == NULL || !dial->dns_busy)
    return 0;
  uv_cancel((uv_req_t*) &dial->dns);
  return 1;
}

static void ws__dial_free(ws__dial_t* dial) {
  if (dial == NULL)
    return;
  ws__free(dial->host);
  ws__free(dial->request);
  ws__free(dial->offered);
  ws__free(dial);
}

static void ws__client_release(ws_conn_t* conn) {
  if (conn->extra == NULL)
    return;
  ws__dial_free(conn->extra->dial);
  conn->extra->dial = NULL;
}

static void ws__client_closing(ws_conn_t* conn) {
  (void) conn;
}

static void ws__client_hub_closed(ws__hub_t* hub) {
  ws_client_t* client;

  client = (ws_client_t*) hub;
  if (client->close_cb != NULL)
    client->close_cb(client);
  ws__tls_ctx_unref(client->tls);
  ws__free(client);
}

const ws__role_t ws__client_role = {
  HTTP_RESPONSE,
  WS__CONN_CONNECTING,
  1, /* frames sent masked */
  0, /* frames received unmasked */
  wslay_event_context_client_init,
  ws__handshake_client,
  ws__client_mask_key,
  ws__client_closing,
  ws__client_closed,
  ws__client_release,
  NULL, /* nothing to do after a flush */
  ws__client_hub_closed
};

static void ws__client_defaults(ws_client_options_t* options) {
  ws_server_options_t server;

  ws_server_options_init(&server);
  memset(options, 0, sizeof(*options));
  options->max_message_size = server.max_message_size;
  options->max_header_size = server.max_header_size;
  options->connect_timeout = server.handshake_timeout;
  options->idle_timeout = 0;
  options->ping_interval = 0;
  options->pong_timeout = server.pong_timeout;
  options->close_timeout = server.close_timeout;
  options->max_queued_bytes = server.max_queued_bytes;
  options->log_level = server.log_level;
}

void ws_client_options_init_sized(ws_client_options_t* options,
                                  size_t size) {
  ws_client_options_t defaults;

  if (options == NULL)
    return;
  ws__client_defaults(&defaults);
  ws__init_sized(options, size, &defaults, sizeof(defaults));
}

void ws_connect_options_init_sized(ws_connect_options_t* options,
                                   size_t size) {
  ws_connect_options_t defaults;

  if (options == NULL)
    return;
  memset(&defaults, 0, sizeof(defaults));
  ws__init_sized(options, size, &defaults, sizeof(defaults));
}

int ws_client_new_sized(ws_client_t** pclient, uv_loop_t* loop,
                        const ws_client_options_t* options,
                        size_t options_size,
                        const ws_client_callbacks_t* callbacks,
                        size_t callbacks_size) {
  ws_client_options_t o;
  ws_client_callbacks_t cb;
  ws_server_options_t limits;
  ws_client_t* client;
  int r;

  if (pclient == NULL || loop == NULL)
    return WS_EINVAL;
  *pclient = NULL;
  ws__client_defaults(&o);
  memset(&cb, 0, sizeof(cb));
  if ((options != NULL &&
       ws__copy_sized(&o, sizeof(o), options, options_size,
                      WS__CLIENT_OPTIONS_MIN) != 0) ||
      (callbacks != NULL &&
       ws__copy_sized(&cb, sizeof(cb), callbacks, callbacks_size,
                      WS__CLIENT_CALLBACKS_MIN) != 0))
    return WS_EINVAL;
  ws_server_options_init(&limits);
  limits.max_message_size = o.max_message_size;
  limits.max_header_size = o.max_header_size;
  limits.handshake_timeout = o.connect_timeout;
  limits.idle_timeout = o.idle_timeout;
  limits.ping_interval = o.ping_interval;
  limits.pong_timeout = o.pong_timeout;
  limits.close_timeout = o.close_timeout;
  limits.max_queued_bytes = o.max_queued_bytes;
  limits.data = o.data;
  limits.drain_low_water = o.drain_low_water;
  limits.log_cb = o.log_cb;
  limits.log_level = o.log_level;
  limits.deflate = o.deflate;
  limits.deflate_window_bits = o.deflate_window_bits;
  limits.deflate_mem_level = o.deflate_mem_level;
  limits.deflate_threshold = o.deflate_threshold;
  limits.deflate_max_takeover = o.deflate_max_takeover;
  client = ws__calloc(1, sizeof(*client));
  if (client == NULL)
    return WS_ENOMEM;
  r = ws__rng_init(&client->rng);
  /* TLS settings are checked now, even if no wss:// URL comes. */
  if (r == 0 && (o.tls_ca_file != NULL || o.tls_ctx != NULL))
    r = ws__tls_client_ctx_new(&client->tls, o.tls_ca_file, o.tls_ctx);
  if (r == 0)
    r = ws__hub_init(&client->hub, loop, &ws__client_role, &ws__conn_io,
                     &limits);
  if (r != 0) {
    ws__tls_ctx_unref(client->tls);
    ws__free(client);
    return r;
  }
  client->callbacks = cb;
  client->hub.callbacks.on_open = cb.on_open;
  client->hub.callbacks.on_message = cb.on_message;
  client->hub.callbacks.on_pong = cb.on_pong;
  client->hub.callbacks.on_close = cb.on_close;
  client->hub.callbacks.on_peer_close = cb.on_peer_close;
  client->hub.callbacks.on_drain = cb.on_drain;
  *pclient = client;
  return 0;
}

void ws_client_close(ws_client_t* client, ws_client_close_cb cb) {
  if (client == NULL || client->hub.closing)
    return;
  client->close_cb = cb;
  ws__hub_close_conns(&client->hub);
  ws__hub_close(&client->hub);
}

void* ws_client_get_data(const ws_client_t* client) {
  return client->hub.data;
}

void ws_client_set_data(ws_client_t* client, void* data) {
  client->hub.data = data;
}


/* ---- The URL and the request ---- */

static int ws__is_text(const char* s) {
  for (; *s != '\0'; s++)
    if ((unsigned char) *s <= ' ' || *s == 0x7f)
      return 0;
  return 1;
}

/* Splits "ws://host[:port][/path][?query]" or "wss://...". */
static int ws__parse_url(const char* url, ws__dial_t* dial,
                         const char** host, size_t* host_len,
                         const char** target, int* port) {
  const char* p;
  const char* end;
  long value;

  if (url == NULL || !ws__is_text(url))
    return WS_EINVAL;
  if (strncmp(url, "ws://", 5) == 0)
    p = url + 5;
  else if (strncmp(url, "wss://", 6) == 0)
    p = url + 6;
  else
    return WS_EINVAL;
  dial->tls = p == url + 6;
  if (*p == '[') {
    end = strchr(p, ']');
    if (end == NULL)
      return WS_EINVAL;
    *host = p;
    *host_len = (size_t) (end + 1 - p);
    dial->host = ws__strndup(p + 1, (size_t) (end - p - 1));
    p = end + 1;
  } else {
    end = p + strcspn(p, ":/?");
    *host = p;
    *host_len = (size_t) (end - p);
    dial->host = ws__strndup(p, (size_t) (end - p));
    p = end;
  }
  if (dial->host == NULL)
    return WS_ENOMEM;
  if (dial->host[0] == '\0')
    return WS_EINVAL;
  *port = dial->tls ? 443 : 80;
  if (*p == ':') {
    value = strtol(p + 1, (char**) &end, 10);
    if (end == p + 1 || value < 1 || value > 65535 ||
        (*end != '\0' && *end != '/' && *end != '?'))
      return WS_EINVAL;
    *port = (int) value;
    p = end;
  }
  snprintf(dial->port, sizeof(dial->port), "%d", *port);
  *target = p;
  return 0;
}

static int ws__valid_token(const char* s) {
  if (s == NULL || *s == '\0')
    return 0;
  for (; *s != '\0'; s++)
    if ((unsigned char) *s <= ' ' || *s == ',' || *s == 0x7f)
      return 0;
  return 1;
}

static int ws__valid_header_line(const char* s) {
  const char* colon;

  colon = s != NULL ? strchr(s, ':') : NULL;
  if (colon == NULL || colon == s || strpbrk(s, "\r\n") != NULL)
    return 0;
  return 1;
}

/* A growing string that remembers running out of memory. */
typedef struct {
  char* data;
  size_t len;
  size_t cap;
  int failed;
} ws__str_t;

static void ws__str_add(ws__str_t* s, const char* p, size_t n) {
  char* grown;

  if (s->failed)
    return;
  if (s->len + n + 1 > s->cap) {
    grown = ws__realloc(s->data, (s->len + n + 1) * 2);
    if (grown == NULL) {
      s->failed = 1;
      return;
    }
    s->data = grown;
    s->cap = (s->len + n + 1) * 2;
  }
  memcpy(s->data + s->len, p, n);
  s->len += n;
  s->data[s->len] = '\0';
}

static void ws__str_puts(ws__str_t* s, const char* p) {
  ws__str_add(s, p, strlen(p));
}

static int ws__build_request(ws__dial_t* dial, ws_client_t* client,
                             const char* host, size_t host_len,
                             const char* target, int port,
                             const ws_connect_options_t* o) {
  unsigned char nonce[16];
  ws__str_t offered;
  ws__str_t req;
  char key[25];
  char port_text[16];
  size_t i;

  ws__rng_bytes(&client->rng, nonce, sizeof(nonce));
  ws__base64_encode(nonce, sizeof(nonce), key);
  ws__accept_key(key, dial->accept);
  memset(&req, 0, sizeof(req));
  memset(&offered, 0, sizeof(offered));
  ws__str_puts(&req, *target == '/' ? "GET " : "GET /");
  ws__str_puts(&req, target);
  ws__str_puts(&req, " HTTP/1.1\r\nHost: ");
  ws__str_add(&req, host, host_len); /* an IPv6 address keeps its [] */
  if (port != (dial->tls ? 443 : 80)) {
    snprintf(port_text, sizeof(port_text), ":%d", port);
    ws__str_puts(&req, port_text);
  }
  ws__str_puts(&req, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ");
  ws__str_puts(&req, key);
  ws__str_puts(&req, "\r\n");
  for (i = 0; o != NULL && i < o->subprotocol_count; i++) {
    if (i > 0)
      ws__str_puts(&offered, ", ");
    ws__str_puts(&offered, o->subprotocols[i]);
  }
  if (offered.len > 0) {
    ws__str_puts(&req, "Sec-WebSocket-Protocol: ");
    ws__str_add(&req, offered.data, offered.len);
    ws__str_puts(&req, "\r\n");
  }
  if (client->hub.options.deflate && ws__deflate_available()) {
    ws__str_puts(&req, "Sec-WebSocket-Extensions: ");
    ws__str_puts(&req, ws__pmd_client_offer(&client->hub));
    ws__str_puts(&req, "\r\n");
    dial->deflate_offered = 1;
  }
  if (o != NULL && o->origin != NULL) {
    ws__str_puts(&req, "Origin: ");
    ws__str_puts(&req, o->origin);
    ws__str_puts(&req, "\r\n");
  }
  for (i = 0; o != NULL && i < o->header_count; i++) {
    ws__str_puts(&req, o->headers[i]);
    ws__str_puts(&req, "\r\n");
  }
  ws__str_puts(&req, "\r\n");
  if (req.failed || offered.failed) {
    ws__free(req.data);
    ws__free(offered.data);
    return WS_ENOMEM;
  }
  dial->request = req.data;
  dial->request_len = req.len;
  dial->offered = offered.data;
  return 0;
}

static int ws__connect_options_valid(const ws_connect_options_t* o) {
  size_t i;

  if (o == NULL)
    return 1;
  if (o->local_addr != NULL && o->local_addr->sa_family != AF_INET &&
      o->local_addr->sa_family != AF_INET6)
    return 0;
  if ((o->subprotocol_count > 0 && o->subprotocols == NULL) ||
      (o->header_count > 0 && o->headers == NULL) ||
      (o->origin != NULL && strpbrk(o->origin, "\r\n") != NULL))
    return 0;
  for (i = 0; i < o->subprotocol_count; i++)
    if (!ws__valid_token(o->subprotocols[i]))
      return 0;
  for (i = 0; i < o->header_count; i++)
    if (!ws__valid_header_line(o->headers[i]))
      return 0;
  return 1;
}

/* ---- Connecting ---- */

static void ws__on_connected(uv_connect_t* req, int status) {
  ws__dial_t* dial;
  ws_conn_t* conn;

  dial = WS__CONTAINER_OF(req, ws__dial_t, connect);
  conn = dial->conn;
  if (status == UV_ECANCELED || conn->state == WS__CONN_CLOSED)
    return;
  if (status < 0) {
    ws__conn_abort(conn, status);
    return;
  }
  conn->state = WS__CONN_HANDSHAKE;
  status = ws__conn_transport(conn)->read_start(conn);
  if (status != 0) {
    ws__conn_abort(conn, status);
    return;
  }
  if (ws__conn_busy(conn) == NULL ||
      ws__outq_append(&conn->busy->out, dial->request, dial->request_len,
                      NULL, 0) != 0) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  ws__conn_mark_dirty(conn);
}

static void ws__on_resolved(uv_getaddrinfo_t* req, int status,
                            struct addrinfo* res) {
  ws__dial_t* dial;
  ws_conn_t* conn;
  int r;

  dial = WS__CONTAINER_OF(req, ws__dial_t, dns);
  conn = dial->conn;
  dial->dns_busy = 0;
  if (conn->state == WS__CONN_CLOSED) {
    uv_freeaddrinfo(res);
    if (conn->free_pending)
      ws__conn_free(conn);
    return;
  }
  if (status < 0) {
    ws__conn_abort(conn, status);
    return;
  }
  r = uv_tcp_connect(&dial->connect, &conn->tcp, res->ai_addr,
                     ws__on_connected);
  uv_freeaddrinfo(res);
  if (r != 0)
    ws__conn_abort(conn, r);
}

/* An IPv4 or IPv6 literal needs no lookup: connect at once, sparing a
 * round trip through libuv's thread pool. Returns 1 if it was one. */
static int ws__dial_literal(ws__dial_t* dial, int port, int* err) {
  struct sockaddr_storage addr;

  if (uv_ip4_addr(dial->host, port, (struct sockaddr_in*) &addr) != 0 &&
      uv_ip6_addr(dial->host, port, (struct sockaddr_in6*) &addr) != 0)
    return 0;
  if (dial->local.ss_family != AF_UNSPEC &&
      dial->local.ss_family != addr.ss_family)
    *err = WS_EINVAL;
  else
    *err = uv_tcp_connect(&dial->connect, &dial->conn->tcp,
                          (const struct sockaddr*) &addr, ws__on_connected);
  return 1;
}

/* Copies the options' local address, if any, for ws__dial_bind(). */
static void ws__dial_set_local(ws__dial_t* dial,
                               const ws_connect_options_t* options) {
  const struct sockaddr* local;

  local = options != NULL ? options->local_addr : NULL;
  if (local == NULL)
    return;
  if (local->sa_family == AF_INET6)
    memcpy(&dial->local, local, sizeof(struct sockaddr_in6));
  else
    memcpy(&dial->local, local, sizeof(struct sockaddr_in));
}

static int ws__dial_bind(ws__dial_t* dial) {
  if (dial->local.ss_family == AF_UNSPEC)
    return 0;
  return uv_tcp_bind(&dial->conn->tcp, (const struct sockaddr*) &dial->local,
                     0);
}

static int ws__client_start_tls(ws_client_t* client, ws_conn_t* conn) {
  int r;

  if (client->tls == NULL) {
    r = ws__tls_client_ctx_new(&client->tls, NULL, NULL);
    if (r != 0)
      return r;
  }
  return ws__tls_start(conn, client->tls, conn->extra->dial->host);
}

int ws_client_connect_sized(ws_client_t* client, const char* url,
                            const ws_connect_options_t* options,
                            size_t options_size, void* data,
                            ws_conn_t** pconn) {
  ws_connect_options_t copy;
  struct addrinfo hints;
  const char* target;
  const char* host;
  ws__dial_t* dial;
  ws_conn_t* conn;
  size_t host_len;
  int port;
  int r;

  if (options != NULL) {
    ws_connect_options_init(&copy);
    if (ws__copy_sized(&copy, sizeof(copy), options, options_size,
                       WS__CONNECT_OPTIONS_MIN) != 0)
      return WS_EINVAL;
    options = &copy;
  }
  if (client == NULL || client->hub.closing ||
      !ws__connect_options_valid(options))
    return WS_EINVAL;
  dial = ws__calloc(1, sizeof(*dial));
  if (dial == NULL)
    return WS_ENOMEM;
  r = ws__parse_url(url, dial, &host, &host_len, &target, &port);
  if (r == 0)
    r = ws__build_request(dial, client, host, host_len, target, port,
                          options);
  if (r != 0) {
    ws__dial_free(dial);
    return r;
  }
  conn = ws__conn_new(&client->hub);
  if (conn == NULL) {
    ws__dial_free(dial);
    return WS_ENOMEM;
  }
  WS__COUNT(&client->hub, connections_accepted);
  conn->data = data;
  conn->extra->dial = dial;
  dial->conn = conn;
  ws__stream_init_tcp(conn);
  ws__dial_set_local(dial, options);
  r = dial->tls ? ws__client_start_tls(client, conn) : 0;
  if (r == 0)
    r = ws__dial_bind(dial);
  if (r != 0) {
    dial->silent = 1;
    ws__conn_abort(conn, r);
    return r;
  }
  if (ws__dial_literal(dial, port, &r)) {
    if (r != 0) {
      dial->silent = 1;
      ws__conn_abort(conn, r);
      return r;
    }
    if (pconn != NULL)
      *pconn = conn;
    return 0;
  }
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = dial->local.ss_family; /* AF_UNSPEC if unbound */
  hints.ai_socktype = SOCK_STREAM;
  r = uv_getaddrinfo(client->hub.loop, &dial->dns, ws__on_resolved,
                     dial->host, dial->port, &hints);
  if (r != 0) {
    dial->silent = 1;
    ws__conn_abort(conn, r);
    return r;
  }
  dial->dns_busy = 1;
  if (pconn != NULL)
    *pconn = conn;
  return 0;
}
