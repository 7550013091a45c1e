/* A connection's life: the handshake, deadlines, the close and the
 * accessors. Frames in are recv.c's, bytes out send.c's. */
#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

void ws__conn_close_handle(ws_conn_t* conn);
static void ws__conn_schedule(ws_conn_t* conn);

ws_conn_t* ws__conn_new(ws_server_t* server) {
  ws_conn_t* conn;

  conn = ws__calloc(1, sizeof(*conn));
  if (conn == NULL)
    return NULL;
  conn->request = ws__malloc(sizeof(*conn->request));
  if (conn->request == NULL) {
    ws__free(conn);
    return NULL;
  }
  ws__request_init(conn->request, server->options.max_header_size,
                   server->client_role ? HTTP_RESPONSE : HTTP_REQUEST);
  conn->server = server;
  conn->state = server->client_role ? WS__CONN_CONNECTING
                                    : WS__CONN_HANDSHAKE;
  conn->started = uv_now(server->loop);
  conn->last_rx = conn->started;
  ws__list_init(&conn->rooms);
  conn->out.spare = &server->spare_seg;
  ws__list_insert_tail(&server->conns, &conn->node);
  server->conn_count++;
  ws__conn_schedule(conn);
  return conn;
}

int ws__conn_is_open(const ws_conn_t* conn) {
  return conn->state == WS__CONN_OPEN && !conn->close_queued &&
         conn->pending_error == 0 && !conn->slow_close;
}

/* ---- Deadlines ---- */

static uint64_t ws__min_deadline(uint64_t a, uint64_t b) {
  if (a == 0)
    return b;
  if (b == 0)
    return a;
  return a < b ? a : b;
}

static uint64_t ws__after(uint64_t start, uint64_t timeout) {
  return timeout == 0 ? 0 : start + timeout;
}

static uint64_t ws__conn_next_deadline(const ws_conn_t* conn) {
  const ws_server_options_t* o;
  uint64_t d;

  o = &conn->server->options;
  switch (conn->state) {
    case WS__CONN_CONNECTING:
    case WS__CONN_HANDSHAKE:
      return ws__after(conn->started, o->handshake_timeout);
    case WS__CONN_OPEN:
      if (conn->close_queued)
        return ws__after(conn->started, o->close_timeout);
      d = ws__after(conn->last_rx, o->idle_timeout);
      if (conn->ping_outstanding)
        return ws__min_deadline(d, ws__after(conn->ping_sent,
                                             o->pong_timeout));
      return ws__min_deadline(d, ws__after(conn->last_rx, o->ping_interval));
    case WS__CONN_DRAIN:
      return ws__after(conn->started, o->close_timeout);
    default:
      return 0;
  }
}

static void ws__conn_schedule(ws_conn_t* conn) {
  ws__wheel_schedule(conn->server, conn, ws__conn_next_deadline(conn));
}

void ws__conn_on_deadline(ws_conn_t* conn, uint64_t now) {
  const ws_server_options_t* o;
  uint64_t d;

  o = &conn->server->options;
  d = ws__conn_next_deadline(conn);
  if (d == 0)
    return;
  if (d > now) {
    ws__wheel_schedule(conn->server, conn, d);
    return;
  }
  if (conn->state != WS__CONN_OPEN || conn->close_queued) {
    ws__conn_abort(conn, WS_ETIMEDOUT);
    return;
  }
  if (o->idle_timeout != 0 && conn->last_rx + o->idle_timeout <= now) {
    ws__conn_start_close(conn, WS_CLOSE_GOING_AWAY, "idle timeout", 12,
                         WS_ETIMEDOUT);
    return;
  }
  if (conn->ping_outstanding) {
    ws__conn_abort(conn, WS_ETIMEDOUT);
    return;
  }
  if (ws__conn_send_frame(conn, 0x9, NULL, 0) != 0) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  conn->ping_outstanding = 1;
  conn->ping_sent = now;
  ws__conn_schedule(conn);
}

/* ---- Closing ---- */

