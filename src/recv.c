/* Bytes in: what the transport read goes to the role's handshake, then
 * to frames. Each frame header is parsed once into a ws__frame_t, checked
 * against the limits, and routed: whole final text and binary frames are
 * delivered from the read buffer (the fast path), pings and pongs are
 * answered here, and the rest (fragments, close frames, anything wslay
 * must judge) go to a wslay context in runs. wslay does not buffer data
 * frames: their payload is assembled here, in one buffer per message that
 * is bounded by max_message_size however the message is fragmented. */
#include "uvws_int.h"

#include <string.h>

/* ---- Messages assembled from fragments ---- */

struct ws__message_s {
  size_t len;
  size_t cap;
  uint64_t announced; /* payload of the frames scanned so far */
  unsigned char data[1];
};

static void ws__message_free(ws_conn_t* conn) {
  if (conn->busy->message == NULL)
    return;
  ws__free(conn->busy->message);
  conn->busy->message = NULL;
}

/* A text or binary frame that starts a message wslay will see. */
static int ws__message_start(ws_conn_t* conn, uint64_t payload_len) {
  ws__message_t* m;

  ws__message_free(conn);
  if (ws__conn_busy(conn) == NULL)
    return WS_ENOMEM;
  m = ws__malloc(sizeof(*m));
  if (m == NULL)
    return WS_ENOMEM;
  m->len = 0;
  m->cap = sizeof(m->data);
  m->announced = payload_len;
  conn->busy->message = m;
  return 0;
}

static int ws__message_append(ws_conn_t* conn, const unsigned char* data,
                              size_t len) {
  ws__message_t* m;
  size_t limit;
  size_t cap;

  m = conn->busy->message;
  if (len > m->cap - m->len) {
    /* Doubling, but never past the limit the frames were checked
     * against: the whole message fits in it. */
    limit = conn->hub->options.max_message_size;
    cap = m->cap > 128 ? m->cap * 2 : 256;
    if (cap > limit)
      cap = limit;
    if (cap < m->len + len)
      cap = m->len + len;
    m = ws__realloc(m, offsetof(ws__message_t, data) + cap);
    if (m == NULL)
      return WS_ENOMEM;
    m->cap = cap;
    conn->busy->message = m;
  }
  memcpy(m->data + m->len, data, len);
  m->len += len;
  return 0;
}

/* The UTF-8 state at the end of the message so far. wslay checked every
 * byte of it, so only its last character can be unfinished: it starts in
 * the last three bytes, as a character of four bytes at most. */
static uint32_t ws__message_utf8_end(const ws_conn_t* conn) {
  const ws__message_t* m;
  uint32_t state;
  size_t i;

  m = conn->busy->message;
  if (m == NULL)
    return 0;
  i = m->len > 3 ? m->len - 3 : 0;
  /* Continuation bytes here end a character that began earlier. */
  while (i < m->len && i > 0 && (m->data[i] & 0xc0) == 0x80)
    i++;
  for (state = 0; i < m->len; i++)
    state = ws__utf8_step(state, m->data[i]);
  return state;
}

/* ---- Compressed messages (permessage-deflate) ---- */

/* Inflated bytes count against max_message_size as they come. */
static int ws__message_sink(ws_conn_t* conn, const unsigned char* data,
                            size_t len) {
  if (len > conn->hub->options.max_message_size - conn->busy->message->len)
    return WS_ETOOBIG;
  return ws__message_append(conn, data, len);
}

/* The close code for what inflating found; 0 for no memory. */
static uint16_t ws__inflate_close_code(int err) {
  switch (err) {
    case WS_ETOOBIG:
      return WS_CLOSE_TOO_BIG;
    case WS_EPROTO:
      return WS_CLOSE_INVALID_DATA;
    default:
      return 0;
  }
}

/* The close code inflating found, for a connection with deflate. */
static uint16_t ws__conn_inflate_fail(const ws_conn_t* conn) {
  return conn->busy->inflate_fail;
}

static int ws__conn_inflating(const ws_conn_t* conn) {
  return conn->busy->inflating;
}

/* Inflating failed while wslay reads: it reads no further, and the
 * connection fails once wslay returns (ws__conn_engine_feed()). */
