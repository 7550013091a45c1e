/* A connection's state and memory: making and freeing one, its deadlines,
 * dropping it, and its accessors. The close handshake is close.c's, the
 * opening handshake handshake.c's, frames in recv.c's, bytes out send.c's. */
#include "uvws_int.h"

#include <string.h>

ws_conn_t* ws__conn_new(ws__hub_t* hub) {
  ws_request_t* request;
  ws_conn_t* conn;

  conn = ws__calloc(1, sizeof(*conn));
  if (conn == NULL)
    return NULL;
  conn->busy = (ws__busy_t*) &ws__conn_no_busy;
  request = ws__malloc(sizeof(*request));
  if (request == NULL || ws__conn_extra(conn) == NULL) {
    ws__free(request);
    ws__free(conn->extra);
    ws__free(conn);
    return NULL;
  }
  ws__request_init(request, hub->options.max_header_size,
                   hub->role->http_type);
  conn->extra->request = request;
  conn->hub = hub;
  conn->state = hub->role->first_state;
  conn->since = uv_now(hub->loop);
  ws__list_insert_tail(&hub->conns, &conn->node);
  hub->conn_count++;
  ws__conn_schedule(conn);
  return conn;
}

/* Gives the busy state, which holds nothing, back to the hub's pool. */
static void ws__conn_return_busy(ws_conn_t* conn) {
  ws__busy_t* busy;
  ws__hub_t* hub;

  busy = conn->busy;
  hub = conn->hub;
  conn->busy = (ws__busy_t*) &ws__conn_no_busy;
  if (hub->free_busy_count >= WS__BUSY_POOL_MIN &&
      hub->free_busy_count >= hub->conn_count) {
    ws__free(busy);
    return;
  }
  /* The rest is zero or unlinked once it holds nothing; ping_sent and
   * ping_consumed are set with each ping. */
  busy->out.consumed = 0;
  busy->pong_end = 0;
  busy->drain_mark = 0;
  busy->inflate_fail = 0;
  busy->inflating = 0;
  busy->next = hub->free_busy;
  hub->free_busy = busy;
  hub->free_busy_count++;
}

/* Frees what the busy state holds and gives it back. */
static void ws__conn_free_busy(ws_conn_t* conn) {
  ws__busy_t* busy;

  busy = conn->busy;
  if (!ws__conn_has_busy(conn))
    return;
  ws__list_remove(&busy->resume.node);
  /* A context given back mid-message would confuse its next borrower. */
  if (busy->engine != NULL) {
    ws__engine_discard(busy->engine);
    WS__COUNT_N(conn->hub, wslay_contexts_in_use, -1);
    busy->engine = NULL;
  }
  ws__free(busy->partial);
  ws__free(busy->message);
  ws__free(busy->pong);
  ws__free(busy->held);
  busy->partial = NULL;
  busy->message = NULL;
  busy->pong = NULL;
  busy->held = NULL;
  ws__outq_clear(&busy->out);
  ws__outq_clear(&busy->after);
  busy->write_req = NULL;
  busy->write_len = 0;
  ws__conn_return_busy(conn);
}

static void ws__conn_free_request(ws_conn_t* conn) {
  if (conn->extra == NULL || conn->extra->request == NULL)
    return;
  ws__request_free(conn->extra->request);
  ws__free(conn->extra->request);
  conn->extra->request = NULL;
}

void ws__conn_free(ws_conn_t* conn) {
  ws__hub_t* hub;

  hub = conn->hub;
  ws__wheel_cancel(hub, conn);
  ws__list_remove(&conn->dirty_node);
  ws__list_remove(&conn->node);
  hub->conn_count--;
  ws__conn_free_request(conn);
  /* First: a stream lent for a message is in the busy state. */
  ws__deflate_conn_free(conn);
  ws__conn_free_busy(conn);
  ws__busy_pool_trim(hub);
  hub->role->release(conn);
  if (conn->extra != NULL) {
    ws__free(conn->extra->subprotocol);
    ws__free(conn->extra->close_reason);
    ws__free(conn->extra);
  }
  ws__free(conn);
  ws__hub_maybe_closed(hub);
}

ws__busy_t* ws__conn_lend_busy(ws_conn_t* conn) {
  ws__busy_t* busy;
  ws__hub_t* hub;

  hub = conn->hub;
  busy = hub->free_busy;
  if (busy != NULL) {
    hub->free_busy = busy->next;
    hub->free_busy_count--;
  } else {
    busy = ws__calloc(1, sizeof(*busy));
    if (busy == NULL)
      return NULL;
    busy->out.spare = &hub->spare_seg;
  }
  conn->busy = busy;
  return busy;
}