void ws__conn_set_close_info(ws_conn_t* conn, uint16_t code,
                                    const void* reason, size_t len) {
  conn->close_code = code;
  conn->close_reason_len = len < sizeof(conn->close_reason)
                               ? len
                               : sizeof(conn->close_reason);
  if (conn->close_reason_len > 0)
    memcpy(conn->close_reason, reason, conn->close_reason_len);
}

static void ws__conn_set_error(ws_conn_t* conn, int error) {
  if (conn->error == 0)
    conn->error = error;
}

/* Begins writing out what is queued; the TCP connection closes after. */
static void ws__conn_start_drain(ws_conn_t* conn) {
  conn->state = WS__CONN_DRAIN;
  conn->started = uv_now(conn->server->loop);
  ws__conn_schedule(conn);
  ws__conn_mark_dirty(conn);
}

static void ws__on_closed(uv_handle_t* handle) {
  ws_conn_t* conn;

  conn = (ws_conn_t*) handle;
  /* From here, not from whatever closed it: ws_client_close() must not
   * call back. */
  if (conn->server->client_role && !conn->opened)
    ws__client_connect_failed(conn);
  if (conn->dial != NULL && ws__dial_busy(conn->dial))
    conn->free_pending = 1; /* the DNS callback frees it */
  else
    ws__conn_free(conn);
}

void ws__conn_close_handle(ws_conn_t* conn) {
  ws_server_t* server;
  ws_close_info_t info;

  if (conn->state == WS__CONN_CLOSED)
    return;
  server = conn->server;
  conn->state = WS__CONN_CLOSED;
  ws__wheel_cancel(server, conn);
  ws__list_remove(&conn->dirty_node);
  ws__conn_leave_rooms(conn);
  if (conn->opened) {
    info.code = conn->close_code != 0 ? conn->close_code : WS_CLOSE_ABNORMAL;
    info.reason = conn->close_reason;
    info.reason_len = conn->close_reason_len;
    info.clean = conn->clean;
    info.error = conn->error;
    if (server->callbacks.on_close != NULL)
      server->callbacks.on_close(conn, &info);
  }
  if (!conn->detached)
    uv_close((uv_handle_t*) &conn->tcp, ws__on_closed);
}

void ws__conn_abort(ws_conn_t* conn, int error) {
  if (conn->state == WS__CONN_CLOSED)
    return;
  if (conn->close_code == 0)
    ws__conn_set_close_info(conn, WS_CLOSE_ABNORMAL, NULL, 0);
  if (!conn->clean)
    ws__conn_set_error(conn, error);
  ws__conn_close_handle(conn);
}

void ws__conn_fail_later(ws_conn_t* conn, int error) {
  if (conn->pending_error == 0)
    conn->pending_error = error;
  ws__conn_mark_dirty(conn);
}

ws__engine_t* ws__conn_engine(ws_conn_t* conn) {
  if (conn->engine == NULL)
    conn->engine = ws__engine_lend(conn->server, conn);
  return conn->engine;
}

/* Lets wslay write what it queued (pongs, close frames) and decides what
 * the connection does next. */
void ws__conn_after_engine(ws_conn_t* conn) {
  wslay_event_context_ptr ctx;
  uint16_t sent;

  ctx = conn->engine->ctx;
  if (wslay_event_send(ctx) != 0) {
    ws__conn_fail_later(conn, WS_ENOMEM);
    return;
  }
  ws__conn_mark_dirty(conn);
  if (!wslay_event_get_close_sent(ctx) &&
      !wslay_event_get_close_received(ctx)) {
    if (!conn->in_fragment) {
      ws__engine_return(conn->server, conn->engine);
      conn->engine = NULL;
    }
    return;
  }
  if (wslay_event_want_read(ctx) || wslay_event_want_write(ctx))
    return; /* our close is out; waiting for the peer's */
  if (wslay_event_get_close_received(ctx)) {
    conn->clean = wslay_event_get_close_sent(ctx);
  } else if (!conn->close_queued) {
    /* wslay failed the connection: a protocol error, bad UTF-8 or a
     * message over the limit. */
    sent = wslay_event_get_status_code_sent(ctx);
    ws__conn_set_close_info(conn, sent, NULL, 0);
    ws__conn_set_error(conn,
                       sent == WS_CLOSE_TOO_BIG ? WS_ETOOBIG : WS_EPROTO);
  }
  ws__conn_start_drain(conn);
}