static void ws__conn_inflate_failed(ws_conn_t* conn, int err) {
  conn->busy->inflate_fail = ws__inflate_close_code(err);
  if (conn->busy->inflate_fail == 0)
    ws__conn_fail_later(conn, err);
  else
    wslay_event_shutdown_read(conn->busy->engine->ctx);
}

/* Ends the compressed message assembled in the busy state: the rest of
 * the data, then its text checked. Returns 0 or an error. */
static int ws__message_inflate_end(ws_conn_t* conn, unsigned int opcode,
                                   const unsigned char* data, size_t len) {
  int r;

  conn->busy->inflating = 0;
  r = ws__inflate(conn, data, len, 1, ws__message_sink);
  ws__inflate_done(conn);
  if (r == 0 && opcode == WS__OP_TEXT &&
      !ws__utf8_valid(conn->busy->message->data, conn->busy->message->len))
    r = WS_EPROTO;
  return r;
}

static void ws__conn_on_wslay_chunk(ws_conn_t* conn,
                                    const unsigned char* data, size_t len) {
  int r;

  if (conn->busy->message == NULL || conn->state != WS__CONN_OPEN ||
      ws__conn_inflate_fail(conn) != 0)
    return;
  r = ws__conn_inflating(conn)
          ? ws__inflate(conn, data, len, 0, ws__message_sink)
          : ws__message_append(conn, data, len);
  if (r != 0)
    ws__conn_inflate_failed(conn, r);
}

static void ws__conn_on_wslay_message(
    ws_conn_t* conn, const struct wslay_event_on_msg_recv_arg* arg) {
  const ws__conn_callbacks_t* cb;
  ws__message_t* m;
  const char* reason;
  size_t reason_len;
  int r;

  cb = &conn->hub->callbacks;
  if (conn->state != WS__CONN_OPEN)
    return;
  switch (arg->opcode) {
    case WSLAY_TEXT_FRAME:
    case WSLAY_BINARY_FRAME:
      if (ws__conn_inflating(conn) && conn->busy->message != NULL &&
          ws__conn_inflate_fail(conn) == 0) {
        r = ws__message_inflate_end(conn, arg->opcode, NULL, 0);
        if (r != 0)
          ws__conn_inflate_failed(conn, r);
      }
      if (ws__conn_inflate_fail(conn) != 0)
        break;
      m = conn->busy->message;
      conn->busy->message = NULL;
      if (m != NULL) {
        WS__COUNT(conn->hub, messages_in);
        WS__COUNT_N(conn->hub, message_bytes_in, m->len);
      }
      if (m != NULL && cb->on_message != NULL && !conn->fail_pending)
        cb->on_message(conn, (ws_opcode_t) arg->opcode, m->data, m->len);
      ws__free(m);
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
      WS__COUNT(conn->hub,
                close_codes_received[ws__close_code_slot(conn->close_code)]);
      /* No more sends from here: the close frame goes out next. */
      conn->close_queued = 1;
      if (cb->on_peer_close != NULL) {
        reason = ws__conn_close_reason(conn, &reason_len);
        cb->on_peer_close(conn, conn->close_code, reason, reason_len);
      }
      break;
    default:
      break;
  }
}

/* ---- wslay's callbacks: input fed from a run of whole frames, output
 * to the queue (counted against its limit), data frames to the message
 * being assembled, whole messages to the application ---- */

static ssize_t ws__engine_recv(wslay_event_context_ptr ctx, uint8_t* buf,
                               size_t len, int flags, void* user_data) {
  ws__engine_t* engine;

  (void) flags;
  engine = user_data;
  if (engine->in_len == 0) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    return -1;
  }
  if (len > engine->in_len)
    len = engine->in_len;
  memcpy(buf, engine->in, len);
  engine->in += len;
  engine->in_len -= len;
  return (ssize_t) len;
}