void ws__conn_maybe_idle(ws_conn_t* conn) {
  ws__busy_t* busy;

  busy = conn->busy;
  if (!ws__conn_has_busy(conn) || conn->ping_outstanding)
    return;
  /* An on_drain owed for bytes written already (a large send that went
   * straight to the socket) is counted in it: kept until it comes. */
  if (conn->drain_wanted && busy->out.consumed != busy->drain_mark)
    return;
  /* One test for all that may still need it. */
  if (((uintptr_t) busy->out.head | (uintptr_t) busy->after.head |
       (uintptr_t) busy->write_req | (uintptr_t) busy->engine |
       (uintptr_t) busy->partial | (uintptr_t) busy->message |
       (uintptr_t) busy->pong | (uintptr_t) busy->held |
       (uintptr_t) busy->inflater |
       (uintptr_t) busy->resume.node.next) != 0)
    return;
  /* All written: no pong waits behind another. */
  conn->pong_stalled = 0;
  ws__conn_return_busy(conn);
}

ws__conn_extra_t* ws__conn_extra(ws_conn_t* conn) {
  ws__conn_extra_t* extra;

  if (conn->extra != NULL)
    return conn->extra;
  extra = ws__calloc(1, sizeof(*extra));
  if (extra == NULL)
    return NULL;
  ws__list_init(&extra->rooms);
  conn->extra = extra;
  return extra;
}

/* An open connection keeps its extra state only if it uses some. */
static void ws__conn_trim_extra(ws_conn_t* conn) {
  ws__conn_extra_t* e;

  e = conn->extra;
  if (e == NULL || e->transport != NULL || e->stream != NULL ||
      e->adopted != NULL || e->request != NULL || e->dial != NULL ||
      e->subprotocol != NULL || !ws__list_empty(&e->rooms) ||
      e->skipped != 0 || e->id != 0 || e->close_reason != NULL ||
      e->inflater != NULL || e->deflater != NULL)
    return;
  ws__free(e);
  conn->extra = NULL;
}

void ws__conn_open(ws_conn_t* conn) {
  ws__conn_free_request(conn);
  conn->state = WS__CONN_OPEN;
  conn->opened = 1;
  conn->since = uv_now(conn->hub->loop);
  ws__conn_trim_extra(conn);
  ws__conn_schedule(conn);
  ws__conn_mark_dirty(conn);
  WS__LOG(conn->hub, WS_LOG_DEBUG, conn, "open");
  if (conn->hub->callbacks.on_open != NULL)
    conn->hub->callbacks.on_open(conn);
}

int ws__conn_is_open(const ws_conn_t* conn) {
  return conn->state == WS__CONN_OPEN && !conn->close_queued &&
         !conn->fail_pending && !conn->slow_close;
}

ws__engine_t* ws__conn_engine(ws_conn_t* conn) {
  ws__busy_t* busy;

  if (conn->busy->engine != NULL)
    return conn->busy->engine;
  busy = ws__conn_busy(conn);
  if (busy == NULL)
    return NULL;
  busy->engine = ws__engine_lend(conn->hub, conn);
  /* RSV1 marks a compressed message, once deflate is negotiated. */
  if (busy->engine != NULL)
    wslay_event_config_set_allowed_rsv_bits(
        busy->engine->ctx, conn->pmd ? WSLAY_RSV1_BIT : WSLAY_RSV_NONE);
  return busy->engine;
}

void ws__conn_set_close_info(ws_conn_t* conn, uint16_t code,
                             const void* reason, size_t len) {
  ws__conn_extra_t* extra;

  conn->close_code = code;
  if (len > 123)
    len = 123;
  extra = conn->extra;
  if (extra != NULL) {
    ws__free(extra->close_reason);
    extra->close_reason = NULL;
    extra->close_reason_len = 0;
  }
  if (len == 0)
    return;
  /* Out of memory, the reason is lost; the code stays. */
  extra = ws__conn_extra(conn);
  if (extra == NULL)
    return;
  extra->close_reason = ws__strndup(reason, len);
  if (extra->close_reason != NULL)
    extra->close_reason_len = (uint8_t) len;
}

const char* ws__conn_close_reason(const ws_conn_t* conn, size_t* len) {
  if (conn->extra == NULL || conn->extra->close_reason == NULL) {
    *len = 0;
    return "";
  }
  *len = conn->extra->close_reason_len;
  return conn->extra->close_reason;
}