int ws__conn_start_close(ws_conn_t* conn, uint16_t code, const char* reason,
                         size_t reason_len, int error) {
  ws__engine_t* engine;

  if (conn->state != WS__CONN_OPEN || conn->close_queued)
    return WS_ECLOSED;
  /* Called from ws_conn_close() too: failures must not call back now. */
  engine = ws__conn_engine(conn);
  if (engine == NULL) {
    ws__conn_fail_later(conn, WS_ENOMEM);
    return WS_ENOMEM;
  }
  if (wslay_event_queue_close(engine->ctx, code, (const uint8_t*) reason,
                              reason_len) != 0) {
    ws__conn_fail_later(conn, WS_ENOMEM);
    return WS_ENOMEM;
  }
  conn->close_queued = 1;
  ws__conn_set_close_info(conn, code, reason, reason_len);
  ws__conn_set_error(conn, error);
  conn->started = uv_now(conn->server->loop);
  ws__conn_schedule(conn);
  if (!conn->in_engine)
    ws__conn_after_engine(conn);
  return 0;
}

/* Closes with 1002/1009 for a frame header wslay's frame layer would not
 * answer with a close code of its own. */
void ws__conn_fail(ws_conn_t* conn, uint16_t code) {
  int error;

  error = code == WS_CLOSE_TOO_BIG ? WS_ETOOBIG : WS_EPROTO;
  if (ws__conn_start_close(conn, code, NULL, 0, error) == 0) {
    /* Failing, not closing: stop reading and close once the frame is out. */
    ws__conn_start_drain(conn);
  }
}

void ws__conn_on_eof(ws_conn_t* conn, int error) {
  if (conn->state == WS__CONN_DRAIN && conn->out.bytes == 0) {
    ws__conn_close_handle(conn);
    return;
  }
  ws__conn_abort(conn, error == UV_EOF ? WS_EEOF : error);
}

void ws__conn_refuse(ws_conn_t* conn, int status) {
  if (ws__request_write_response(conn->request, status, NULL, NULL, 0,
                                 &conn->out) != 0) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  ws__conn_start_drain(conn);
}

static void ws__conn_answer_http(ws_conn_t* conn) {
  ws_request_t* req;

  req = conn->request;
  req->in_on_http = 1;
  req->response = &conn->out;
  if (conn->server->callbacks.on_http != NULL)
    conn->server->callbacks.on_http(conn, req);
  req->in_on_http = 0;
  if (conn->state != WS__CONN_HANDSHAKE)
    return;
  if (!req->responded) {
    ws__conn_refuse(conn, 426);
    return;
  }
  ws__conn_start_drain(conn);
}

static void ws__conn_accept(ws_conn_t* conn) {
  const ws_server_callbacks_t* cb;
  int status;

  cb = &conn->server->callbacks;
  status = cb->on_handshake != NULL ? cb->on_handshake(conn, conn->request)
                                    : 0;
  if (conn->state != WS__CONN_HANDSHAKE)
    return;
  if (status != 0) {
    ws__conn_refuse(conn, status >= 400 && status <= 599 ? status : 500);
    return;
  }
  /* Accepted: from here on_close is owed, even if on_open never comes. */
  conn->opened = 1;
  if (ws__request_write_response(conn->request, 101, NULL, NULL, 0,
                                 &conn->out) != 0) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  conn->subprotocol = conn->request->subprotocol;
  conn->request->subprotocol = NULL;
  ws__conn_open(conn);
}

