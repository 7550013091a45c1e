/* One connection: the handshake, whole frames fed to a borrowed wslay
 * context, the output queue, deadlines and the close. */
#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

/* Buffers handed to one write; Wine rejects very long lists. */
#define WS__MAX_BUFS 16

static void ws__conn_close_handle(ws_conn_t* conn);
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

static int ws__conn_send_frame(ws_conn_t* conn, unsigned int opcode,
                               const void* data, size_t len) {
  unsigned char header[WS__MAX_HEADER];
  unsigned char key[4];
  size_t hlen;
  int r;

  if (conn->server->client_role) {
    ws__rng_bytes(&conn->server->rng, key, sizeof(key));
    hlen = ws__frame_header(header, opcode, len, key);
    r = ws__outq_append_masked(&conn->out, header, hlen, data, len, key);
  } else {
    hlen = ws__frame_header(header, opcode, len, NULL);
    r = ws__outq_append(&conn->out, header, hlen, data, len);
  }
  if (r == 0)
    ws__conn_mark_dirty(conn);
  return r;
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

static void ws__conn_set_close_info(ws_conn_t* conn, uint16_t code,
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
  if (conn->dial != NULL && ws__dial_busy(conn->dial))
    conn->free_pending = 1; /* the DNS callback frees it */
  else
    ws__conn_free(conn);
}

static void ws__conn_close_handle(ws_conn_t* conn) {
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
  } else if (server->client_role) {
    ws__client_connect_failed(conn);
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

static ws__engine_t* ws__conn_engine(ws_conn_t* conn) {
  if (conn->engine == NULL)
    conn->engine = ws__engine_lend(conn->server, conn);
  return conn->engine;
}

/* Lets wslay write what it queued (pongs, close frames) and decides what
 * the connection does next. */
static void ws__conn_after_engine(ws_conn_t* conn) {
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
static void ws__conn_fail(ws_conn_t* conn, uint16_t code) {
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

/* ---- Receiving ---- */

void ws__conn_on_wslay_message(ws_conn_t* conn,
                               const struct wslay_event_on_msg_recv_arg* arg) {
  const ws_server_callbacks_t* cb;

  cb = &conn->server->callbacks;
  if (conn->state != WS__CONN_OPEN)
    return;
  /* Pongs to pings that came before this message go out before any answer
   * to it. */
  if (wslay_event_send(conn->engine->ctx) != 0) {
    ws__conn_fail_later(conn, WS_ENOMEM);
    return;
  }
  switch (arg->opcode) {
    case WSLAY_TEXT_FRAME:
    case WSLAY_BINARY_FRAME:
      if (cb->on_message != NULL)
        cb->on_message(conn, (ws_opcode_t) arg->opcode, arg->msg,
                       arg->msg_length);
      break;
    case WSLAY_PONG:
      if (cb->on_pong != NULL)
        cb->on_pong(conn, arg->msg, arg->msg_length);
      break;
    case WSLAY_CONNECTION_CLOSE:
      ws__conn_set_close_info(conn,
                              arg->status_code != 0 ? arg->status_code
                                                    : WS_CLOSE_NO_STATUS,
                              arg->msg_length > 2 ? arg->msg + 2 : NULL,
                              arg->msg_length > 2 ? arg->msg_length - 2 : 0);
      break;
    default:
      break;
  }
}

/* Payload byte i of a frame whose header is hsize bytes, unmasked. */
static unsigned char ws__payload_byte(const unsigned char* frame,
                                      size_t hsize, size_t i) {
  if (!(frame[1] & 0x80))
    return frame[hsize + i];
  return frame[hsize + i] ^ frame[hsize - 4 + (i & 3)];
}

/* The UTF-8 state at the end of a text frame's payload, from the state at
 * its start. wslay checks every whole frame, so the message before this
 * point is valid and only its last character can be unfinished: it starts
 * in the last three bytes, as a character of four bytes at most. */
static uint32_t ws__frame_utf8_end(const unsigned char* frame, size_t total,
                                   uint32_t state) {
  size_t hsize;
  size_t len;
  size_t i;

  hsize = ws__frame_header_size(frame);
  len = total - hsize;
  i = 0;
  if (len > 3) {
    i = len - 3;
    state = 0;
    /* Continuation bytes here end a character that began earlier. */
    while (i < len && (ws__payload_byte(frame, hsize, i) & 0xc0) == 0x80)
      i++;
  }
  for (; i < len; i++)
    state = ws__utf8_step(state, ws__payload_byte(frame, hsize, i));
  return state;
}

/* Tracks what the frames fed leave open: a fragmented message, and if it
 * is text, where its UTF-8 stands. */
static void ws__conn_track_fragments(ws_conn_t* conn,
                                     const unsigned char* frames,
                                     size_t len) {
  uint64_t total;
  unsigned int opcode;
  int fin;

  while (len > 0 &&
         ws__frame_measure(frames, len, &total) == WS__FRAME_COMPLETE) {
    opcode = frames[0] & 0x0f;
    fin = frames[0] & 0x80;
    if (opcode == WSLAY_TEXT_FRAME || opcode == WSLAY_BINARY_FRAME) {
      conn->in_fragment = !fin;
      conn->fragment_text = !fin && opcode == WSLAY_TEXT_FRAME;
      conn->message_utf8 = 0;
    }
    if (conn->fragment_text &&
        (opcode == WSLAY_TEXT_FRAME || opcode == WSLAY_CONTINUATION_FRAME))
      conn->message_utf8 = ws__frame_utf8_end(frames, (size_t) total,
                                              conn->message_utf8);
    if (opcode == WSLAY_CONTINUATION_FRAME && fin) {
      conn->in_fragment = 0;
      conn->fragment_text = 0;
    }
    frames += total;
    len -= (size_t) total;
  }
}

/* Checks the UTF-8 of a text frame's payload as it arrives, before the
 * frame is whole and wslay sees it, so bad text fails at once. */
static int ws__conn_partial_utf8_bad(ws_conn_t* conn) {
  const unsigned char* p;
  unsigned int opcode;
  size_t hsize;
  size_t i;
  int masked;

  p = conn->partial;
  if (conn->partial_len < 2)
    return 0;
  hsize = ws__frame_header_size(p);
  opcode = p[0] & 0x0f;
  /* Masking wrong for our role, reserved bits and binary are wslay's to
   * judge (servers get masked frames, clients unmasked). */
  masked = (p[1] & 0x80) != 0;
  if (conn->partial_len <= hsize || masked == conn->server->client_role ||
      (p[0] & 0x70) != 0 ||
      !(opcode == WSLAY_TEXT_FRAME ||
        (opcode == WSLAY_CONTINUATION_FRAME && conn->fragment_text)))
    return 0;
  if (conn->partial_checked < hsize) {
    conn->partial_checked = hsize;
    conn->partial_utf8 =
        opcode == WSLAY_TEXT_FRAME ? 0 : conn->message_utf8;
  }
  for (i = conn->partial_checked; i < conn->partial_len; i++)
    conn->partial_utf8 = ws__utf8_step(conn->partial_utf8,
                                       ws__payload_byte(p, hsize, i - hsize));
  conn->partial_checked = conn->partial_len;
  return conn->partial_utf8 == WS__UTF8_REJECT;
}

/* Feeds whole frames to wslay. */
static void ws__conn_engine_feed(ws_conn_t* conn, const unsigned char* frames,
                                 size_t len) {
  ws__engine_t* engine;
  int r;

  engine = ws__conn_engine(conn);
  if (engine == NULL) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  ws__conn_track_fragments(conn, frames, len);
  engine->in = frames;
  engine->in_len = len;
  conn->in_engine = 1;
  r = wslay_event_recv(engine->ctx);
  conn->in_engine = 0;
  engine->in = NULL;
  engine->in_len = 0;
  if (conn->state != WS__CONN_OPEN)
    return; /* a callback closed it */
  if (r != 0) {
    ws__conn_abort(conn, r == WSLAY_ERR_NOMEM ? WS_ENOMEM : WS_EINTERNAL);
    return;
  }
  ws__conn_after_engine(conn);
}

/* Whether a whole frame may skip wslay: a final text or binary frame,
 * masked as our role requires, no reserved bits, within the size limit,
 * and no fragmented message or close under way. wslay unmasks a byte at a
 * time and copies each message twice; this path does neither. */
static int ws__frame_is_fast(const ws_conn_t* conn, const unsigned char* f,
                             uint64_t total) {
  unsigned int opcode;
  int masked;

  opcode = f[0] & 0x0f;
  masked = (f[1] & 0x80) != 0;
  return (f[0] & 0xf0) == 0x80 &&
         (opcode == WSLAY_TEXT_FRAME || opcode == WSLAY_BINARY_FRAME) &&
         masked != conn->server->client_role && !conn->in_fragment &&
         !conn->close_queued &&
         total - ws__frame_header_size(f) <=
             conn->server->options.max_message_size;
}

/* Unmasks a fast frame in place, checks its text, and delivers it. */
static void ws__conn_deliver(ws_conn_t* conn, unsigned char* frame,
                             size_t total) {
  ws_server_callbacks_t* cb;
  unsigned char* payload;
  size_t hsize;
  size_t len;

  cb = &conn->server->callbacks;
  hsize = ws__frame_header_size(frame);
  payload = frame + hsize;
  len = total - hsize;
  if (frame[1] & 0x80)
    ws__mask_copy(payload, payload, len, frame + hsize - 4);
  if ((frame[0] & 0x0f) == WSLAY_TEXT_FRAME && !ws__utf8_valid(payload, len)) {
    ws__conn_fail(conn, WS_CLOSE_INVALID_DATA);
    return;
  }
  if (cb->on_message != NULL)
    cb->on_message(conn, (ws_opcode_t) (frame[0] & 0x0f), payload, len);
}

/* Handles whole frames in order: fast ones here, runs of the others
 * through wslay. */
static void ws__conn_process(ws_conn_t* conn, unsigned char* frames,
                             size_t len) {
  uint64_t total;
  size_t run;
  size_t off;

  run = 0;
  off = 0;
  while (off < len && conn->state == WS__CONN_OPEN) {
    ws__frame_measure(frames + off, len - off, &total);
    if (!ws__frame_is_fast(conn, frames + off, total)) {
      run += (size_t) total;
      off += (size_t) total;
      continue;
    }
    if (run > 0) {
      /* wslay first; then look at this frame again in the new state. */
      ws__conn_engine_feed(conn, frames + off - run, run);
      run = 0;
      continue;
    }
    ws__conn_deliver(conn, frames + off, (size_t) total);
    off += (size_t) total;
  }
  if (run > 0 && conn->state == WS__CONN_OPEN)
    ws__conn_engine_feed(conn, frames + off - run, run);
}

static size_t ws__frame_payload_limit(const ws_conn_t* conn) {
  return conn->server->options.max_message_size;
}

/* Checks the frame at data once its length is known: 0 if it may be
 * buffered, else the close code it gets. */
static uint16_t ws__conn_check_frame(const ws_conn_t* conn,
                                     const unsigned char* data, size_t len,
                                     uint64_t* total) {
  int r;

  r = ws__frame_measure(data, len, total);
  if (r == WS__FRAME_INVALID)
    return WS_CLOSE_PROTOCOL_ERROR;
  if (*total > (uint64_t) ws__frame_payload_limit(conn) + 14)
    return WS_CLOSE_TOO_BIG;
  return 0;
}

/* Keeps len more bytes of the frame being received, whose whole length is
 * total (0 while unknown). The buffer grows with what arrives, never to
 * what a header merely announces. */
static int ws__conn_keep_partial(ws_conn_t* conn, const unsigned char* data,
                                 size_t len, uint64_t total) {
  unsigned char* p;
  size_t need;
  size_t cap;

  need = conn->partial_len + len;
  if (need > conn->partial_cap) {
    cap = conn->partial_cap != 0 ? conn->partial_cap * 2 : 256;
    if (cap < need)
      cap = need;
    if (total != 0 && cap > total)
      cap = (size_t) total;
    p = ws__realloc(conn->partial, cap);
    if (p == NULL)
      return WS_ENOMEM;
    conn->partial = p;
    conn->partial_cap = cap;
  }
  memcpy(conn->partial + conn->partial_len, data, len);
  conn->partial_len += len;
  return 0;
}

static void ws__conn_drop_partial(ws_conn_t* conn) {
  ws__free(conn->partial);
  conn->partial = NULL;
  conn->partial_len = 0;
  conn->partial_cap = 0;
  conn->partial_checked = 0;
}

/* Completes the buffered partial frame from data; returns bytes used. */
static size_t ws__conn_fill_partial(ws_conn_t* conn, unsigned char* data,
                                    size_t len) {
  uint64_t total;
  uint16_t code;
  size_t want;
  size_t used;

  used = 0;
  for (;;) {
    code = ws__conn_check_frame(conn, conn->partial, conn->partial_len,
                                &total);
    if (code != 0) {
      ws__conn_fail(conn, code);
      return len;
    }
    /* Until the length is known, take only what the header may need, so
     * the buffer never holds the start of the next frame. */
    want = total != 0 ? (size_t) total - conn->partial_len
                      : (conn->partial_len < 2 ? 2 - conn->partial_len : 1);
    if (want == 0) {
      ws__conn_process(conn, conn->partial, conn->partial_len);
      ws__conn_drop_partial(conn);
      return used;
    }
    if (used == len)
      return used;
    if (want > len - used)
      want = len - used;
    if (ws__conn_keep_partial(conn, data + used, want, total) != 0) {
      ws__conn_abort(conn, WS_ENOMEM);
      return len;
    }
    used += want;
    if (ws__conn_partial_utf8_bad(conn)) {
      ws__conn_fail(conn, WS_CLOSE_INVALID_DATA);
      return len;
    }
  }
}

static void ws__conn_feed_frames(ws_conn_t* conn, unsigned char* data,
                                 size_t len) {
  uint64_t total;
  uint16_t code;
  size_t whole;
  size_t used;

  while (len > 0 && conn->state == WS__CONN_OPEN) {
    if (conn->partial_len > 0) {
      used = ws__conn_fill_partial(conn, data, len);
      data += used;
      len -= used;
      continue;
    }
    whole = 0;
    while (whole < len && ws__frame_measure(data + whole, len - whole,
                                            &total) == WS__FRAME_COMPLETE)
      whole += (size_t) total;
    if (whole > 0) {
      ws__conn_process(conn, data, whole);
      data += whole;
      len -= whole;
      continue;
    }
    code = ws__conn_check_frame(conn, data, len, &total);
    if (code != 0) {
      ws__conn_fail(conn, code);
      return;
    }
    if (ws__conn_keep_partial(conn, data, len, total) != 0)
      ws__conn_abort(conn, WS_ENOMEM);
    else if (ws__conn_partial_utf8_bad(conn))
      ws__conn_fail(conn, WS_CLOSE_INVALID_DATA);
    return;
  }
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

/* ---- Sending ---- */

void ws__conn_mark_dirty(ws_conn_t* conn) {
  ws_server_t* server;

  server = conn->server;
  if (ws__list_linked(&conn->dirty_node) || conn->state == WS__CONN_CLOSED)
    return;
  if (ws__list_empty(&server->dirty) && !conn->detached)
    uv_prepare_start(&server->flush, ws__server_on_flush);
  ws__list_insert_tail(&server->dirty, &conn->dirty_node);
}

/* After the shutdown the connection keeps reading until the peer closes
 * too, or the close timeout: closing with unread input would reset it. */
static void ws__on_shutdown(uv_shutdown_t* req, int status) {
  (void) status;
  ws__free(req);
}

static void ws__conn_finish(ws_conn_t* conn) {
  uv_shutdown_t* req;

  if (conn->shutdown_sent)
    return;
  conn->shutdown_sent = 1;
  if (conn->detached) {
    ws__conn_close_handle(conn);
    return;
  }
  req = ws__malloc(sizeof(*req));
  if (req == NULL) {
    ws__conn_close_handle(conn);
    return;
  }
  req->data = conn;
  if (uv_shutdown(req, (uv_stream_t*) &conn->tcp, ws__on_shutdown) != 0) {
    ws__free(req);
    ws__conn_close_handle(conn);
  }
}

static void ws__on_write(uv_write_t* req, int status) {
  ws_conn_t* conn;

  conn = req->data;
  ws__free(req);
  conn->write_req = NULL;
  if (status < 0) {
    ws__conn_abort(conn, status);
    return;
  }
  ws__outq_consume(&conn->out, conn->write_len);
  conn->write_len = 0;
  ws__conn_flush(conn);
}

void ws__conn_flush(ws_conn_t* conn) {
  uv_buf_t bufs[WS__MAX_BUFS];
  unsigned int n;
  unsigned int i;
  size_t len;
  int r;

  if (conn->pending_error != 0) {
    ws__conn_abort(conn, conn->pending_error);
    return;
  }
  if (conn->slow_close && conn->state == WS__CONN_OPEN) {
    conn->slow_close = 0;
    ws__conn_start_close(conn, WS_CLOSE_POLICY, "slow consumer", 13,
                         WS_EQUEUEFULL);
    if (conn->state == WS__CONN_CLOSED)
      return;
  }
  if (conn->state == WS__CONN_CLOSED || conn->state == WS__CONN_CONNECTING ||
      conn->write_req != NULL)
    return;
  while (conn->out.bytes > 0 && !conn->detached) {
    n = ws__outq_bufs(&conn->out, bufs, WS__MAX_BUFS);
    for (len = 0, i = 0; i < n; i++)
      len += bufs[i].len;
    r = uv_try_write((uv_stream_t*) &conn->tcp, bufs, n);
    if (r == UV_EAGAIN || r == UV_ENOSYS)
      break;
    if (r < 0) {
      ws__conn_abort(conn, r);
      return;
    }
    ws__outq_consume(&conn->out, (size_t) r);
    if ((size_t) r < len)
      break;
  }
  if (conn->out.bytes > 0 && !conn->detached) {
    conn->write_req = ws__malloc(sizeof(*conn->write_req));
    if (conn->write_req == NULL) {
      ws__conn_abort(conn, WS_ENOMEM);
      return;
    }
    conn->write_req->data = conn;
    n = ws__outq_bufs(&conn->out, bufs, WS__MAX_BUFS);
    for (len = 0, i = 0; i < n; i++)
      len += bufs[i].len;
    conn->write_len = len;
    r = uv_write(conn->write_req, (uv_stream_t*) &conn->tcp, bufs, n,
                 ws__on_write);
    if (r != 0) {
      ws__free(conn->write_req);
      conn->write_req = NULL;
      ws__conn_abort(conn, r);
    }
    return;
  }
  if (conn->state == WS__CONN_DRAIN && conn->out.bytes == 0)
    ws__conn_finish(conn);
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

int ws_conn_send(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                 size_t len) {
  int r;

  if (conn == NULL || (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY) ||
      (data == NULL && len > 0))
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  if (conn->out.bytes + len + WS__MAX_HEADER >
      conn->server->options.max_queued_bytes) {
    ws__conn_fail_later(conn, WS_EQUEUEFULL);
    return WS_EQUEUEFULL;
  }
  r = ws__conn_send_frame(conn, (unsigned int) opcode, data, len);
  if (r != 0)
    ws__conn_fail_later(conn, r);
  return r;
}

int ws_conn_ping(ws_conn_t* conn, const void* data, size_t len) {
  int r;

  if (conn == NULL || len > 125 || (data == NULL && len > 0))
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  r = ws__conn_send_frame(conn, 0x9, data, len);
  if (r != 0)
    ws__conn_fail_later(conn, r);
  return r;
}

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
