/* What each mode does with a connection's messages: echo checks and
 * times each answer; broadcast checks order and latency, and its publisher
 * keeps broadcasts outstanding; connect and idle expect none. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef UVWS_BENCH_ZLIB
#include <zlib.h>
#endif

#include "bench.h"

static void pub_check(worker_t* w);

static int in_window(uint64_t t) {
  uint64_t start;
  uint64_t end;

  start = shm->window_start_ns;
  end = shm->window_end_ns;
  return t >= start && (end == 0 || t < end);
}

void timeline_add(worker_t* w, uint64_t t) {
  uint64_t go;
  uint64_t sec;

  go = shm->go_ns;
  if (go == 0 || t < go)
    return;
  sec = (t - go) / 1000000000ULL;
  if (sec < TIMELINE_N)
    w->slot->timeline[sec]++;
}

static void echo_send_next(bconn_t* c) {
  size_t len;
  int err;

  len = msg_size(c->id, c->sent);
  c->t_sent[c->sent % o.inflight] = now_ns();
  err = conn_send(c, msg_opcode(c->id, c->sent), msg_bytes(c->id, c->sent),
                  len);
  if (err != 0) {
    slot_error(c->w, "send failed: %s (%" PRIu64 ", %" PRIu64 ")",
               ws_err_name(err), c->id, c->sent);
    return;
  }
  c->sent++;
  c->w->slot->sent++;
}

static int echo_sending(worker_t* w) {
  if (w->stopping || w->stop_at != 0)
    return 0;
  return 1;
}

void echo_start(worker_t* w) {
  unsigned i;
  unsigned k;

  for (i = 0; i < w->count; i++) {
    bconn_t* c = &w->conns[i];
    if (c->state != C_OPEN)
      continue;
    for (k = 0; k < o.inflight; k++)
      if (o.messages == 0 || c->sent < o.messages)
        echo_send_next(c);
  }
}

static void echo_on_message(bconn_t* c, int opcode, const unsigned char* data,
                            size_t len) {
  worker_t* w;
  uint64_t seq;
  uint64_t t;
  size_t want;
  int want_op;

  w = c->w;
  seq = c->recvd;
  if (seq >= c->sent) {
    slot_error(w, "conn %s%" PRIu64 ": a message nobody sent (%" PRIu64 ")",
               "", c->id, seq);
    return;
  }
  want = msg_size(c->id, seq);
  want_op = msg_opcode(c->id, seq);
  if (len != want || memcmp(data, msg_bytes(c->id, seq), len) != 0)
    slot_error(w, "%sconn %" PRIu64 ": echo %" PRIu64
               " differs from what was sent", "", c->id, seq);
  else if (opcode != want_op && !(o.any_opcode && opcode == WS_OP_TEXT))
    slot_error(w, "%sconn %" PRIu64 ": echo %" PRIu64
               " came back with another opcode", "", c->id, seq);
  t = now_ns();
  c->recvd++;
  w->slot->total_msgs++;
  timeline_add(w, t);
  if (in_window(t)) {
    slot_record(w->slot, t - c->t_sent[seq % o.inflight]);
    w->slot->msgs++;
    w->slot->bytes += len;
  }
  if (o.messages != 0) {
    if (c->sent < o.messages && !w->stopping)
      echo_send_next(c);
    if (c->recvd == o.messages) {
      w->done++;
      if (t > w->slot->last_open_ns)
        w->slot->last_open_ns = t;
      worker_maybe_finish(w);
    }
  } else if (echo_sending(w)) {
    echo_send_next(c);
  }
}

/* Raises *slot to v, if v is larger, whichever process gets there first. */
static void reach_max(uint64_t* slot, uint64_t v) {
  uint64_t cur;

  cur = __atomic_load_n(slot, __ATOMIC_RELAXED);
  while (v > cur && !__atomic_compare_exchange_n(slot, &cur, v, 1,
                                                 __ATOMIC_RELAXED,
                                                 __ATOMIC_RELAXED))
    ;
}

/* A member has broadcast seq (of len bytes on the wire, published at
 * sent, or 0 if unknown): counted, in order, and once everyone has it,
 * the publisher may go on. */