void ws__conn_open(ws_conn_t* conn) {
  ws__request_free(conn->request);
  ws__free(conn->request);
  conn->request = NULL;
  conn->state = WS__CONN_OPEN;
  conn->opened = 1;
  ws__conn_schedule(conn);
  ws__conn_mark_dirty(conn);
  if (conn->server->callbacks.on_open != NULL)
    conn->server->callbacks.on_open(conn);
}

/* Returns how many bytes belonged to the HTTP request. */
static size_t ws__conn_handshake(ws_conn_t* conn, const unsigned char* data,
                                 size_t len) {
  size_t used;

  switch (ws__request_feed(conn->request, (const char*) data, len, &used)) {
    case WS__HS_MORE:
      break;
    case WS__HS_UPGRADE:
      ws__conn_accept(conn);
      break;
    case WS__HS_HTTP:
      ws__conn_answer_http(conn);
      break;
    case WS__HS_REFUSE:
      ws__conn_refuse(conn, conn->request->status);
      break;
  }
  return used;
}

void ws__conn_feed(ws_conn_t* conn, unsigned char* data, size_t len) {
  size_t used;

  conn->last_rx = uv_now(conn->server->loop);
  conn->ping_outstanding = 0;
  if (conn->state == WS__CONN_HANDSHAKE) {
    used = conn->server->client_role ? ws__client_handshake(conn, data, len)
                                     : ws__conn_handshake(conn, data, len);
    data += used;
    len -= used;
  }
  if (conn->state == WS__CONN_OPEN && len > 0)
    ws__conn_feed_frames(conn, data, len);
}

void ws__conn_free(ws_conn_t* conn) {
  ws_server_t* server;

  server = conn->server;
  ws__wheel_cancel(server, conn);
  ws__list_remove(&conn->dirty_node);
  ws__list_remove(&conn->node);
  ws__conn_leave_rooms(conn);
  server->conn_count--;
  if (conn->request != NULL) {
    ws__request_free(conn->request);
    ws__free(conn->request);
  }
  /* A context given back mid-message would confuse its next borrower. */
  if (conn->engine != NULL)
    ws__engine_discard(conn->engine);
  ws__conn_drop_partial(conn);
  ws__conn_free_pong(conn);
  ws__outq_clear(&conn->out);
  ws__dial_free(conn->dial);
  ws__free(conn->subprotocol);
  ws__free(conn);
  ws__server_maybe_closed(server);
}

void ws__conn_on_slow(ws_conn_t* conn) {
  if (conn->server->options.slow_policy == WS_SLOW_SKIP) {
    conn->skipped++;
    return;
  }
  conn->slow_close = 1;
  ws__conn_mark_dirty(conn);
}

/* ---- The public connection API ---- */

static int ws__close_code_sendable(unsigned int code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

int ws_conn_close(ws_conn_t* conn, uint16_t code, const char* reason,
                  size_t reason_len) {
  if (conn == NULL || !ws__close_code_sendable(code) || reason_len > 123 ||
      (reason == NULL && reason_len > 0) ||
      !ws__utf8_valid((const unsigned char*) reason, reason_len))
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  return ws__conn_start_close(conn, code, reason, reason_len, 0);
}

void* ws_conn_get_data(const ws_conn_t* conn) {
  return conn->data;
}

void ws_conn_set_data(ws_conn_t* conn, void* data) {
  conn->data = data;
}

ws_server_t* ws_conn_server(const ws_conn_t* conn) {
  return conn->server;
}

int ws_conn_peer_addr(const ws_conn_t* conn, struct sockaddr_storage* addr) {
  int len;

  if (conn->detached)
    return WS_EINVAL;
  len = (int) sizeof(*addr);
  return uv_tcp_getpeername(&conn->tcp, (struct sockaddr*) addr, &len);
}

size_t ws_conn_queued_bytes(const ws_conn_t* conn) {
  return conn->out.bytes;
}

const char* ws_conn_subprotocol(const ws_conn_t* conn) {
  return conn->subprotocol;
}

uint64_t ws_conn_skipped_messages(const ws_conn_t* conn) {
  return conn->skipped;
}
