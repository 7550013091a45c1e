/* Bytes out: frames queued, then written once per loop iteration with
 * uv_try_write() first and at most one uv_write() in flight. */
#include "uvws_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Buffers handed to one write; Wine rejects very long lists. */
#define WS__MAX_BUFS 16

/* Frames from this size on go to the transport at once when nothing is
 * queued before them, and only what it does not take is copied. */
#define WS__WRITE_THROUGH_MIN (32 * 1024)

/* Appends an unmasked frame to q, or writes it first where it lies: a
 * large frame, first in line, saves its copy when the kernel takes it. */
static int ws__conn_write_through(ws_conn_t* conn, ws__outq_t* q,
                                  const unsigned char* header, size_t hlen,
                                  const void* data, size_t len) {
  const unsigned char* rest;
  uv_buf_t bufs[2];
  size_t done;
  int r;

  rest = data;
  if (len < WS__WRITE_THROUGH_MIN || len > ((size_t) 1 << 30) ||
      q != &conn->busy->out || q->bytes != 0 ||
      conn->busy->write_req != NULL || conn->detached ||
      conn->state != WS__CONN_OPEN || conn->fail_pending)
    return ws__outq_append(q, header, hlen, data, len);
  bufs[0] = uv_buf_init((char*) header, (unsigned int) hlen);
  bufs[1] = uv_buf_init((char*) rest, (unsigned int) len);
  r = ws__conn_transport(conn)->try_write(conn, bufs, 2);
  if (r <= 0) /* an error shows again at the flush */
    return ws__outq_append(q, header, hlen, data, len);
  WS__COUNT_N(conn->hub, bytes_out, r);
  q->consumed += (uint64_t) r; /* as if queued and written */
  done = (size_t) r;
  if (done < hlen)
    return ws__outq_append(q, header + done, hlen - done, rest, len);
  done -= hlen;
  return done < len ? ws__outq_append(q, NULL, 0, rest + done, len - done)
                    : 0;
}

/* Queues one frame on q, masked if the role masks; 0 or WS_ENOMEM. */
static int ws__conn_queue_frame(ws_conn_t* conn, ws__outq_t* q, int fin,
                                unsigned int opcode, const void* data,
                                size_t len) {
  unsigned char header[WS__MAX_HEADER];
  unsigned char key[4];
  size_t hlen;
  int r;

  if (conn->hub->role->masks_frames) {
    conn->hub->role->mask_key(conn, key);
    hlen = ws__frame_header(header, opcode, len, key);
  } else {
    hlen = ws__frame_header(header, opcode, len, NULL);
  }
  header[0] |= opcode & WS__FRAME_RSV1;
  if (!fin)
    header[0] &= 0x7f;
  if (conn->hub->role->masks_frames)
    r = ws__outq_append_masked(q, header, hlen, data, len, key);
  else
    r = ws__conn_write_through(conn, q, header, hlen, data, len);
  if (r == 0) {
    WS__COUNT(conn->hub, frames_out[ws__frame_kind(opcode)]);
    ws__conn_mark_dirty(conn);
  }
  return r;
}

int ws__conn_send_frame(ws_conn_t* conn, unsigned int opcode,
                        const void* data, size_t len) {
  ws__busy_t* busy;

  busy = ws__conn_busy(conn);
  if (busy == NULL)
    return WS_ENOMEM;
  return ws__conn_queue_frame(conn, &busy->out, 1, opcode, data, len);
}

int ws__conn_queue_message(ws_conn_t* conn, ws__outq_t* q,
                           unsigned int opcode, const void* data,
                           size_t len) {
  const unsigned char* z;
  size_t zlen;
  int r;

  if (q == NULL)
    return WS_ENOMEM;
  if (ws__deflate_wanted(conn, len)) {
    r = ws__deflate_message(conn->hub, conn, data, len, &z, &zlen);
    if (r < 0)
      return r;
    if (r == 0)
      return ws__conn_queue_frame(conn, q, 1, opcode | WS__FRAME_RSV1, z,
                                  zlen);
  }
  return ws__conn_queue_frame(conn, q, 1, opcode, data, len);
}

ws__outq_t* ws__conn_data_queue(ws_conn_t* conn) {
  ws__busy_t* busy;

  busy = ws__conn_busy(conn);
  if (busy == NULL)
    return NULL;
  return conn->sending_fragments ? &busy->after : &busy->out;
}

/* ---- Flow control: on_drain ---- */

/* on_drain is owed once bytes queued now have been written and the queue
 * is down to the low water: it follows progress, so a refusal with a low
 * queue cannot make it come back at once, forever. */
static void ws__conn_owe_drain(ws_conn_t* conn) {
  conn->drain_wanted = 1;
  /* Without a busy state, the next one's count starts at the mark, 0. */
  if (ws__conn_has_busy(conn))
    conn->busy->drain_mark = conn->busy->out.consumed;
}

