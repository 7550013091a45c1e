/* The opening handshake of both roles, as RFC 6455 section 4 asks. A
 * server checks the upgrade request (4.2.1), lets the application accept,
 * refuse or answer plain HTTP, and writes the 101; a client checks the
 * response against the request it sent (4.1). The HTTP parsing itself is
 * http.c's. */
#include "uvws_int.h"

#include <string.h>

/* ---- Servers ---- */

void ws__handshake_refuse(ws_conn_t* conn, int status) {
  int r;

  r = ws__conn_busy(conn) == NULL
          ? WS_ENOMEM
          : ws__request_write_response(conn->extra->request, status, NULL,
                                       NULL, 0, &conn->busy->out);
  if (r != 0) {
    ws__conn_abort(conn, r);
    return;
  }
  ws__conn_start_drain(conn);
}

/* Refuses an upgrade attempt, counted and logged with its reason. */
static void ws__handshake_fail(ws_conn_t* conn, int status, int reason) {
  ws__stats_refused(conn->hub, status, reason);
  WS__LOG(conn->hub, WS_LOG_WARN, conn, "handshake refused: %d (%s)", status,
          ws_handshake_failure_name(reason));
  ws__handshake_refuse(conn, status);
}

/* Decides what an upgrade attempt gets: 0 if valid, else a status. */
static int ws__check_upgrade(ws_request_t* req) {
  unsigned char key[32];
  const char* value;

  if (req->parser.method != HTTP_GET)
    return 400;
  /* A body would be read as frames. */
  if (req->parser.content_length > 0 ||
      (req->parser.flags & F_TRANSFER_ENCODING) != 0)
    return 400;
  if (req->parser.http_major != 1 || req->parser.http_minor < 1)
    return 400;
  if (ws__request_occurrences(req, "Host") != 1)
    return 400;
  if (!ws__request_has_token(req, "Connection", "upgrade", 0))
    return 400;
  value = ws_request_header(req, "Sec-WebSocket-Key");
  if (value == NULL || ws__request_occurrences(req, "Sec-WebSocket-Key") != 1 ||
      ws__base64_decode(value, strlen(value), key, sizeof(key)) != 16)
    return 400;
  req->key = value;
  value = ws_request_header(req, "Sec-WebSocket-Version");
  if (value == NULL)
    return 400;
  if (strcmp(value, "13") != 0 ||
      ws__request_occurrences(req, "Sec-WebSocket-Version") != 1)
    return 426;
  return 0;
}


static void ws__handshake_answer_http(ws_conn_t* conn) {
  ws_server_t* server;
  ws_request_t* req;

  server = ws__server_of(conn);
  req = conn->extra->request;
  WS__COUNT(conn->hub, http_requests);
  if (ws__conn_busy(conn) == NULL) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  req->in_on_http = 1;
  req->response = &conn->busy->out;
  if (server->callbacks.on_http != NULL)
    server->callbacks.on_http(conn, req);
  req->in_on_http = 0;
  if (conn->state != WS__CONN_HANDSHAKE)
    return;
  if (!req->responded) {
    ws__handshake_refuse(conn, 426);
    return;
  }
  ws__conn_start_drain(conn);
}

static void ws__handshake_accept(ws_conn_t* conn) {
  const ws_server_callbacks_t* cb;
  ws__pmd_params_t pmd;
  int deflate;
  int status;

  cb = &ws__server_of(conn)->callbacks;
  status = cb->on_handshake != NULL
               ? cb->on_handshake(conn, conn->extra->request)
               : 0;
  if (conn->state != WS__CONN_HANDSHAKE)
    return;
  if (status != 0) {
    ws__handshake_fail(conn, status >= 400 && status <= 599 ? status : 500,
                       WS_HANDSHAKE_REFUSED);
    return;
  }
  /* Accepted: from here on_close is owed, even if on_open never comes. */
  conn->opened = 1;
  WS__COUNT(conn->hub, handshakes);
  deflate = ws__pmd_server_negotiate(conn->hub, conn->extra->request, &pmd);
  /* From here the connection holds what was settled (and gives it back
   * when freed), even if the answer cannot be written. */
  if (deflate > 0)
    ws__deflate_conn_start(conn, &pmd);
  if (deflate >= 0 && ws__conn_busy(conn) == NULL)
    deflate = WS_ENOMEM;
  status = deflate < 0 ? deflate
                       : ws__request_write_response(conn->extra->request, 101,
                                                    NULL, NULL, 0,
                                                    &conn->busy->out);
  if (status != 0) {
    ws__conn_abort(conn, status);
    return;
  }
  conn->extra->subprotocol = conn->extra->request->subprotocol;
  conn->extra->request->subprotocol = NULL;
  ws__conn_open(conn);
}