static void bcast_delivered(bconn_t* c, uint64_t seq, uint64_t sent,
                            size_t len) {
  worker_t* w;
  uint64_t t;
  uint32_t n;

  w = c->w;
  t = now_ns();
  if (!c->have_bseq) {
    c->have_bseq = 1;
    c->next_bseq = o.server_publishes ? seq : 0;
  }
  if (seq != c->next_bseq)
    slot_error(w, "%smember %" PRIu64 " got broadcast %" PRIu64
               " out of order", "", c->id, seq);
  c->next_bseq = seq + 1;
  w->slot->total_msgs++;
  timeline_add(w, t);
  if (in_window(t)) {
    if (sent != 0)
      slot_record(w->slot, t > sent ? t - sent : 0);
    w->slot->msgs++;
    w->slot->bytes += len;
  }
  if (o.server_publishes)
    return;
  if (sent != 0)
    reach_max(&shm->reach_ns[seq % RING_N], t > sent ? t - sent : 0);
  n = __atomic_add_fetch(&shm->ring[seq % RING_N], 1, __ATOMIC_ACQ_REL);
  if (n == (uint32_t) shm->members_total) {
    if (w->index == 0) {
      pub_check(w);
    } else {
      ssize_t r;
      do
        r = write(w->notify_out, &seq, sizeof(seq));
      while (r < 0 && errno == EINTR);
    }
  }
}

/* Broadcast payload: 8 bytes of sequence number, 8 bytes of uv_hrtime()
 * at publication, then bytes from the pool that depend on the sequence. */
static void bcast_on_message(bconn_t* c, int opcode,
                             const unsigned char* data, size_t len) {
  worker_t* w;
  uint64_t seq;
  uint64_t sent;

  (void) opcode;
  w = c->w;
  if (c->publisher)
    return; /* its own copies */
  if (len < BCAST_MIN_SIZE) {
    slot_error(w, "%sa broadcast of %" PRIu64 " bytes (%" PRIu64 ")", "",
               (uint64_t) len, 0);
    return;
  }
  memcpy(&seq, data, 8);
  memcpy(&sent, data + 8, 8);
  if (!o.server_publishes &&
      (len != o.sizes[0] ||
       memcmp(data + 16, pool + (mix64(seq) & (POOL_SPAN - 1)), len - 16) !=
           0))
    slot_error(w, "%sbroadcast %" PRIu64 " differs (member %" PRIu64 ")",
               "", seq, c->id);
  bcast_delivered(c, seq, sent != 0 ? sent : 1, len);
}

#ifdef UVWS_BENCH_ZLIB
/* Inflates a message of a connection that keeps no context into out
 * (cap bytes); returns its length, or (size_t) -1 if it does not. */
static size_t inflate_message(const unsigned char* data, size_t len,
                              unsigned char* out, size_t cap) {
  static const unsigned char tail[4] = { 0x00, 0x00, 0xff, 0xff };
  static z_stream z;
  static int ready;
  int r;

  if (!ready) {
    if (inflateInit2(&z, -15) != Z_OK)
      return (size_t) -1;
    ready = 1;
  } else if (inflateReset(&z) != Z_OK) {
    return (size_t) -1;
  }
  z.next_out = out;
  z.avail_out = (uInt) cap;
  z.next_in = (Bytef*) data;
  z.avail_in = (uInt) len;
  r = inflate(&z, Z_SYNC_FLUSH);
  if (r != Z_OK && r != Z_BUF_ERROR && r != Z_STREAM_END)
    return (size_t) -1;
  z.next_in = (Bytef*) tail;
  z.avail_in = sizeof(tail);
  r = inflate(&z, Z_SYNC_FLUSH);
  if ((r != Z_OK && r != Z_BUF_ERROR && r != Z_STREAM_END) ||
      z.avail_in != 0)
    return (size_t) -1;
  return cap - z.avail_out;
}
#endif

/* --no-inflate: a compressed broadcast is counted as it is (its sequence
 * number is the one expected: members get every broadcast in order);
 * one in INFLATE_SAMPLE, staggered over the members, is inflated and
 * checked as a plain one is. */
