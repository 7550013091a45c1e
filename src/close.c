/* Closing: the close handshake (through wslay), failing a connection with
 * a close code, the drain before the transport closes, end of stream, the
 * timeouts that close (handshake, idle, pong, close) and the pings that
 * keep a connection alive, and the closes that wait for the next flush. */
#include "uvws_int.h"

/* A closing connection sends no more data: messages that waited for a
 * fragmented one to end are dropped. And it reads again: the peer's close
 * frame and its end of the stream must be heard. */
static void ws__conn_closing(ws_conn_t* conn) {
  int r;

  if (ws__conn_has_busy(conn))
    ws__outq_clear(&conn->busy->after);
  conn->sending_fragments = 0;
  if (!conn->paused)
    return;
  r = ws__conn_unpause(conn);
  if (r != 0)
    ws__conn_fail_later(conn, r);
}

void ws__conn_start_drain(ws_conn_t* conn) {
  ws__conn_closing(conn);
  conn->state = WS__CONN_DRAIN;
  conn->since = uv_now(conn->hub->loop);
  ws__conn_schedule(conn);
  ws__conn_mark_dirty(conn);
}

/* Counts our close frame once wslay has written it to the queue. */
static void ws__conn_count_close(ws_conn_t* conn,
                                 wslay_event_context_ptr ctx) {
  if (conn->close_counted || !wslay_event_get_close_sent(ctx))
    return;
  conn->close_counted = 1;
  WS__COUNT(conn->hub, frames_out[WS_FRAME_CLOSE]);
  WS__COUNT(conn->hub, close_codes_sent[ws__close_code_slot(
                           wslay_event_get_status_code_sent(ctx))]);
}