size_t ws__handshake_server(ws_conn_t* conn, const unsigned char* data,
                            size_t len) {
  ws_request_t* req;
  size_t used;

  req = conn->extra->request;
  switch (ws__http_parse(req, (const char*) data, len, &used)) {
    case 0:
      return used;
    case -1:
      ws__handshake_fail(conn, req->status,
                         req->status == 431 ? WS_HANDSHAKE_TOO_LARGE
                                            : WS_HANDSHAKE_MALFORMED);
      return used;
  }
  if (!ws__request_has_token(req, "Upgrade", "websocket", 0)) {
    ws__handshake_answer_http(conn);
    return used;
  }
  req->is_upgrade = 1;
  req->status = ws__check_upgrade(req);
  if (req->status != 0)
    ws__handshake_fail(conn, req->status,
                       req->status == 426 ? WS_HANDSHAKE_BAD_VERSION
                                          : WS_HANDSHAKE_BAD_UPGRADE);
  else
    ws__handshake_accept(conn);
  return used;
}

/* ---- Clients ---- */

/* A token as RFC 7230 defines it, loosely: visible ASCII but separators
 * that cannot be in a subprotocol list. */
static int ws__is_token(const char* s) {
  if (*s == '\0')
    return 0;
  for (; *s != '\0'; s++)
    if ((unsigned char) *s <= ' ' || *s == ',' || *s == 0x7f)
      return 0;
  return 1;
}

/* Whether proto is one token of the comma-separated list we offered. */
static int ws__offered(const char* offered, const char* proto) {
  size_t n;

  if (!ws__is_token(proto))
    return 0;
  n = strlen(proto);
  while (offered != NULL && *offered != '\0') {
    if (strncmp(offered, proto, n) == 0 &&
        (offered[n] == '\0' || offered[n] == ','))
      return 1;
    offered = strchr(offered, ',');
    if (offered != NULL)
      offered += 2; /* ", " */
  }
  return 0;
}

static int ws__check_response(ws_conn_t* conn) {
  ws__pmd_params_t pmd;
  ws_request_t* res;
  const char* value;
  int deflate;

  res = conn->extra->request;
  if (conn->extra->http_status != 101)
    return WS_EBADSTATUS;
  /* A 101 exists only in HTTP/1.1. */
  if (res->parser.http_major != 1 || res->parser.http_minor != 1)
    return WS_EBADRESPONSE;
  if (!ws__request_has_token(res, "Upgrade", "websocket", 0) ||
      !ws__request_has_token(res, "Connection", "upgrade", 0))
    return WS_EBADRESPONSE;
  /* No extension but the one we offered, if we did. */
  deflate = ws__pmd_client_check(conn->hub, res,
                                 conn->extra->dial->deflate_offered, &pmd);
  if (deflate < 0)
    return deflate;
  /* Held from here, given back when the connection is freed. */
  if (deflate)
    ws__deflate_conn_start(conn, &pmd);
  value = ws_request_header(res, "Sec-WebSocket-Accept");
  if (value == NULL ||
      ws__request_occurrences(res, "Sec-WebSocket-Accept") != 1 ||
      strcmp(value, conn->extra->dial->accept) != 0)
    return WS_EBADACCEPT;
  value = ws_request_header(res, "Sec-WebSocket-Protocol");
  if (value != NULL) {
    if (ws__request_occurrences(res, "Sec-WebSocket-Protocol") != 1 ||
        !ws__offered(conn->extra->dial->offered, value))
      return WS_EBADRESPONSE;
    conn->extra->subprotocol = ws__strndup(value, strlen(value));
    if (conn->extra->subprotocol == NULL)
      return WS_ENOMEM;
  }
  return 0;
}

size_t ws__handshake_client(ws_conn_t* conn, const unsigned char* data,
                            size_t len) {
  size_t used;
  int r;

  r = ws__http_parse(conn->extra->request, (const char*) data, len, &used);
  if (r == 0)
    return used;
  if (r < 0) {
    ws__conn_abort(conn, WS_EBADRESPONSE);
    return len;
  }
  conn->extra->http_status =
      llhttp_get_status_code(&conn->extra->request->parser);
  r = ws__check_response(conn);
  if (r != 0) {
    ws__conn_abort(conn, r);
    return len;
  }
  conn->hub->role->release(conn);
  WS__COUNT(conn->hub, handshakes);
  ws__conn_open(conn);
  return used;
}