void ws__conn_note_queued(ws_conn_t* conn) {
  if (ws__conn_queued(conn) > conn->hub->drain_low_water)
    ws__conn_owe_drain(conn);
}

/* The same after a send, the queue's consumed count at mark before it:
 * what the send wrote at once (ws__conn_write_through()) counts as
 * queued, so on_drain follows a large send as if it had waited. */
static void ws__conn_note_sent(ws_conn_t* conn, uint64_t mark) {
  if (ws__conn_queued(conn) + (conn->busy->out.consumed - mark) >
      conn->hub->drain_low_water) {
    conn->drain_wanted = 1;
    conn->busy->drain_mark = mark;
  }
}

static int ws__conn_refuse(ws_conn_t* conn) {
  WS__COUNT(conn->hub, queue_full);
  ws__conn_owe_drain(conn);
  return WS_EQUEUEFULL;
}

/* At the end of a flush: on_drain, once, if it is owed. */
static void ws__conn_maybe_drained(ws_conn_t* conn) {
  void (*on_drain)(ws_conn_t* conn);

  if (!conn->drain_wanted ||
      conn->busy->out.consumed == conn->busy->drain_mark ||
      ws__conn_queued(conn) > conn->hub->drain_low_water)
    return;
  conn->drain_wanted = 0;
  on_drain = conn->hub->callbacks.on_drain;
  if (on_drain != NULL && ws__conn_is_open(conn))
    on_drain(conn);
}

/* ---- Pongs ---- */

struct ws__pong_s {
  size_t len;
  unsigned char data[125];
};

static int ws__conn_queue_pong(ws_conn_t* conn, const unsigned char* data,
                               size_t len) {
  int r;

  if (!ws__conn_queue_has_room(conn, WS__MAX_HEADER + len))
    return WS_EQUEUEFULL;
  r = ws__conn_send_frame(conn, WS__OP_PONG, data, len);
  if (r == 0)
    conn->busy->pong_end = conn->busy->out.consumed + conn->busy->out.bytes;
  return r;
}

static int ws__conn_pong_waiting(const ws_conn_t* conn) {
  return conn->pong_stalled &&
         conn->busy->out.consumed < conn->busy->pong_end;
}

void ws__conn_answer_ping(ws_conn_t* conn, const unsigned char* data,
                          size_t len) {
  int r;

  if (!ws__conn_pong_waiting(conn)) {
    r = ws__conn_queue_pong(conn, data, len);
    if (r != 0)
      ws__conn_fail_later(conn, r);
    return;
  }
  /* A pong waits: the busy state is there. */
  if (conn->busy->pong == NULL) {
    conn->busy->pong = ws__malloc(sizeof(*conn->busy->pong));
    if (conn->busy->pong == NULL) {
      ws__conn_fail_later(conn, WS_ENOMEM);
      return;
    }
  }
  memcpy(conn->busy->pong->data, data, len);
  conn->busy->pong->len = len;
}

/* At a flush: the waiting pong goes out once the one before it has. */
static int ws__conn_release_pong(ws_conn_t* conn) {
  ws__pong_t* pong;
  int r;

  if (conn->busy->out.consumed >= conn->busy->pong_end)
    conn->pong_stalled = 0;
  pong = conn->busy->pong;
  if (pong == NULL || ws__conn_pong_waiting(conn) ||
      conn->state != WS__CONN_OPEN || conn->close_queued)
    return 0;
  r = ws__conn_queue_pong(conn, pong->data, pong->len);
  conn->busy->pong = NULL;
  ws__free(pong);
  return r;
}

/* Everything is written: end the sending side. The transport closes when
 * the peer ends too, or at the close timeout. */
static void ws__conn_finish(ws_conn_t* conn) {
  if (conn->shutdown_sent)
    return;
  conn->shutdown_sent = 1;
  if (conn->detached || ws__conn_transport(conn)->shutdown(conn) != 0)
    ws__conn_close_handle(conn);
}

void ws__conn_on_written(ws_conn_t* conn, int status) {
  ws__busy_t* busy;

  if (status < 0) {
    ws__conn_abort(conn, status);
    return;
  }
  busy = conn->busy;
  ws__outq_consume(&busy->out, busy->write_len);
  WS__COUNT_N(conn->hub, bytes_out, busy->write_len);
  busy->write_len = 0;
  ws__conn_flush(conn);
}

/* Hands the queue to the transport: what it takes at once, then the rest
 * in one write. Returns 0 or an error. */