void conn_on_compressed(bconn_t* c, int opcode, const unsigned char* data,
                        size_t len) {
  worker_t* w;
  uint64_t seq;

  if (c->state != C_OPEN || c->publisher)
    return;
  w = c->w;
  if (o.mode != MODE_BROADCAST || !o.no_inflate) {
    slot_error(w, "%sa compressed message (conn %" PRIu64 "%" PRIu64 ")",
               "", c->id, 0);
    return;
  }
  w->slot->compressed++;
  seq = c->have_bseq ? c->next_bseq : 0;
#ifdef UVWS_BENCH_ZLIB
  if ((seq + c->id) % INFLATE_SAMPLE == 0) {
    static unsigned char* out;
    size_t n;

    if (out == NULL)
      out = malloc(o.max_size + 1);
    n = out != NULL ? inflate_message(data, len, out, o.max_size + 1)
                    : (size_t) -1;
    if (n == (size_t) -1) {
      slot_error(w, "%sbroadcast %" PRIu64 " does not inflate (member %"
                 PRIu64 ")", "", seq, c->id);
      return;
    }
    w->slot->inflated++;
    bcast_on_message(c, opcode, out, n);
    return;
  }
#else
  (void) data;
#endif
  (void) opcode;
  bcast_delivered(c, seq, 0, len);
}

static void publish_one(worker_t* w) {
  uint64_t seq;
  uint64_t t;
  size_t len;
  int err;

  seq = w->pub_seq;
  len = o.sizes[0];
  t = now_ns();
  memcpy(w->pub_buf, &seq, 8);
  memcpy(w->pub_buf + 8, &t, 8);
  shm->pub_ns[seq % RING_N] = t;
  memcpy(w->pub_buf + 16, pool + (mix64(seq) & (POOL_SPAN - 1)), len - 16);
  err = conn_send(&w->publisher, WS_OP_BINARY, w->pub_buf, len);
  if (err != 0) {
    slot_error(w, "publish failed: %s (%" PRIu64 "%" PRIu64 ")",
               ws_err_name(err), seq, 0);
    STORE(shm->stop, 1);
    return;
  }
  w->pub_seq++;
  w->slot->published++;
}

void pub_fill(worker_t* w) {
  uint64_t t;
  uint64_t target;

  if (w->publisher.state != C_OPEN || LOAD(shm->stop))
    return;
  t = now_ns();
  sample_server(w, t);
  if (w->stop_at != 0 || (shm->window_end_ns != 0 &&
                          t >= shm->window_end_ns)) {
    if (w->stop_at == 0)
      w->stop_at = t + (uint64_t) (o.drain * 1e9);
    if (w->pub_done == w->pub_seq || t >= w->stop_at) {
      w->slot->lost += w->pub_seq - w->pub_done;
      STORE(shm->stop, 1);
    }
    return;
  }
  if (o.rate > 0) {
    target = (uint64_t) (o.rate * (double) (t - shm->go_ns) / 1e9);
    while (w->pub_seq < target && w->pub_seq - w->pub_done < o.inflight)
      publish_one(w);
    return;
  }
  while (w->pub_seq - w->pub_done < o.inflight)
    publish_one(w);
}

static void pub_check(worker_t* w) {
  uint64_t slot;

  while (w->pub_done < w->pub_seq &&
         LOAD(shm->ring[w->pub_done % RING_N]) ==
             (uint32_t) shm->members_total) {
    slot = w->pub_done % RING_N;
    /* Reached every member: how long the slowest took, if it was published
     * inside the window. */
    if (in_window(shm->pub_ns[slot]) && shm->reach_count < REACH_N)
      shm->reach_all[shm->reach_count++] = LOAD(shm->reach_ns[slot]);
    STORE(shm->reach_ns[slot], 0);
    STORE(shm->ring[slot], 0);
    w->pub_done++;
  }
  pub_fill(w);
}

void on_notify_alloc(uv_handle_t* handle, size_t suggested,
                     uv_buf_t* buf) {
  static char space[4096];

  (void) handle;
  (void) suggested;
  *buf = uv_buf_init(space, sizeof(space));
}

void on_notify(uv_stream_t* stream, ssize_t nread,
               const uv_buf_t* buf) {
  (void) buf;
  if (nread > 0)
    pub_check(stream->data);
}

void conn_on_message(bconn_t* c, int opcode, const unsigned char* data,
                     size_t len) {
  if (c->state != C_OPEN)
    return;
  switch (o.mode) {
    case MODE_ECHO:
      echo_on_message(c, opcode, data, len);
      break;
    case MODE_BROADCAST:
      bcast_on_message(c, opcode, data, len);
      break;
    default:
      break; /* connect and idle send nothing and expect nothing */
  }
}
