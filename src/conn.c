/* A connection's life: its states, deadlines, the close handshake and
 * the accessors. The handshake is handshake.c's, frames in recv.c's,
 * bytes out send.c's. */
#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

static void ws__conn_schedule(ws_conn_t* conn);

ws_conn_t* ws__conn_new(ws__hub_t* hub) {
  ws_conn_t* conn;

  conn = ws__calloc(1, sizeof(*conn));
  if (conn == NULL)
    return NULL;
  conn->request = ws__malloc(sizeof(*conn->request));
  if (conn->request == NULL) {
    ws__free(conn);
    return NULL;
  }
  ws__request_init(conn->request, hub->options.max_header_size,
                   hub->role->http_type);
  conn->hub = hub;
  conn->state = hub->role->first_state;
  conn->started = uv_now(hub->loop);
  conn->last_rx = conn->started;
  ws__list_init(&conn->rooms);
  conn->out.spare = &hub->spare_seg;
  ws__list_insert_tail(&hub->conns, &conn->node);
  hub->conn_count++;
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

  o = &conn->hub->options;
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
  ws__wheel_schedule(conn->hub, conn, ws__conn_next_deadline(conn));
}

void ws__conn_on_deadline(ws_conn_t* conn, uint64_t now) {
  const ws_server_options_t* o;
  uint64_t d;

  o = &conn->hub->options;
  d = ws__conn_next_deadline(conn);
  if (d == 0)
    return;
  if (d > now) {
    ws__wheel_schedule(conn->hub, conn, d);
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

void ws__conn_start_drain(ws_conn_t* conn) {
  conn->state = WS__CONN_DRAIN;
  conn->started = uv_now(conn->hub->loop);
  ws__conn_schedule(conn);
  ws__conn_mark_dirty(conn);
}

void ws__conn_on_closed(ws_conn_t* conn) {
  const ws__role_t* role;

  role = conn->hub->role;
  /* From here, not from whatever closed it: API calls must not call
   * back. */
  if (!conn->opened)
    role->closed_unopened(conn);
  if (role->free_later(conn))
    conn->free_pending = 1;
  else
    ws__conn_free(conn);
}

void ws__conn_close_handle(ws_conn_t* conn) {
  ws__hub_t* hub;
  ws_close_info_t info;

  if (conn->state == WS__CONN_CLOSED)
    return;
  hub = conn->hub;
  conn->state = WS__CONN_CLOSED;
  ws__wheel_cancel(hub, conn);
  ws__list_remove(&conn->dirty_node);
  ws__conn_leave_rooms(conn);
  if (conn->opened) {
    info.code = conn->close_code != 0 ? conn->close_code : WS_CLOSE_ABNORMAL;
    info.reason = conn->close_reason;
    info.reason_len = conn->close_reason_len;
    info.clean = conn->clean;
    info.error = conn->error;
    if (hub->callbacks.on_close != NULL)
      hub->callbacks.on_close(conn, &info);
  }
  if (!conn->detached)
    conn->transport->close(conn);
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
    conn->engine = ws__engine_lend(conn->hub, conn);
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
      ws__engine_return(conn->hub, conn->engine);
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
  conn->started = uv_now(conn->hub->loop);
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

void ws__conn_open(ws_conn_t* conn) {
  ws__request_free(conn->request);
  ws__free(conn->request);
  conn->request = NULL;
  conn->state = WS__CONN_OPEN;
  conn->opened = 1;
  ws__conn_schedule(conn);
  ws__conn_mark_dirty(conn);
  if (conn->hub->callbacks.on_open != NULL)
    conn->hub->callbacks.on_open(conn);
}

void ws__conn_free(ws_conn_t* conn) {
  ws__hub_t* hub;

  hub = conn->hub;
  ws__wheel_cancel(hub, conn);
  ws__list_remove(&conn->dirty_node);
  ws__list_remove(&conn->node);
  ws__conn_leave_rooms(conn);
  hub->conn_count--;
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
  ws__hub_maybe_closed(hub);
}

void ws__conn_on_slow(ws_conn_t* conn) {
  if (conn->hub->options.slow_policy == WS_SLOW_SKIP) {
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
  return conn != NULL ? ws__server_of(conn) : NULL;
}

int ws_conn_peer_addr(const ws_conn_t* conn, struct sockaddr_storage* addr) {

  if (conn->detached || conn->state == WS__CONN_CONNECTING)
    return WS_EINVAL;
  return conn->transport->peer_addr(conn, addr);
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