static ssize_t ws__engine_send(wslay_event_context_ptr ctx,
                               const uint8_t* data, size_t len, int flags,
                               void* user_data) {
  ws__engine_t* engine;

  ws_conn_t* conn;

  (void) flags;
  engine = user_data;
  conn = engine->conn;
  /* What wslay writes for us counts against the queue limit too. */
  if (!ws__conn_queue_has_room(conn, len))
    engine->error = WS_EQUEUEFULL;
  else if (ws__outq_append(&conn->busy->out, data, len, NULL, 0) != 0)
    engine->error = WS_ENOMEM;
  if (engine->error != 0) {
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return (ssize_t) len;
}

static void ws__engine_on_frame_start(
    wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg* arg, void* user_data) {
  ws__engine_t* engine;

  (void) ctx;
  engine = user_data;
  engine->data_frame = !(arg->opcode & 0x08);
}

/* wslay does not buffer data frames (no_buffering): their payload comes
 * here, unmasked and checked, for the connection to assemble. */
static void ws__engine_on_frame_chunk(
    wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg* arg, void* user_data) {
  ws__engine_t* engine;

  (void) ctx;
  engine = user_data;
  if (engine->data_frame)
    ws__conn_on_wslay_chunk(engine->conn, arg->data, arg->data_length);
}

static void ws__engine_on_msg(wslay_event_context_ptr ctx,
                              const struct wslay_event_on_msg_recv_arg* arg,
                              void* user_data) {
  ws__engine_t* engine;

  (void) ctx;
  engine = user_data;
  ws__conn_on_wslay_message(engine->conn, arg);
}

/* Masking keys for the close frames wslay writes for a client. */
static int ws__engine_genmask(wslay_event_context_ptr ctx, uint8_t* buf,
                              size_t len, void* user_data) {
  ws__engine_t* engine;
  unsigned char key[4];
  size_t n;

  (void) ctx;
  engine = user_data;
  for (; len > 0; buf += n, len -= n) {
    engine->conn->hub->role->mask_key(engine->conn, key);
    n = len < sizeof(key) ? len : sizeof(key);
    memcpy(buf, key, n);
  }
  return 0;
}

static const struct wslay_event_callbacks ws__wslay_callbacks = {
  ws__engine_recv, ws__engine_send, ws__engine_genmask,
  ws__engine_on_frame_start, ws__engine_on_frame_chunk, NULL,
  ws__engine_on_msg
};

/* ---- Routing ---- */

static int ws__conn_parse(ws_conn_t* conn, const unsigned char* data,
                          size_t len, ws__frame_t* frame) {
  conn->hub->header_parses++;
  return ws__frame_parse(data, len, frame);
}

typedef enum {
  WS__ROUTE_FAST,    /* a whole message, delivered from where it lies */
  WS__ROUTE_CONTROL, /* a ping or a pong, handled here */
  WS__ROUTE_ENGINE   /* wslay's to judge */
} ws__route_t;

static int ws__conn_mask_ok(const ws_conn_t* conn, const ws__frame_t* f) {
  return f->masked == conn->hub->role->peer_masks_frames;
}

/* Only RSV1 on a message's first frame, once deflate is negotiated:
 * wslay fails the rest with 1002. */
static int ws__conn_rsv_ok(const ws_conn_t* conn, const ws__frame_t* f) {
  return f->rsv == 0 ||
         (f->rsv == WSLAY_RSV1_BIT && conn->pmd &&
          (f->opcode == WS__OP_TEXT || f->opcode == WS__OP_BINARY));
}

static ws__route_t ws__conn_route(const ws_conn_t* conn,
                                  const ws__frame_t* f) {
  if (!ws__conn_rsv_ok(conn, f) || !ws__conn_mask_ok(conn, f) ||
      conn->close_queued)
    return WS__ROUTE_ENGINE;
  if (f->opcode == WS__OP_PING || f->opcode == WS__OP_PONG)
    return WS__ROUTE_CONTROL;
  if (f->fin && !conn->in_fragment &&
      (f->opcode == WS__OP_TEXT || f->opcode == WS__OP_BINARY))
    return WS__ROUTE_FAST;
  return WS__ROUTE_ENGINE;
}

/* The close code a frame gets before any of its payload is kept: 1009 if
 * it would take its message past max_message_size, else 0. */
static uint16_t ws__conn_check_size(const ws_conn_t* conn,
                                    const ws__frame_t* f) {
  uint64_t room;

  if (f->opcode & 0x08)
    return 0; /* control frames: 125 bytes at most, whatever the limit */
  room = conn->hub->options.max_message_size;
  if (f->opcode == WS__OP_CONTINUATION && conn->in_fragment &&
      conn->busy->message != NULL)
    room -= conn->busy->message->announced; /* never more than the limit */
  return f->payload_len > room ? WS_CLOSE_TOO_BIG : 0;
}

/* What a frame bound for wslay changes in the message under way, noted as
 * it is scanned (before wslay sees it): whether the next frames may take
 * the fast path, and how much the message has announced. */
static int ws__conn_track(ws_conn_t* conn, const ws__frame_t* f) {
  int r;

  switch (f->opcode) {
    case WS__OP_TEXT:
    case WS__OP_BINARY:
      if (conn->in_fragment)
        return 0; /* a new message inside one: wslay fails it */
      r = ws__message_start(conn, f->payload_len);
      if (r != 0)
        return r;
      ws__inflate_done(conn);
      if (conn->pmd)
        conn->busy->inflating = f->rsv != 0 && ws__conn_rsv_ok(conn, f);
      conn->in_fragment = !f->fin;
      conn->fragment_text =
          !f->fin && f->opcode == WS__OP_TEXT && !ws__conn_inflating(conn);
      return 0;
    case WS__OP_CONTINUATION:
      if (!conn->in_fragment)
        return 0; /* nothing to continue: wslay fails it */
      conn->busy->message->announced += f->payload_len;
      if (f->fin) {
        conn->in_fragment = 0;
        conn->fragment_text = 0;
      }
      return 0;
    default:
      return 0;
  }
}

/* ---- Handling whole frames ---- */

/* A whole frame's payload, unmasked where it lies. A text frame's UTF-8
 * is checked in the same pass over it: NULL if it is not valid. */
static unsigned char* ws__frame_payload(const ws__frame_t* f,
                                        unsigned char* frame) {
  unsigned char* payload;
  size_t len;
  uint32_t utf8;

  payload = frame + f->header_len;
  len = (size_t) f->payload_len;
  /* A compressed text's UTF-8 is checked once it is inflated. */
  if (f->opcode == WS__OP_TEXT && f->rsv == 0) {
    utf8 = f->masked ? ws__utf8_unmask(0, payload, payload, len, payload - 4,
                                       0)
                     : ws__utf8_scan(0, payload, len);
    return utf8 == 0 ? payload : NULL;
  }
  if (f->masked)
    ws__mask_copy(payload, payload, len, payload - 4);
  return payload;
}

/* A whole compressed message, inflated from where it lies. */
static void ws__conn_handle_compressed(ws_conn_t* conn, unsigned int opcode,
                                       const unsigned char* payload,
                                       size_t len) {
  void (*on_message)(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                     size_t len);
  ws__message_t* m;
  uint16_t code;
  int r;

  r = ws__message_start(conn, len);
  if (r == 0)
    r = ws__message_inflate_end(conn, opcode, payload, len);
  if (r != 0) {
    ws__message_free(conn);
    code = ws__inflate_close_code(r);
    if (code != 0)
      ws__conn_fail(conn, code);
    else
      ws__conn_abort(conn, r);
    return;
  }
  m = conn->busy->message;
  conn->busy->message = NULL;
  WS__COUNT(conn->hub, messages_in);
  WS__COUNT_N(conn->hub, message_bytes_in, m->len);
  on_message = conn->hub->callbacks.on_message;
  if (on_message != NULL)
    on_message(conn, (ws_opcode_t) opcode, m->data, m->len);
  ws__free(m);
}

/* Delivers a frame that is not bound for wslay, its payload unmasked and
 * its text checked: a message, a ping answered, a pong reported. */
static void ws__conn_deliver(ws_conn_t* conn, const ws__frame_t* f,
                             const unsigned char* payload) {
  const ws__conn_callbacks_t* cb;
  size_t len;

  cb = &conn->hub->callbacks;
  len = (size_t) f->payload_len;
  if (f->rsv != 0) {
    ws__conn_handle_compressed(conn, f->opcode, payload, len);
    return;
  }
  switch (f->opcode) {
    case WS__OP_TEXT:
    case WS__OP_BINARY:
      WS__COUNT(conn->hub, messages_in);
      WS__COUNT_N(conn->hub, message_bytes_in, len);
      if (cb->on_message != NULL)
        cb->on_message(conn, (ws_opcode_t) f->opcode, payload, len);
      break;
    case WS__OP_PING:
      ws__conn_answer_ping(conn, payload, len);
      break;
    default:
      if (cb->on_pong != NULL)
        cb->on_pong(conn, payload, len);
      break;
  }
}

/* Handles a whole frame that is not bound for wslay from where it lies
 * (unmasked in place, its text checked). wslay unmasks a byte at a time
 * and copies each message twice; this path does neither. */
static void ws__conn_handle(ws_conn_t* conn, const ws__frame_t* f,
                            unsigned char* frame) {
  unsigned char* payload;

  payload = ws__frame_payload(f, frame);
  if (payload == NULL) {
    ws__conn_fail(conn, WS_CLOSE_INVALID_DATA);
    return;
  }
  ws__conn_deliver(conn, f, payload);
}

/* Feeds a run of whole frames to wslay. */
static void ws__conn_engine_feed(ws_conn_t* conn, const unsigned char* frames,
                                 size_t len) {
  ws__engine_t* engine;
  int r;

  if (len == 0)
    return;
  engine = ws__conn_engine(conn);
  if (engine == NULL) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  engine->in = frames;
  engine->in_len = len;
  conn->in_engine = 1;
  r = wslay_event_recv(engine->ctx);
  conn->in_engine = 0;
  engine->in = NULL;
  engine->in_len = 0;
  if (conn->state != WS__CONN_OPEN)
    return; /* a callback closed it */
  if (ws__conn_inflate_fail(conn) != 0) {
    ws__message_free(conn);
    ws__conn_fail(conn, ws__conn_inflate_fail(conn));
    return;
  }
  if (r != 0) {
    ws__conn_abort(conn, r == WSLAY_ERR_NOMEM ? WS_ENOMEM : WS_EINTERNAL);
    return;
  }
  ws__conn_after_engine(conn);
}

static int ws__frame_ends_message(const ws__frame_t* f) {
  return f->fin && (f->opcode == WS__OP_TEXT || f->opcode == WS__OP_BINARY ||
                    f->opcode == WS__OP_CONTINUATION);
}

/* Handles the whole frames at data, up to len bytes, in order; frames for
 * wslay are fed in runs. It stops after the frame during which the
 * application paused the connection. Returns the bytes taken: it stops at the first
 * incomplete frame, whose header, if it is all there, goes to *next
 * (*status is then WS__FRAME_HEADER). */
static size_t ws__conn_process(ws_conn_t* conn, unsigned char* data,
                               size_t len, ws__frame_t* next, int* status) {
  ws__route_t route;
  ws__frame_t f;
  uint16_t code;
  size_t total;
  size_t run;
  size_t off;
  int r;

  run = 0; /* bytes before off that wait for wslay */
  off = 0;
  *status = WS__FRAME_PARTIAL;
  while (off < len) {
    r = ws__conn_parse(conn, data + off, len - off, &f);
    if (r == WS__FRAME_PARTIAL)
      break;
    code = r == WS__FRAME_INVALID ? WS_CLOSE_PROTOCOL_ERROR
                                  : ws__conn_check_size(conn, &f);
    if (code != 0) {
      ws__conn_engine_feed(conn, data + off - run, run);
      if (conn->state == WS__CONN_OPEN)
        ws__conn_fail(conn, code);
      return len;
    }
    if (f.payload_len > len - off - f.header_len) {
      *next = f;
      *status = WS__FRAME_HEADER;
      break;
    }
    total = f.header_len + (size_t) f.payload_len;
    WS__COUNT(conn->hub, frames_in[ws__frame_kind(f.opcode)]);
    route = ws__conn_route(conn, &f);
    /* A message that wslay will see starts in wslay's state after the
     * frames before it; any other frame handled here waits for them.
     * Feeding them changes nothing the route depends on while the
     * connection stays open. */
    if (run > 0 && (route != WS__ROUTE_ENGINE || f.opcode == WS__OP_TEXT ||
                    f.opcode == WS__OP_BINARY)) {
      ws__conn_engine_feed(conn, data + off - run, run);
      run = 0;
      if (conn->state != WS__CONN_OPEN)
        return len;
    }
    if (route == WS__ROUTE_ENGINE) {
      if (ws__conn_track(conn, &f) != 0) {
        ws__conn_abort(conn, WS_ENOMEM);
        return len;
      }
      run += total;
      off += total;
      /* A message ends here: wslay delivers it now, so that a pause in
       * on_message stops before the frames after it. */
      if (ws__frame_ends_message(&f)) {
        ws__conn_engine_feed(conn, data + off - run, run);
        run = 0;
        if (conn->state != WS__CONN_OPEN)
          return len;
        if (conn->paused)
          return off;
      }
      continue;
    }
    ws__conn_handle(conn, &f, data + off);
    if (conn->state != WS__CONN_OPEN)
      return len;
    off += total;
    if (conn->paused)
      return off;
  }
  ws__conn_engine_feed(conn, data + off - run, run);
  return off;
}

/* ---- A frame that arrives over several reads ----
 *
 * Its payload is unmasked and its text checked as it arrives, in the same
 * pass that copies it from the read buffer, so that each byte is touched
 * once and bad text fails at once. The masking key in the kept header is
 * then zeroed: wslay, if the frame goes to it, unmasks nothing more. */

struct ws__partial_s {
  ws__frame_t frame;     /* header_len is 0 until the header is whole */
  size_t len;
  size_t cap;
  size_t taken;          /* payload bytes unmasked and checked */
  uint32_t utf8;         /* the UTF-8 state after them */
  unsigned char key[4];  /* the masking key */
  unsigned int unmask : 1; /* the payload is unmasked as it arrives */
  unsigned int text : 1;   /* ... and its text checked */
  unsigned char data[1];
};

/* Takes n payload bytes from src into dst (may be src), unmasked and
 * checked as the frame calls for. */
static void ws__partial_take(ws__partial_t* p, unsigned char* dst,
                             const unsigned char* src, size_t n) {
  unsigned char key[4];
  size_t j;

  if (p->text && p->unmask) {
    p->utf8 = ws__utf8_unmask(p->utf8, dst, src, n, p->key, p->taken);
  } else if (p->unmask) {
    for (j = 0; j < 4; j++)
      key[j] = p->key[(p->taken + j) & 3];
    ws__mask_copy(dst, src, n, key);
  } else {
    if (p->text)
      p->utf8 = ws__utf8_scan(p->utf8, src, n);
    if (dst != src)
      memcpy(dst, src, n);
  }
  p->taken += n;
}

/* Keeps len more bytes of the frame being received. The buffer grows with
 * what arrives, never to what a header merely announces. */
static int ws__conn_keep_partial(ws_conn_t* conn, const unsigned char* data,
                                 size_t len) {
  ws__partial_t* p;
  ws__busy_t* busy;
  uint64_t total;
  size_t need;
  size_t cap;

  busy = ws__conn_busy(conn);
  if (busy == NULL)
    return WS_ENOMEM;
  p = busy->partial;
  need = (p != NULL ? p->len : 0) + len;
  if (p == NULL || need > p->cap) {
    cap = p != NULL ? p->cap * 2 : 256;
    if (cap < need)
      cap = need;
    if (p != NULL && p->frame.header_len != 0) {
      total = p->frame.header_len + p->frame.payload_len;
      if (cap > total)
        cap = (size_t) total;
    }
    p = ws__realloc(p, offsetof(ws__partial_t, data) + cap);
    if (p == NULL)
      return WS_ENOMEM;
    if (busy->partial == NULL) {
      p->frame.header_len = 0;
      p->len = 0;
    }
    p->cap = cap;
    busy->partial = p;
  }
  if (p->frame.header_len != 0)
    ws__partial_take(p, p->data + p->len, data, len);
  else
    memcpy(p->data + p->len, data, len);
  p->len += len;
  return 0;
}

/* The partial frame's header is whole: from here its payload is unmasked
 * (when our role expects a mask) and its text checked (an uncompressed
 * text frame or a continuation of one), the bytes already kept first. */
static void ws__conn_partial_begin(ws_conn_t* conn) {
  ws__partial_t* p;
  const ws__frame_t* f;
  unsigned char* payload;

  p = conn->busy->partial;
  f = &p->frame;
  payload = p->data + f->header_len;
  p->taken = 0;
  p->utf8 = 0;
  p->unmask = f->masked && ws__conn_mask_ok(conn, f);
  /* Masking wrong for our role and reserved bits are wslay's to judge. */
  p->text = f->rsv == 0 && ws__conn_mask_ok(conn, f) &&
            (f->opcode == WS__OP_TEXT ||
             (f->opcode == WS__OP_CONTINUATION && conn->fragment_text));
  if (p->text && f->opcode == WS__OP_CONTINUATION)
    p->utf8 = ws__message_utf8_end(conn);
  if (p->unmask) {
    memcpy(p->key, payload - 4, 4);
    memset(payload - 4, 0, 4);
  }
  ws__partial_take(p, payload, payload, p->len - f->header_len);
}

/* Ends the partial frame, now whole. Its payload is ready for any route
 * but wslay's, which takes the frame as it came but for the key. */
static void ws__conn_partial_end(ws_conn_t* conn) {
  ws__partial_t* p;

  p = conn->busy->partial;
  conn->busy->partial = NULL;
  WS__COUNT(conn->hub, frames_in[ws__frame_kind(p->frame.opcode)]);
  if (ws__conn_route(conn, &p->frame) == WS__ROUTE_ENGINE) {
    if (ws__conn_track(conn, &p->frame) != 0)
      ws__conn_abort(conn, WS_ENOMEM);
    else
      ws__conn_engine_feed(conn, p->data, p->len);
  } else if (p->text && p->frame.opcode == WS__OP_TEXT && p->utf8 != 0) {
    ws__conn_fail(conn, WS_CLOSE_INVALID_DATA);
  } else {
    ws__conn_deliver(conn, &p->frame, p->data + p->frame.header_len);
  }
  ws__free(p);
}

/* Keeps the start of a frame that is not all here: its header, parsed
 * into *next if it is whole (status WS__FRAME_HEADER), then what came of
 * its payload. */
static void ws__conn_start_partial(ws_conn_t* conn,
                                   const unsigned char* data, size_t len,
                                   const ws__frame_t* next, int status) {
  size_t head;

  head = status == WS__FRAME_HEADER ? next->header_len : len;
  if (ws__conn_keep_partial(conn, data, head) != 0) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  if (status != WS__FRAME_HEADER)
    return;
  conn->busy->partial->frame = *next;
  ws__conn_partial_begin(conn);
  if (head < len && ws__conn_keep_partial(conn, data + head, len - head) != 0) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  if (conn->busy->partial->utf8 == WS__UTF8_REJECT)
    ws__conn_fail(conn, WS_CLOSE_INVALID_DATA);
}

/* Completes the partial frame from data; returns the bytes used. Its
 * header was parsed when its last byte came, never again. */
static size_t ws__conn_fill_partial(ws_conn_t* conn, unsigned char* data,
                                    size_t len) {
  ws__partial_t* p;
  uint16_t code;
  size_t want;
  size_t used;
  int r;

  used = 0;
  for (;;) {
    p = conn->busy->partial;
    /* Until the header is whole, take one byte at a time, so the buffer
     * never holds the start of the next frame. */
    want = p->frame.header_len != 0
               ? p->frame.header_len + (size_t) p->frame.payload_len - p->len
               : 1;
    if (want == 0) {
      ws__conn_partial_end(conn);
      return used;
    }
    if (used == len)
      return used;
    if (want > len - used)
      want = len - used;
    if (ws__conn_keep_partial(conn, data + used, want) != 0) {
      ws__conn_abort(conn, WS_ENOMEM);
      return len;
    }
    used += want;
    p = conn->busy->partial;
    if (p->frame.header_len == 0) {
      r = ws__conn_parse(conn, p->data, p->len, &p->frame);
      code = r == WS__FRAME_INVALID ? WS_CLOSE_PROTOCOL_ERROR
             : r == WS__FRAME_HEADER ? ws__conn_check_size(conn, &p->frame)
                                     : 0;
      if (code != 0) {
        ws__conn_fail(conn, code);
        return len;
      }
      if (r == WS__FRAME_HEADER)
        ws__conn_partial_begin(conn);
    }
    if (p->frame.header_len != 0 && p->utf8 == WS__UTF8_REJECT) {
      ws__conn_fail(conn, WS_CLOSE_INVALID_DATA);
      return len;
    }
  }
}

/* ---- Input held while paused ---- */

struct ws__held_s {
  size_t len;
  unsigned char data[1];
};

/* Keeps a copy of input the connection was about to feed when it paused
 * (the read buffer it lies in serves every connection), after what it
 * kept before. */
static void ws__conn_hold(ws_conn_t* conn, const unsigned char* data,
                          size_t len) {
  ws__held_t* held;
  ws__busy_t* busy;
  size_t kept;

  busy = ws__conn_busy(conn);
  if (busy == NULL) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  kept = busy->held != NULL ? busy->held->len : 0;
  held = ws__realloc(busy->held, offsetof(ws__held_t, data) + kept + len);
  if (held == NULL) {
    ws__conn_abort(conn, WS_ENOMEM);
    return;
  }
  memcpy(held->data + kept, data, len);
  held->len = kept + len;
  busy->held = held;
}

static void ws__conn_feed_frames(ws_conn_t* conn, unsigned char* data,
                                 size_t len) {
  ws__frame_t next;
  size_t used;
  int status;

  while (len > 0 && conn->state == WS__CONN_OPEN) {
    if (conn->paused) {
      ws__conn_hold(conn, data, len);
      return;
    }
    if (conn->busy->partial != NULL) {
      used = ws__conn_fill_partial(conn, data, len);
    } else {
      used = ws__conn_process(conn, data, len, &next, &status);
      if (used < len && conn->state == WS__CONN_OPEN && !conn->paused) {
        ws__conn_start_partial(conn, data + used, len - used, &next,
                               status);
        return;
      }
    }
    data += used;
    len -= used;
  }
}

void ws__conn_feed(ws_conn_t* conn, unsigned char* data, size_t len) {
  size_t used;

  /* Opening or closing, its deadline counts from the start. */
  if (conn->state == WS__CONN_OPEN && !conn->close_queued)
    conn->since = uv_now(conn->hub->loop);
  conn->ping_outstanding = 0;
  if (conn->state == WS__CONN_HANDSHAKE) {
    used = conn->hub->role->handshake(conn, data, len);
    data += used;
    len -= used;
  }
  if (conn->state == WS__CONN_OPEN && len > 0)
    ws__conn_feed_frames(conn, data, len);
}

void ws__conn_on_read(ws_conn_t* conn, unsigned char* data, ssize_t nread) {
  if (nread < 0) {
    ws__conn_on_eof(conn, (int) nread);
    return;
  }
  WS__COUNT_N(conn->hub, bytes_in, nread);
  ws__conn_feed(conn, data, (size_t) nread);
  /* Answers to one read go out together, at once, while they are hot;
   * what other callbacks queue waits for the flush before the poll. */
  if (ws__list_linked(&conn->dirty_node)) {
    ws__list_remove(&conn->dirty_node);
    ws__conn_service(conn);
  } else {
    ws__conn_maybe_idle(conn);
  }
}

/* A resumed connection takes what it held, in order, then reads again
 * (unless it paused again). */
static void ws__conn_replay(ws_conn_t* conn) {
  ws__held_t* held;
  int r;

  held = conn->busy->held;
  if (held != NULL)
    conn->busy->held = NULL;
  if (held != NULL && conn->state == WS__CONN_OPEN)
    ws__conn_feed_frames(conn, held->data, held->len);
  ws__free(held);
  ws__conn_maybe_idle(conn);
  if (conn->paused || conn->detached ||
      (conn->state != WS__CONN_OPEN && conn->state != WS__CONN_DRAIN))
    return;
  r = ws__conn_transport(conn)->read_start(conn);
  if (r != 0)
    ws__conn_abort(conn, r);
}

/* What the layers below a connection call back into (see ws__io_t). */
const ws__io_t ws__conn_io = {
  ws__conn_on_read, ws__conn_on_written, ws__conn_on_closed,
  ws__conn_on_deadline, ws__hub_flush_dirty, &ws__wslay_callbacks,
  ws__conn_replay
};