void ws__conn_after_engine(ws_conn_t* conn) {
  wslay_event_context_ptr ctx;
  ws__engine_t* engine;
  uint16_t sent;

  engine = conn->busy->engine;
  ctx = engine->ctx;
  engine->error = 0;
  if (wslay_event_send(ctx) != 0) {
    ws__conn_fail_later(conn, engine->error != 0 ? engine->error
                                                 : WS_ENOMEM);
    return;
  }
  ws__conn_count_close(conn, ctx);
  ws__conn_mark_dirty(conn);
  if (!wslay_event_get_close_sent(ctx) &&
      !wslay_event_get_close_received(ctx)) {
    if (!conn->in_fragment) {
      ws__engine_return(conn->hub, engine);
      conn->busy->engine = NULL;
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
    WS__LOG(conn->hub, WS_LOG_WARN, conn, "protocol error: closing with %u",
            (unsigned) sent);
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
  ws__conn_closing(conn);
  ws__conn_set_close_info(conn, code, reason, reason_len);
  ws__conn_set_error(conn, error);
  conn->since = uv_now(conn->hub->loop);
  ws__conn_schedule(conn);
  if (!conn->in_engine)
    ws__conn_after_engine(conn);
  return 0;
}

/* Closes with 1002/1007/1009 for what was found before wslay saw it. */
void ws__conn_fail(ws_conn_t* conn, uint16_t code) {
  int error;

  error = code == WS_CLOSE_TOO_BIG ? WS_ETOOBIG : WS_EPROTO;
  WS__LOG(conn->hub, WS_LOG_WARN, conn, "protocol error: closing with %u",
          (unsigned) code);
  if (ws__conn_start_close(conn, code, NULL, 0, error) == 0) {
    /* Failing, not closing: stop reading and close once the frame is out. */
    ws__conn_start_drain(conn);
  }
}

void ws__conn_on_eof(ws_conn_t* conn, int error) {
  if (conn->state == WS__CONN_DRAIN && conn->busy->out.bytes == 0) {
    ws__conn_close_handle(conn);
    return;
  }
  ws__conn_abort(conn, error == UV_EOF ? WS_EEOF : error);
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
  /* The wheel's tick came late: input that arrived meanwhile is read
   * first. */
  if (conn->hub->wheel.late) {
    ws__wheel_schedule(conn->hub, conn, now + conn->hub->wheel.tick);
    return;
  }
  if (conn->state != WS__CONN_OPEN || conn->close_queued ||
      conn->hub->close_deadline != 0) {
    if (conn->state == WS__CONN_OPEN || conn->state == WS__CONN_DRAIN) {
      WS__COUNT(conn->hub, close_timeouts);
      WS__LOG(conn->hub, WS_LOG_WARN, conn, "%s: dropping",
              conn->hub->close_deadline != 0 ? "shutdown deadline"
                                             : "close timeout");
    }
    ws__conn_abort(conn, WS_ETIMEDOUT);
    return;
  }
  if (o->idle_timeout != 0 && conn->since + o->idle_timeout <= now &&
      !conn->paused) {
    WS__COUNT(conn->hub, idle_timeouts);
    WS__LOG(conn->hub, WS_LOG_WARN, conn, "idle timeout: closing with 1001");
    ws__conn_start_close(conn, WS_CLOSE_GOING_AWAY, "idle timeout", 12,
                         WS_ETIMEDOUT);
    return;
  }
  if (conn->ping_outstanding) {
    /* A paused connection cannot read the pong: a peer that takes what
     * is written, or has nothing waiting for it, counts as alive. */
    if (!conn->paused ||
        (conn->busy->out.bytes > 0 &&
         conn->busy->out.consumed == conn->busy->ping_consumed)) {
      WS__COUNT(conn->hub, pong_timeouts);
      WS__LOG(conn->hub, WS_LOG_WARN, conn, "pong timeout: dropping");
      ws__conn_abort(conn, WS_ETIMEDOUT);
      return;
    }
    conn->ping_outstanding = 0;
    conn->since = now; /* the next ping's interval starts here */
    ws__conn_schedule(conn);
    ws__conn_maybe_idle(conn);
    return;
  }
  if (ws__conn_send_frame(conn, WS__OP_PING, NULL, 0) != 0) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  /* The busy state stays while the ping is outstanding. */
  conn->ping_outstanding = 1;
  conn->busy->ping_sent = now;
  conn->busy->ping_consumed = conn->busy->out.consumed;
  ws__conn_schedule(conn);
}

void ws__conn_service(ws_conn_t* conn) {
  if (conn->slow_close && conn->state == WS__CONN_OPEN &&
      !conn->fail_pending) {
    conn->slow_close = 0;
    WS__COUNT(conn->hub, slow_consumer_closes);
    WS__LOG(conn->hub, WS_LOG_WARN, conn, "slow consumer: closing with 1008");
    ws__conn_start_close(conn, WS_CLOSE_POLICY, "slow consumer", 13,
                         WS_EQUEUEFULL);
  }
  ws__conn_flush(conn);
}

void ws__hub_flush_dirty(ws__hub_t* hub) {
  ws_conn_t* conn;

  while (!ws__list_empty(&hub->dirty)) {
    conn = WS__CONTAINER_OF(hub->dirty.next, ws_conn_t, dirty_node);
    ws__list_remove(&conn->dirty_node);
    ws__conn_service(conn);
  }
}

void ws__hub_close_conns(ws__hub_t* hub) {
  ws__list_t* node;
  ws__list_t* next;
  ws_conn_t* conn;

  for (node = hub->conns.next; node != &hub->conns; node = next) {
    next = node->next;
    conn = WS__CONTAINER_OF(node, ws_conn_t, node);
    if (conn->state == WS__CONN_HANDSHAKE ||
        conn->state == WS__CONN_CONNECTING)
      ws__conn_abort(conn, WS_ESHUTDOWN);
    else if (conn->state == WS__CONN_OPEN && !conn->close_queued)
      ws__conn_start_close(conn, WS_CLOSE_GOING_AWAY, "server shutting down",
                           20, WS_ESHUTDOWN);
    else if (hub->close_deadline != 0)
      ws__conn_schedule(conn); /* closing already: by the deadline now */
  }
}

/* A client's connection that has not opened: a name lookup, a TCP
 * connect, or an upgrade request waiting for its answer. */
static int ws__conn_dialling(const ws_conn_t* conn) {
  return conn->extra != NULL && conn->extra->dial != NULL &&
         (conn->state == WS__CONN_CONNECTING ||
          conn->state == WS__CONN_HANDSHAKE);
}

int ws__close_code_sendable(unsigned int code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

int ws_conn_close(ws_conn_t* conn, uint16_t code, const char* reason,
                  size_t reason_len) {
  if (conn == NULL || !ws__close_code_sendable(code) || reason_len > 123 ||
      (reason == NULL && reason_len > 0) ||
      !ws__utf8_valid((const unsigned char*) reason, reason_len))
    return WS_EINVAL;
  if (ws__conn_dialling(conn)) {
    /* on_connect_error follows from the transport's close callback. */
    ws__conn_abort(conn, WS_ECANCELED);
    return 0;
  }
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  return ws__conn_start_close(conn, code, reason, reason_len, 0);
}
