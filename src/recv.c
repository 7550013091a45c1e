/* Frames in: whole frames found in the bytes read, a partial one kept,
 * fast frames delivered from the read buffer, the rest fed to wslay. */
#include "uvws_int.h"

#include <string.h>

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

void ws__conn_drop_partial(ws_conn_t* conn) {
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

void ws__conn_feed_frames(ws_conn_t* conn, unsigned char* data,
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
