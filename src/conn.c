/* A connection's state and memory: making and freeing one, its deadlines,
 * dropping it, and its accessors. The close handshake is close.c's, the
 * opening handshake handshake.c's, frames in recv.c's, bytes out send.c's. */
#include "uvws_int.h"

#include <string.h>

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

void ws__conn_free(ws_conn_t* conn) {
  ws__hub_t* hub;

  hub = conn->hub;
  ws__wheel_cancel(hub, conn);
  ws__list_remove(&conn->dirty_node);
  ws__list_remove(&conn->resume.node);
  ws__list_remove(&conn->node);
  hub->conn_count--;
  if (conn->request != NULL) {
    ws__request_free(conn->request);
    ws__free(conn->request);
  }
  /* A context given back mid-message would confuse its next borrower. */
  if (conn->engine != NULL) {
    ws__engine_discard(conn->engine);
    WS__COUNT_N(hub, wslay_contexts_in_use, -1);
  }
  ws__deflate_conn_free(conn);
  ws__free(conn->partial);
  ws__free(conn->message);
  ws__free(conn->pong);
  ws__free(conn->held);
  ws__outq_clear(&conn->out);
  ws__outq_clear(&conn->after);
  hub->role->release(conn);
  ws__free(conn->subprotocol);
  ws__free(conn);
  ws__hub_maybe_closed(hub);
}

void ws__conn_open(ws_conn_t* conn) {
  ws__request_free(conn->request);
  ws__free(conn->request);
  conn->request = NULL;
  conn->state = WS__CONN_OPEN;
  conn->opened = 1;
  ws__conn_schedule(conn);
  ws__conn_mark_dirty(conn);
  WS__LOG(conn->hub, WS_LOG_DEBUG, conn, "open");
  if (conn->hub->callbacks.on_open != NULL)
    conn->hub->callbacks.on_open(conn);
}

int ws__conn_is_open(const ws_conn_t* conn) {
  return conn->state == WS__CONN_OPEN && !conn->close_queued &&
         conn->pending_error == 0 && !conn->slow_close;
}

ws__engine_t* ws__conn_engine(ws_conn_t* conn) {
  if (conn->engine == NULL) {
    conn->engine = ws__engine_lend(conn->hub, conn);
    /* RSV1 marks a compressed message, once deflate is negotiated. */
    if (conn->engine != NULL)
      wslay_event_config_set_allowed_rsv_bits(
          conn->engine->ctx, conn->pmd ? WSLAY_RSV1_BIT : WSLAY_RSV_NONE);
  }
  return conn->engine;
}

void ws__conn_set_close_info(ws_conn_t* conn, uint16_t code,
                             const void* reason, size_t len) {
  conn->close_code = code;
  conn->close_reason_len = len < sizeof(conn->close_reason)
                               ? len
                               : sizeof(conn->close_reason);
  if (conn->close_reason_len > 0)
    memcpy(conn->close_reason, reason, conn->close_reason_len);
}