static int ws__conn_write(ws_conn_t* conn) {
  const ws__transport_t* transport;
  uv_buf_t bufs[WS__MAX_BUFS];
  ws__outq_t* out;
  unsigned int n;
  unsigned int i;
  size_t len;
  int r;

  out = &conn->busy->out;
  transport = ws__conn_transport(conn);
  while (out->bytes > 0) {
    n = ws__outq_bufs(out, bufs, WS__MAX_BUFS);
    for (len = 0, i = 0; i < n; i++)
      len += bufs[i].len;
    r = transport->try_write(conn, bufs, n);
    if (r == UV_EAGAIN)
      break;
    if (r < 0)
      return r;
    ws__outq_consume(out, (size_t) r);
    WS__COUNT_N(conn->hub, bytes_out, r);
    if ((size_t) r < len)
      break;
  }
  if (out->bytes == 0)
    return 0;
  n = ws__outq_bufs(out, bufs, WS__MAX_BUFS);
  for (len = 0, i = 0; i < n; i++)
    len += bufs[i].len;
  r = transport->write(conn, bufs, n);
  if (r == 0)
    conn->busy->write_len = len;
  return r;
}

void ws__conn_flush(ws_conn_t* conn) {
  int r;

  if (conn->fail_pending) {
    ws__conn_abort(conn, conn->error);
    return;
  }
  if (conn->state == WS__CONN_CLOSED || conn->state == WS__CONN_CONNECTING)
    return;
  r = ws__conn_release_pong(conn);
  if (r == 0 && conn->busy->write_req == NULL && !conn->detached)
    r = ws__conn_write(conn);
  if (r != 0) {
    ws__conn_abort(conn, r);
    return;
  }
  if (conn->busy->out.consumed < conn->busy->pong_end)
    conn->pong_stalled = 1;
  if (conn->state == WS__CONN_DRAIN && conn->busy->out.bytes == 0)
    ws__conn_finish(conn);
  ws__conn_maybe_drained(conn);
  ws__conn_maybe_idle(conn);
}

int ws_conn_send(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                 size_t len) {
  uint64_t mark;
  int r;

  if (conn == NULL || (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY) ||
      (data == NULL && len > 0))
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  if (len > SIZE_MAX - WS__MAX_HEADER ||
      !ws__conn_queue_has_room(conn, len + WS__MAX_HEADER))
    return ws__conn_refuse(conn);
  mark = conn->busy->out.consumed;
  r = ws__conn_queue_message(conn, ws__conn_data_queue(conn),
                             (unsigned int) opcode, data, len);
  if (r != 0) {
    ws__conn_fail_later(conn, r);
    return r;
  }
  WS__COUNT(conn->hub, messages_out);
  WS__COUNT_N(conn->hub, message_bytes_out, len);
  ws__conn_note_sent(conn, mark);
  return 0;
}

/* ---- A message sent in fragments ---- */

int ws_conn_send_begin(ws_conn_t* conn, ws_opcode_t opcode) {
  if (conn == NULL || (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY))
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  if (conn->sending_fragments)
    return WS_EINVAL;
  conn->sending_fragments = 1;
  conn->fragment_sent = 0;
  conn->send_binary = opcode == WS_OP_BINARY;
  return 0;
}

int ws_conn_send_fragment(ws_conn_t* conn, const void* data, size_t len,
                          int fin) {
  unsigned int opcode;
  uint64_t mark;
  int r;

  if (conn == NULL || (data == NULL && len > 0))
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  if (!conn->sending_fragments)
    return WS_EINVAL;
  if (len > SIZE_MAX - WS__MAX_HEADER ||
      !ws__conn_queue_has_room(conn, len + WS__MAX_HEADER))
    return ws__conn_refuse(conn);
  opcode = conn->fragment_sent ? WS__OP_CONTINUATION
         : conn->send_binary  ? WS__OP_BINARY
                              : WS__OP_TEXT;
  mark = conn->busy->out.consumed;
  r = ws__conn_busy(conn) == NULL
          ? WS_ENOMEM
          : ws__conn_queue_frame(conn, &conn->busy->out, fin, opcode, data,
                                 len);
  if (r != 0) {
    ws__conn_fail_later(conn, r);
    return r;
  }
  conn->fragment_sent = 1;
  WS__COUNT_N(conn->hub, message_bytes_out, len);
  if (fin) {
    WS__COUNT(conn->hub, messages_out);
    /* What was sent meanwhile follows the message. */
    conn->sending_fragments = 0;
    ws__outq_move(&conn->busy->out, &conn->busy->after);
  }
  ws__conn_note_sent(conn, mark);
  return 0;
}

int ws_conn_ping(ws_conn_t* conn, const void* data, size_t len) {
  int r;

  if (conn == NULL || len > 125 || (data == NULL && len > 0))
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  if (!ws__conn_queue_has_room(conn, WS__MAX_HEADER + len)) {
    WS__COUNT(conn->hub, queue_full);
    return WS_EQUEUEFULL;
  }
  r = ws__conn_send_frame(conn, WS__OP_PING, data, len);
  if (r != 0)
    ws__conn_fail_later(conn, r);
  return r;
}