void ws__conn_set_error(ws_conn_t* conn, int error) {
  if (conn->error == 0)
    conn->error = (int16_t) error;
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
      return ws__after(conn->since, o->handshake_timeout);
    case WS__CONN_OPEN:
      if (conn->close_queued)
        return ws__after(conn->since, o->close_timeout);
      /* Paused, it hears nothing, by the application's choice: the idle
       * timeout waits, pings go on, and a ping's timeout checks that the
       * peer takes what is written (see ws__conn_on_deadline()). */
      if (conn->paused)
        return conn->ping_outstanding
                   ? ws__after(conn->busy->ping_sent, o->pong_timeout)
                   : ws__after(conn->since, o->ping_interval);
      d = ws__after(conn->since, o->idle_timeout);
      if (conn->ping_outstanding)
        return ws__min_deadline(d, ws__after(conn->busy->ping_sent,
                                             o->pong_timeout));
      return ws__min_deadline(d, ws__after(conn->since, o->ping_interval));
    case WS__CONN_DRAIN:
      return ws__after(conn->since, o->close_timeout);
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
  ws__list_remove(&conn->busy->resume.node);
  hub->role->closing(conn);
  if (conn->opened) {
    info.code = conn->close_code != 0 ? conn->close_code : WS_CLOSE_ABNORMAL;
    info.reason = ws__conn_close_reason(conn, &info.reason_len);
    info.clean = conn->clean;
    info.error = conn->error;
    WS__COUNT(hub, connections_closed);
    ws__conn_log_close(conn, &info);
    if (hub->callbacks.on_close != NULL)
      hub->callbacks.on_close(conn, &info);
  }
  if (!conn->detached)
    ws__conn_transport(conn)->close(conn);
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
  /* The error is the connection's own, as ws__conn_abort() would set it
   * at the flush. */
  if (!conn->fail_pending) {
    conn->fail_pending = 1;
    if (!conn->clean)
      ws__conn_set_error(conn, error);
  }
  ws__conn_mark_dirty(conn);
}

void ws__conn_on_slow(ws_conn_t* conn) {
  if (conn->hub->options.slow_policy == WS_SLOW_SKIP) {
    if (ws__conn_extra(conn) != NULL)
      conn->extra->skipped++;
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
  ws__list_remove(&conn->busy->resume.node);
  if (!conn->detached)
    ws__conn_transport(conn)->read_stop(conn);
  ws__conn_schedule(conn);
  return 0;
}

static void ws__conn_on_resume(ws__deferred_t* deferred) {
  ws_conn_t* conn;

  conn = WS__CONTAINER_OF(deferred, ws__busy_t, resume)->conn;
  conn->hub->io->on_resumed(conn);
}

int ws__conn_unpause(ws_conn_t* conn) {
  ws__hub_t* hub;

  hub = conn->hub;
  conn->paused = 0;
  conn->since = uv_now(hub->loop);
  if (conn->ping_outstanding)
    conn->busy->ping_sent = conn->since;
  ws__conn_schedule(conn);
  if (conn->busy->held != NULL) {
    /* Fed from the loop, never from inside the caller; reading starts
     * once it is all taken. */
    conn->busy->conn = conn;
    conn->busy->resume.cb = ws__conn_on_resume;
    ws__hub_defer(hub, &conn->busy->resume);
    return 0;
  }
  if (conn->detached)
    return 0;
  return ws__conn_transport(conn)->read_start(conn);
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
  return ws__conn_transport(conn)->peer_addr(conn, addr);
}

size_t ws__conn_queued(const ws_conn_t* conn) {
  return conn->busy->out.bytes + conn->busy->after.bytes;
}

size_t ws_conn_queued_bytes(const ws_conn_t* conn) {
  return ws__conn_queued(conn);
}

const char* ws_conn_subprotocol(const ws_conn_t* conn) {
  return conn->extra != NULL ? conn->extra->subprotocol : NULL;
}

uint64_t ws_conn_skipped_messages(const ws_conn_t* conn) {
  return conn->extra != NULL ? conn->extra->skipped : 0;
}

int ws_conn_http_status(const ws_conn_t* conn) {
  /* An open client's extra state may be gone: its answer was 101. */
  if (conn->extra != NULL)
    return conn->extra->http_status;
  return conn->opened && conn->hub->role == &ws__client_role ? 101 : 0;
}