void ws__conn_set_error(ws_conn_t* conn, int error) {
  if (conn->error == 0)
    conn->error = error;
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

uint64_t ws__conn_next_deadline(const ws_conn_t* conn) {
  const ws_server_options_t* o;
  uint64_t d;

  o = &conn->hub->options;
  /* A server shutting down gives every connection until its deadline. */
  if (conn->hub->close_deadline != 0 && conn->state != WS__CONN_CLOSED)
    return conn->hub->close_deadline;
  switch (conn->state) {
    case WS__CONN_CONNECTING:
    case WS__CONN_HANDSHAKE:
      return ws__after(conn->started, o->handshake_timeout);
    case WS__CONN_OPEN:
      if (conn->close_queued)
        return ws__after(conn->started, o->close_timeout);
      /* Paused, it hears nothing, by the application's choice: the idle
       * timeout waits, pings go on, and a ping's timeout checks that the
       * peer takes what is written (see ws__conn_on_deadline()). */
      if (conn->paused)
        return conn->ping_outstanding
                   ? ws__after(conn->ping_sent, o->pong_timeout)
                   : ws__after(conn->last_rx, o->ping_interval);
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

void ws__conn_schedule(ws_conn_t* conn) {
  ws__wheel_schedule(conn->hub, conn, ws__conn_next_deadline(conn));
}

/* ---- Dropping ---- */

/* Counts and logs a connection that ends before it opened. */
static void ws__conn_failed_handshake(ws_conn_t* conn) {
  int reason;

  switch (conn->error) {
    case WS_ETIMEDOUT:
      reason = WS_HANDSHAKE_TIMEOUT;
      break;
    case WS_EBADSTATUS:
    case WS_EBADACCEPT:
    case WS_EBADRESPONSE:
      reason = WS_HANDSHAKE_BAD_RESPONSE;
      break;
    default:
      reason = WS_HANDSHAKE_CLOSED;
      break;
  }
  WS__COUNT(conn->hub, handshake_failures[reason]);
  WS__LOG(conn->hub, reason == WS_HANDSHAKE_CLOSED ? WS_LOG_DEBUG
                                                   : WS_LOG_WARN,
          conn, "handshake failed: %s (%s)", ws_handshake_failure_name(reason),
          ws_err_name(conn->error));
}

static void ws__conn_log_close(ws_conn_t* conn, const ws_close_info_t* info) {
  WS__LOG(conn->hub,
          info->error == WS_ENOMEM || info->error == WS_EINTERNAL
              ? WS_LOG_ERROR
              : WS_LOG_DEBUG,
          conn, "closed: %u %s%s%s", (unsigned) info->code,
          info->clean ? "clean" : "unclean", info->error != 0 ? ", " : "",
          info->error != 0 ? ws_err_name(info->error) : "");
}

void ws__conn_close_handle(ws_conn_t* conn) {
  ws__hub_t* hub;
  ws_close_info_t info;

  if (conn->state == WS__CONN_CLOSED)
    return;
  hub = conn->hub;
  if (!conn->opened && (conn->state == WS__CONN_HANDSHAKE ||
                        conn->state == WS__CONN_CONNECTING))
    ws__conn_failed_handshake(conn);
  conn->state = WS__CONN_CLOSED;
  ws__wheel_cancel(hub, conn);
  ws__list_remove(&conn->dirty_node);
  ws__list_remove(&conn->resume.node);
  hub->role->closing(conn);
  if (conn->opened) {
    info.code = conn->close_code != 0 ? conn->close_code : WS_CLOSE_ABNORMAL;
    info.reason = conn->close_reason;
    info.reason_len = conn->close_reason_len;
    info.clean = conn->clean;
    info.error = conn->error;
    WS__COUNT(hub, connections_closed);
    ws__conn_log_close(conn, &info);
    if (hub->callbacks.on_close != NULL)
      hub->callbacks.on_close(conn, &info);
  }
  if (!conn->detached)
    conn->transport->close(conn);
}

void ws__conn_on_closed(ws_conn_t* conn) {
  /* Only now, from the loop, is a failure before open reported: whatever
   * closed the connection may have been an API call, which must not call
   * back. */
  if (conn->hub->role->closed(conn))
    conn->free_pending = 1;
  else
    ws__conn_free(conn);
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

void ws__conn_mark_dirty(ws_conn_t* conn) {
  ws__hub_t* hub;

  hub = conn->hub;
  if (ws__list_linked(&conn->dirty_node) || conn->state == WS__CONN_CLOSED)
    return;
  if (!conn->detached)
    ws__hub_schedule_flush(hub);
  ws__list_insert_tail(&hub->dirty, &conn->dirty_node);
}

void ws__conn_fail_later(ws_conn_t* conn, int error) {
  if (conn->pending_error == 0)
    conn->pending_error = error;
  ws__conn_mark_dirty(conn);
}

void ws__conn_on_slow(ws_conn_t* conn) {
  if (conn->hub->options.slow_policy == WS_SLOW_SKIP) {
    conn->skipped++;
    WS__COUNT(conn->hub, slow_consumer_skips);
    WS__LOG(conn->hub, WS_LOG_DEBUG, conn,
            "slow consumer: broadcast skipped");
    return;
  }
  conn->slow_close = 1;
  ws__conn_mark_dirty(conn);
}

/* ---- Pausing reads ---- */

int ws_conn_pause(ws_conn_t* conn) {
  if (conn == NULL)
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  if (conn->paused)
    return 0;
  conn->paused = 1;
  /* Held input it was about to feed waits for the next resume. */
  ws__list_remove(&conn->resume.node);
  if (!conn->detached)
    conn->transport->read_stop(conn);
  ws__conn_schedule(conn);
  return 0;
}

static void ws__conn_on_resume(ws__deferred_t* deferred) {
  ws_conn_t* conn;

  conn = WS__CONTAINER_OF(deferred, ws_conn_t, resume);
  conn->hub->io->on_resumed(conn);
}

int ws__conn_unpause(ws_conn_t* conn) {
  ws__hub_t* hub;

  hub = conn->hub;
  conn->paused = 0;
  conn->last_rx = uv_now(hub->loop);
  if (conn->ping_outstanding)
    conn->ping_sent = conn->last_rx;
  ws__conn_schedule(conn);
  if (conn->held != NULL) {
    /* Fed from the loop, never from inside the caller; reading starts
     * once it is all taken. */
    conn->resume.cb = ws__conn_on_resume;
    ws__hub_defer(hub, &conn->resume);
    return 0;
  }
  if (conn->detached)
    return 0;
  return conn->transport->read_start(conn);
}

int ws_conn_resume(ws_conn_t* conn) {
  int r;

  if (conn == NULL)
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  if (!conn->paused)
    return 0;
  r = ws__conn_unpause(conn);
  if (r != 0)
    ws__conn_fail_later(conn, r);
  return r;
}

/* ---- Accessors ---- */

void* ws_conn_get_data(const ws_conn_t* conn) {
  return conn->data;
}

void ws_conn_set_data(ws_conn_t* conn, void* data) {
  conn->data = data;
}

ws_server_t* ws_conn_server(const ws_conn_t* conn) {
  return conn != NULL ? ws__server_of(conn) : NULL;
}

void* ws_conn_owner_data(const ws_conn_t* conn) {
  return conn->hub->data;
}

int ws_conn_peer_addr(const ws_conn_t* conn, struct sockaddr_storage* addr) {
  if (conn->detached || conn->state == WS__CONN_CONNECTING)
    return WS_EINVAL;
  return conn->transport->peer_addr(conn, addr);
}

size_t ws__conn_queued(const ws_conn_t* conn) {
  return conn->out.bytes + conn->after.bytes;
}

size_t ws_conn_queued_bytes(const ws_conn_t* conn) {
  return ws__conn_queued(conn);
}

const char* ws_conn_subprotocol(const ws_conn_t* conn) {
  return conn->subprotocol;
}

uint64_t ws_conn_skipped_messages(const ws_conn_t* conn) {
  return conn->skipped;
}

int ws_conn_http_status(const ws_conn_t* conn) {
  return conn->http_status;
}
