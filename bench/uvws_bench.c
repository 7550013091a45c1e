/* uvws-bench: a load generator for WebSocket servers, built on ws_client_t
 * (the public uvws API only) and libuv.
 *
 * Modes:
 *   echo       N connections, K messages in flight on each; every echo is
 *              checked byte for byte; messages per second and round trips.
 *   broadcast  M members of a broadcast server's room and one publisher,
 *              which keeps K broadcasts outstanding (or publishes at a
 *              rate); deliveries per second and publish-to-receive latency
 *              from a timestamp in each payload.
 *   connect    opens N connections, C handshakes at a time, and holds them:
 *              handshakes per second and the most connections held.
 *   idle       holds N connections (pings are answered) until the duration
 *              ends or SIGINT/SIGTERM: for measuring the server's memory.
 *
 * --raw speaks no HTTP: a bare TCP connection that sends exactly the masked
 * frames a WebSocket client would, so that raw libuv servers (the floors)
 * are measured with the same client.
 *
 * --procs P spreads the connections over P processes (each has its own
 * loop; counters and histograms live in shared memory), to stay under a
 * per-process file descriptor limit. A progress line goes to stderr, the
 * results to stdout, and --json FILE writes them as JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "uvws.h"

#define MAX_PROCS 64
#define MAX_URLS 64
#define MAX_SIZES 64
#define HIST_SUB_BITS 6
#define HIST_SUB (1 << HIST_SUB_BITS)
#define HIST_N (HIST_SUB * (64 - HIST_SUB_BITS + 1))
#define TIMELINE_N 3600
#define RING_N 65536
#define READ_BUF_SIZE (256 * 1024)
#define BCAST_MIN_SIZE 16

typedef enum { MODE_ECHO, MODE_BROADCAST, MODE_CONNECT, MODE_IDLE } mode_t_;

static const char* mode_names[] = { "echo", "broadcast", "connect", "idle" };

/* ---- Options ---- */

typedef struct {
  mode_t_ mode;
  const char* urls[MAX_URLS];
  int url_count;
  const char* binds[MAX_URLS];
  int bind_count;
  int raw;
  unsigned conns;
  size_t sizes[MAX_SIZES];
  int size_count;
  size_t max_size;
  unsigned inflight;
  double duration;      /* seconds of measurement; 0 with --messages */
  double warmup;
  uint64_t messages;    /* per connection (echo); 0: use the duration */
  int opcode;           /* WS_OP_BINARY, WS_OP_TEXT, or 0 for mixed */
  int any_opcode;       /* accept a text echo of a binary message */
  int procs;
  unsigned concurrency; /* handshakes in progress at once */
  double hold;
  double rate;          /* broadcast: publications per second, 0: closed */
  int server_publishes;
  const char* origin;
  const char* json;
  const char* plot;
  const char* label;
  int server_pid;
  int quiet;
  double drain;         /* seconds to wait for answers after the end */
} opts_t;

static opts_t o;

/* ---- Shared counters: one slot per process ---- */

typedef struct {
  uint64_t ready;        /* every connection opened or failed */
  uint64_t finished;
  uint64_t opened;
  uint64_t failed;
  uint64_t closed;       /* connections that ended before we closed them */
  uint64_t errors;       /* wrong bytes, order, opcode, sends that failed */
  uint64_t lost;         /* answers still missing when the drain ended */
  uint64_t held;         /* open now */
  uint64_t msgs;         /* echoes or deliveries inside the window */
  uint64_t bytes;
  uint64_t total_msgs;   /* all of them */
  uint64_t sent;
  uint64_t published;
  uint64_t first_start_ns;
  uint64_t last_open_ns;
  uint64_t held_peak;
  uint64_t lat_max;
  uint64_t lat_sum;
  uint64_t lat_count;
  uint64_t hist[HIST_N];
  uint64_t timeline[TIMELINE_N];
  char first_error[200];
} slot_t;

typedef struct {
  uint64_t go_ns;
  uint64_t stop;
  uint64_t members_total;
  uint64_t window_start_ns;
  uint64_t window_end_ns;
  uint32_t ring[RING_N];
  slot_t slots[MAX_PROCS];
} shm_t;

static shm_t* shm;

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

/* ---- Histogram: log-linear buckets of nanoseconds, 1.6% wide ---- */

static unsigned hist_index(uint64_t v) {
  unsigned e;

  if (v < 2 * HIST_SUB)
    return (unsigned) v;
  e = (unsigned) (63 - __builtin_clzll(v)) - HIST_SUB_BITS;
  return e * HIST_SUB + (unsigned) (v >> e);
}

static uint64_t hist_value(unsigned i) {
  unsigned e;

  if (i < 2 * HIST_SUB)
    return i;
  e = i / HIST_SUB - 1;
  /* The middle of the bucket. */
  return ((uint64_t) (i - e * HIST_SUB) << e) + ((uint64_t) 1 << e) / 2;
}

static void slot_record(slot_t* s, uint64_t ns) {
  s->hist[hist_index(ns)]++;
  s->lat_sum += ns;
  s->lat_count++;
  if (ns > s->lat_max)
    s->lat_max = ns;
}

static uint64_t hist_percentile(const uint64_t* h, uint64_t count, double p) {
  uint64_t want;
  uint64_t seen;
  unsigned i;

  if (count == 0)
    return 0;
  want = (uint64_t) ceil(p * (double) count);
  if (want < 1)
    want = 1;
  seen = 0;
  for (i = 0; i < HIST_N; i++) {
    seen += h[i];
    if (seen >= want)
      return hist_value(i);
  }
  return hist_value(HIST_N - 1);
}

/* ---- Small helpers ---- */

static uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static uint64_t msg_hash(uint64_t id, uint64_t seq) {
  return mix64(id * 0x100000001b3ULL ^ mix64(seq));
}

static unsigned char* pool;   /* printable ASCII: valid in text frames too */
#define POOL_SPAN 65536

static void pool_init(size_t max_size) {
  uint64_t x;
  size_t i;

  pool = malloc(max_size + POOL_SPAN + 16);
  if (pool == NULL) {
    fprintf(stderr, "uvws-bench: out of memory\n");
    exit(1);
  }
  x = 6455;
  for (i = 0; i < max_size + POOL_SPAN + 16; i++) {
    x = mix64(x);
    pool[i] = (unsigned char) (' ' + x % 95);
  }
}

static size_t msg_size(uint64_t id, uint64_t seq) {
  if (o.size_count == 1)
    return o.sizes[0];
  return o.sizes[(msg_hash(id, seq) >> 8) % (uint64_t) o.size_count];
}

static int msg_opcode(uint64_t id, uint64_t seq) {
  if (o.opcode != 0)
    return o.opcode;
  return (msg_hash(id, seq) >> 40) & 1 ? WS_OP_TEXT : WS_OP_BINARY;
}

static const unsigned char* msg_bytes(uint64_t id, uint64_t seq) {
  return pool + (msg_hash(id, seq) & (POOL_SPAN - 1));
}

static uint64_t now_ns(void) {
  return uv_hrtime();
}

/* ---- Connections ---- */

struct worker_s;
struct raw_s;

enum { C_IDLE, C_CONNECTING, C_OPEN, C_CLOSED };

typedef struct bconn_s {
  struct worker_s* w;
  uint64_t id;
  int state;
  int publisher;
  uint64_t t_start;
  uint64_t sent;
  uint64_t recvd;
  uint64_t* t_sent;        /* echo: send times, a ring of inflight */
  uint64_t next_bseq;      /* broadcast: the sequence number expected */
  int have_bseq;
  ws_conn_t* ws;
  struct raw_s* raw;
} bconn_t;

/* A raw connection: TCP, frames built and parsed here. */
typedef struct raw_s {
  uv_tcp_t tcp;
  uv_connect_t connect;
  bconn_t* c;
  unsigned char* in;       /* a partial frame carried to the next read */
  size_t in_len;
  size_t in_cap;
  unsigned char* out;      /* output gathered during this loop iteration */
  size_t out_len;
  size_t out_cap;
  int writing;             /* a uv_write is in flight */
  struct raw_s* next_dirty;
  int dirty;
  int closing;
} raw_t;

typedef struct {
  uv_write_t req;
  raw_t* raw;
  size_t len;
  unsigned char data[];
} raw_write_t;

typedef struct worker_s {
  int index;
  slot_t* slot;
  uv_loop_t loop;
  ws_client_t* client;
  bconn_t* conns;
  uint64_t first_id;
  unsigned count;          /* members (or connections) of this worker */
  unsigned next;           /* the next to connect */
  unsigned pending;        /* handshakes under way */
  unsigned settled;        /* opened or failed */
  unsigned open;
  unsigned done;           /* echo with --messages: finished connections */
  int started;             /* go seen */
  int stopping;
  int ended;
  uv_timer_t tick;
  uv_timer_t progress;
  uv_timer_t window_timer;
  uv_prepare_t flush;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  raw_t* dirty;
  unsigned char* read_buf;
  int read_busy;
  uint64_t stop_at;        /* drain deadline */
  /* Broadcast, worker 0 only. */
  bconn_t publisher;
  uint64_t pub_seq;        /* next to publish */
  uint64_t pub_done;       /* all before this were delivered to everyone */
  uv_pipe_t notify_in;
  int notify_out;          /* the write end, for workers other than 0 */
  unsigned char* pub_buf;
  uint64_t uvws_handles_open;
  /* Server CPU, sampled at the window's edges. */
  double srv_cpu0;
  double srv_cpu1;
  int srv_cpu_ok;
  int ready_printed;
  long srv_rss_kb;
  uint64_t last_progress_msgs;
  uint64_t last_progress_ns;
} worker_t;

static void conn_on_open(bconn_t* c);
static void conn_on_message(bconn_t* c, int opcode, const unsigned char* data,
                            size_t len);
static void conn_on_closed(bconn_t* c, const char* why);
static void conn_on_failed(bconn_t* c, int error);
static void worker_maybe_finish(worker_t* w);
static void pub_check(worker_t* w);
static void sample_server(worker_t* w, uint64_t t);

static void slot_error(worker_t* w, const char* fmt, const char* a,
                       uint64_t b, uint64_t c) {
  w->slot->errors++;
  if (w->slot->first_error[0] == '\0')
    snprintf(w->slot->first_error, sizeof(w->slot->first_error), fmt, a,
             (unsigned long long) b, (unsigned long long) c);
}

/* ---- The raw transport ---- */

static struct sockaddr_storage raw_addrs[MAX_URLS];
static struct sockaddr_storage bind_addrs[MAX_URLS];

static int parse_raw_url(const char* url, struct sockaddr_storage* addr) {
  char host[128];
  const char* p;
  const char* end;
  size_t n;
  int port;

  if (strncmp(url, "ws://", 5) != 0)
    return -1;
  p = url + 5;
  if (*p == '[') {
    end = strchr(p, ']');
    if (end == NULL)
      return -1;
    n = (size_t) (end - p - 1);
    if (n >= sizeof(host))
      return -1;
    memcpy(host, p + 1, n);
    p = end + 1;
  } else {
    end = p + strcspn(p, ":/");
    n = (size_t) (end - p);
    if (n >= sizeof(host))
      return -1;
    memcpy(host, p, n);
    p = end;
  }
  host[n] = '\0';
  port = 80;
  if (*p == ':')
    port = atoi(p + 1);
  if (uv_ip4_addr(host, port, (struct sockaddr_in*) addr) != 0 &&
      uv_ip6_addr(host, port, (struct sockaddr_in6*) addr) != 0)
    return -1;
  return 0;
}

static uint64_t mask_state = 0x2545f4914f6cdd1dULL;

static void raw_mark_dirty(raw_t* r) {
  worker_t* w;

  if (r->dirty)
    return;
  w = r->c->w;
  r->dirty = 1;
  r->next_dirty = w->dirty;
  w->dirty = r;
}

static unsigned char* raw_reserve(raw_t* r, size_t n) {
  unsigned char* p;
  size_t cap;

  if (r->out_len + n > r->out_cap) {
    cap = r->out_cap ? r->out_cap : 4096;
    while (cap < r->out_len + n)
      cap *= 2;
    p = realloc(r->out, cap);
    if (p == NULL)
      return NULL;
    r->out = p;
    r->out_cap = cap;
  }
  p = r->out + r->out_len;
  r->out_len += n;
  return p;
}

/* Appends one final, masked frame: the bytes a client would send. */
static int raw_send(raw_t* r, int opcode, const void* data, size_t len) {
  unsigned char header[14];
  unsigned char key[4];
  const unsigned char* in;
  unsigned char* p;
  size_t h;
  size_t i;

  h = 0;
  header[h++] = (unsigned char) (0x80 | opcode);
  if (len < 126) {
    header[h++] = (unsigned char) (0x80 | len);
  } else if (len < 65536) {
    header[h++] = 0x80 | 126;
    header[h++] = (unsigned char) (len >> 8);
    header[h++] = (unsigned char) len;
  } else {
    header[h++] = 0x80 | 127;
    for (i = 0; i < 8; i++)
      header[h++] = (unsigned char) ((uint64_t) len >> (56 - 8 * i));
  }
  mask_state = mix64(mask_state);
  memcpy(key, &mask_state, 4);
  memcpy(header + h, key, 4);
  h += 4;
  p = raw_reserve(r, h + len);
  if (p == NULL)
    return WS_ENOMEM;
  memcpy(p, header, h);
  p += h;
  in = data;
  for (i = 0; i < len; i++)
    p[i] = in[i] ^ key[i & 3];
  raw_mark_dirty(r);
  return 0;
}

static void raw_on_closed(uv_handle_t* handle) {
  raw_t* r;

  r = (raw_t*) handle;
  if (r->c != NULL) {
    r->c->raw = NULL;
    if (r->c->state == C_CONNECTING)
      conn_on_failed(r->c, r->closing);
    else
      conn_on_closed(r->c, r->c->w->stopping ? NULL : "connection lost");
  }
  free(r->in);
  free(r->out);
  free(r);
}

static void raw_close(raw_t* r, int error) {
  if (uv_is_closing((uv_handle_t*) &r->tcp))
    return;
  r->closing = error;
  uv_close((uv_handle_t*) &r->tcp, raw_on_closed);
}

static void raw_flush(raw_t* r);

static void raw_on_write(uv_write_t* req, int status) {
  raw_write_t* wr;
  raw_t* r;

  wr = (raw_write_t*) req;
  r = wr->raw;
  free(wr);
  r->writing = 0;
  if (status < 0) {
    raw_close(r, status);
    return;
  }
  if (r->out_len > 0)
    raw_flush(r);
}

static void raw_flush(raw_t* r) {
  raw_write_t* wr;
  uv_buf_t buf;
  int n;

  if (r->writing || r->out_len == 0 ||
      uv_is_closing((uv_handle_t*) &r->tcp))
    return;
  buf = uv_buf_init((char*) r->out, (unsigned int) r->out_len);
  n = uv_try_write((uv_stream_t*) &r->tcp, &buf, 1);
  if (n == UV_EAGAIN)
    n = 0;
  if (n < 0) {
    raw_close(r, n);
    return;
  }
  if ((size_t) n < r->out_len) {
    wr = malloc(sizeof(*wr) + r->out_len - (size_t) n);
    if (wr == NULL) {
      raw_close(r, UV_ENOMEM);
      return;
    }
    wr->raw = r;
    wr->len = r->out_len - (size_t) n;
    memcpy(wr->data, r->out + n, wr->len);
    buf = uv_buf_init((char*) wr->data, (unsigned int) wr->len);
    if (uv_write(&wr->req, (uv_stream_t*) &r->tcp, &buf, 1,
                 raw_on_write) != 0) {
      free(wr);
      raw_close(r, UV_EPIPE);
      return;
    }
    r->writing = 1;
  }
  r->out_len = 0;
}

static void worker_on_flush(uv_prepare_t* handle) {
  worker_t* w;
  raw_t* r;

  w = handle->data;
  while ((r = w->dirty) != NULL) {
    w->dirty = r->next_dirty;
    r->dirty = 0;
    raw_flush(r);
  }
}

static void raw_on_alloc(uv_handle_t* handle, size_t suggested,
                         uv_buf_t* buf) {
  worker_t* w;

  (void) suggested;
  w = ((raw_t*) handle)->c->w;
  if (w->read_busy) {
    *buf = uv_buf_init(NULL, 0);
    return;
  }
  w->read_busy = 1;
  *buf = uv_buf_init((char*) w->read_buf, READ_BUF_SIZE);
}

/* Parses whole frames at p; returns the bytes used. */
static size_t raw_parse(raw_t* r, unsigned char* p, size_t len) {
  unsigned char* key;
  uint64_t plen;
  size_t used;
  size_t h;
  size_t i;
  int opcode;

  used = 0;
  while (len - used >= 2 && r->c != NULL && r->c->state == C_OPEN) {
    unsigned char* f = p + used;
    size_t avail = len - used;

    opcode = f[0] & 0x0f;
    plen = f[1] & 0x7f;
    h = 2;
    if (plen == 126) {
      if (avail < 4)
        break;
      plen = ((uint64_t) f[2] << 8) | f[3];
      h = 4;
    } else if (plen == 127) {
      if (avail < 10)
        break;
      plen = 0;
      for (i = 0; i < 8; i++)
        plen = (plen << 8) | f[2 + i];
      h = 10;
    }
    key = NULL;
    if (f[1] & 0x80) {
      key = f + h;
      h += 4;
    }
    if (avail < h || avail - h < plen)
      break;
    if (key != NULL)
      for (i = 0; i < plen; i++)
        f[h + i] ^= key[i & 3];
    used += h + (size_t) plen;
    if (!(f[0] & 0x80)) {
      slot_error(r->c->w, "raw: a fragmented frame (%s%" PRIu64 "%" PRIu64
                 ")", "", 0, 0);
      continue;
    }
    if (opcode == 0x8) {
      raw_close(r, 0);
      break;
    }
    if (opcode == 0x9) {
      raw_send(r, 0xA, f + h, (size_t) plen);
      continue;
    }
    if (opcode == 0xA)
      continue;
    conn_on_message(r->c, opcode, f + h, (size_t) plen);
  }
  return used;
}

static int raw_keep(raw_t* r, const unsigned char* p, size_t n) {
  unsigned char* q;
  size_t cap;

  if (r->in_len + n > r->in_cap) {
    cap = r->in_cap ? r->in_cap : 4096;
    while (cap < r->in_len + n)
      cap *= 2;
    q = realloc(r->in, cap);
    if (q == NULL)
      return -1;
    r->in = q;
    r->in_cap = cap;
  }
  memcpy(r->in + r->in_len, p, n);
  r->in_len += n;
  return 0;
}

static void raw_on_read(uv_stream_t* stream, ssize_t nread,
                        const uv_buf_t* buf) {
  raw_t* r;
  worker_t* w;
  size_t used;

  r = (raw_t*) stream;
  w = r->c->w;
  if (buf->base == (char*) w->read_buf)
    w->read_busy = 0;
  if (nread < 0) {
    raw_close(r, (int) nread);
    return;
  }
  if (nread == 0)
    return;
  if (r->in_len > 0) {
    if (raw_keep(r, (unsigned char*) buf->base, (size_t) nread) != 0) {
      raw_close(r, UV_ENOMEM);
      return;
    }
    used = raw_parse(r, r->in, r->in_len);
    if (used > 0) {
      memmove(r->in, r->in + used, r->in_len - used);
      r->in_len -= used;
    }
    return;
  }
  used = raw_parse(r, (unsigned char*) buf->base, (size_t) nread);
  if (used < (size_t) nread &&
      !uv_is_closing((uv_handle_t*) &r->tcp) &&
      raw_keep(r, (unsigned char*) buf->base + used,
               (size_t) nread - used) != 0)
    raw_close(r, UV_ENOMEM);
}

static void raw_on_connect(uv_connect_t* req, int status) {
  raw_t* r;

  r = req->data;
  if (status < 0) {
    raw_close(r, status);
    return;
  }
  uv_tcp_nodelay(&r->tcp, 1);
  if (uv_read_start((uv_stream_t*) &r->tcp, raw_on_alloc, raw_on_read) != 0) {
    raw_close(r, UV_EIO);
    return;
  }
  conn_on_open(r->c);
}

static int raw_start(bconn_t* c) {
  const struct sockaddr* dest;
  worker_t* w;
  raw_t* r;
  int err;

  w = c->w;
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return UV_ENOMEM;
  r->c = c;
  c->raw = r;
  uv_tcp_init(&w->loop, &r->tcp);
  if (o.bind_count > 0) {
    err = uv_tcp_bind(&r->tcp,
                      (const struct sockaddr*) &bind_addrs[c->id %
                                                           o.bind_count],
                      0);
    if (err != 0) {
      r->c = NULL;
      c->raw = NULL;
      uv_close((uv_handle_t*) &r->tcp, raw_on_closed);
      return err;
    }
  }
  dest = (const struct sockaddr*) &raw_addrs[c->id % o.url_count];
  r->connect.data = r;
  err = uv_tcp_connect(&r->connect, &r->tcp, dest, raw_on_connect);
  if (err != 0) {
    r->c = NULL;
    c->raw = NULL;
    uv_close((uv_handle_t*) &r->tcp, raw_on_closed);
    return err;
  }
  return 0;
}

/* ---- The WebSocket transport: ws_client_t ---- */

static void ws_on_open(ws_conn_t* conn) {
  bconn_t* c;

  c = ws_conn_get_data(conn);
  c->ws = conn;
  conn_on_open(c);
}

static void ws_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                          const void* data, size_t len) {
  conn_on_message(ws_conn_get_data(conn), (int) opcode, data, len);
}

static void ws_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  char why[160];
  bconn_t* c;

  c = ws_conn_get_data(conn);
  c->ws = NULL;
  snprintf(why, sizeof(why), "closed by the server: %u %.*s %s",
           (unsigned) info->code, (int) info->reason_len,
           info->reason != NULL ? info->reason : "",
           info->error ? ws_err_name(info->error) : "");
  conn_on_closed(c, c->w->stopping ? NULL : why);
}

static void ws_on_connect_error(ws_conn_t* conn, int error) {
  bconn_t* c;

  c = ws_conn_get_data(conn);
  c->ws = NULL;
  conn_on_failed(c, error);
}

static int conn_send(bconn_t* c, int opcode, const void* data, size_t len) {
  if (c->raw != NULL)
    return raw_send(c->raw, opcode, data, len);
  if (c->ws != NULL)
    return ws_conn_send(c->ws, (ws_opcode_t) opcode, data, len);
  return WS_ECLOSED;
}

static void conn_start(bconn_t* c) {
  ws_connect_options_t copts;
  worker_t* w;
  int err;

  w = c->w;
  c->state = C_CONNECTING;
  c->t_start = now_ns();
  if (w->slot->first_start_ns == 0)
    w->slot->first_start_ns = c->t_start;
  w->pending++;
  if (o.raw) {
    err = raw_start(c);
  } else {
    memset(&copts, 0, sizeof(copts));
    copts.origin = o.origin;
    err = ws_client_connect(w->client, o.urls[c->id % o.url_count], &copts,
                            c, NULL);
  }
  if (err != 0)
    conn_on_failed(c, err);
}

static void worker_connect_more(worker_t* w) {
  while (!w->stopping && w->next < w->count &&
         w->pending < (o.concurrency + (unsigned) o.procs - 1) /
                          (unsigned) o.procs)
    conn_start(&w->conns[w->next++]);
}

/* ---- Modes ---- */

static int in_window(uint64_t t) {
  uint64_t start;
  uint64_t end;

  start = shm->window_start_ns;
  end = shm->window_end_ns;
  return t >= start && (end == 0 || t < end);
}

static void timeline_add(worker_t* w, uint64_t t) {
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

static void echo_start(worker_t* w) {
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

/* Broadcast payload: 8 bytes of sequence number, 8 bytes of uv_hrtime()
 * at publication, then bytes from the pool that depend on the sequence. */
static void bcast_on_message(bconn_t* c, int opcode,
                             const unsigned char* data, size_t len) {
  worker_t* w;
  uint64_t seq;
  uint64_t sent;
  uint64_t t;
  uint32_t n;

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
  t = now_ns();
  if (!o.server_publishes &&
      (len != o.sizes[0] ||
       memcmp(data + 16, pool + (mix64(seq) & (POOL_SPAN - 1)), len - 16) !=
           0))
    slot_error(w, "%sbroadcast %" PRIu64 " differs (member %" PRIu64 ")",
               "", seq, c->id);
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
    slot_record(w->slot, t > sent ? t - sent : 0);
    w->slot->msgs++;
    w->slot->bytes += len;
  }
  if (o.server_publishes)
    return;
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

static void pub_fill(worker_t* w) {
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
  while (w->pub_done < w->pub_seq &&
         LOAD(shm->ring[w->pub_done % RING_N]) ==
             (uint32_t) shm->members_total) {
    STORE(shm->ring[w->pub_done % RING_N], 0);
    w->pub_done++;
  }
  pub_fill(w);
}

static void on_notify_alloc(uv_handle_t* handle, size_t suggested,
                            uv_buf_t* buf) {
  static char space[4096];

  (void) handle;
  (void) suggested;
  *buf = uv_buf_init(space, sizeof(space));
}

static void on_notify(uv_stream_t* stream, ssize_t nread,
                      const uv_buf_t* buf) {
  (void) buf;
  if (nread > 0)
    pub_check(stream->data);
}

static void conn_on_message(bconn_t* c, int opcode, const unsigned char* data,
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

static void worker_check_ready(worker_t* w) {
  if (w->settled == w->count && !w->slot->ready) {
    if (w->slot->held > w->slot->held_peak)
      w->slot->held_peak = w->slot->held;
    STORE(w->slot->ready, 1);
  }
}

static void conn_on_open(bconn_t* c) {
  worker_t* w;
  uint64_t t;

  w = c->w;
  t = now_ns();
  c->state = C_OPEN;
  w->pending--;
  w->open++;
  w->slot->opened++;
  w->slot->held++;
  if (c->publisher) {
    /* Everyone is in the room: the clock starts now. */
    shm->window_start_ns = t + (uint64_t) (o.warmup * 1e9);
    shm->window_end_ns = o.duration > 0 ? shm->window_start_ns +
                                               (uint64_t) (o.duration * 1e9)
                                         : 0;
    STORE(shm->go_ns, t);
    pub_fill(w);
    return;
  }
  w->settled++;
  w->slot->last_open_ns = t;
  if (o.mode == MODE_CONNECT || o.mode == MODE_IDLE) {
    slot_record(w->slot, t - c->t_start);
    timeline_add(w, t);
  }
  if (w->stopping) {
    if (c->ws != NULL)
      ws_conn_close(c->ws, 1000, NULL, 0);
    else if (c->raw != NULL)
      raw_close(c->raw, 0);
    return;
  }
  worker_connect_more(w);
  worker_check_ready(w);
}

static void conn_on_failed(bconn_t* c, int error) {
  worker_t* w;

  w = c->w;
  c->state = C_CLOSED;
  w->pending--;
  w->slot->failed++;
  if (w->slot->first_error[0] == '\0')
    snprintf(w->slot->first_error, sizeof(w->slot->first_error),
             "connect %s failed: %s (%s)", o.urls[c->id % o.url_count],
             ws_err_name(error), ws_strerror(error));
  if (c->publisher) {
    STORE(shm->stop, 1);
    return;
  }
  w->settled++;
  worker_connect_more(w);
  worker_check_ready(w);
  worker_maybe_finish(w);
}

static void conn_on_closed(bconn_t* c, const char* why) {
  worker_t* w;

  w = c->w;
  if (c->state == C_OPEN) {
    w->open--;
    w->slot->held--;
  }
  c->state = C_CLOSED;
  if (why != NULL) {
    w->slot->closed++;
    if (w->slot->first_error[0] == '\0')
      snprintf(w->slot->first_error, sizeof(w->slot->first_error),
               "conn %" PRIu64 ": %s", c->id, why);
    if (c->publisher)
      STORE(shm->stop, 1);
  }
  worker_maybe_finish(w);
}

/* ---- A worker: one process, one loop ---- */

static void worker_end(worker_t* w);

static void on_handle_closed(uv_handle_t* handle) {
  (void) handle;
}

static void on_client_closed(ws_client_t* client) {
  (void) client;
}

static void worker_close_handles(worker_t* w) {
  uv_close((uv_handle_t*) &w->tick, on_handle_closed);
  uv_close((uv_handle_t*) &w->flush, on_handle_closed);
  uv_close((uv_handle_t*) &w->sigint, on_handle_closed);
  uv_close((uv_handle_t*) &w->sigterm, on_handle_closed);
  if (w->index == 0) {
    uv_close((uv_handle_t*) &w->progress, on_handle_closed);
    if (o.mode == MODE_BROADCAST && !o.server_publishes)
      uv_close((uv_handle_t*) &w->notify_in, on_handle_closed);
  }
}

static void worker_end(worker_t* w) {
  unsigned i;

  if (w->stopping)
    return;
  w->stopping = 1;
  for (i = 0; i < w->count; i++)
    if (w->conns[i].raw != NULL)
      raw_close(w->conns[i].raw, 0);
  if (w->publisher.raw != NULL)
    raw_close(w->publisher.raw, 0);
  if (w->client != NULL)
    ws_client_close(w->client, on_client_closed);
  w->client = NULL;
  worker_close_handles(w);
}

/* Echo with --messages ends when every connection has its answers. */
static void worker_maybe_finish(worker_t* w) {
  if (w->stopping || o.mode != MODE_ECHO || o.messages == 0 ||
      !w->slot->ready)
    return;
  if (w->done == w->open || w->open == 0)
    worker_end(w);
}

static double proc_cpu_seconds(int pid) {
  char path[64];
  char buf[2048];
  unsigned long utime;
  unsigned long stime;
  char* p;
  FILE* f;
  size_t n;
  int i;

  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  f = fopen(path, "r");
  if (f == NULL)
    return -1;
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* The command may hold spaces: fields count from the last ')'. */
  p = strrchr(buf, ')');
  if (p == NULL)
    return -1;
  p += 2;
  /* Field 3 is the state; utime and stime are fields 14 and 15. */
  for (i = 3; i < 14 && p != NULL; i++) {
    p = strchr(p, ' ');
    if (p != NULL)
      p++;
  }
  if (p == NULL || sscanf(p, "%lu %lu", &utime, &stime) != 2)
    return -1;
  return (double) (utime + stime) / (double) sysconf(_SC_CLK_TCK);
}

static long proc_rss_kb(int pid) {
  char path[64];
  long pages;
  long rss;
  FILE* f;

  snprintf(path, sizeof(path), "/proc/%d/statm", pid);
  f = fopen(path, "r");
  if (f == NULL)
    return -1;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
    rss = -1;
  fclose(f);
  return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Reads the server's CPU time at the window's edges, once each. */
static void sample_server(worker_t* w, uint64_t t) {
  if (w->index != 0 || o.server_pid <= 0 || shm->go_ns == 0)
    return;
  if (w->srv_cpu_ok == 0 && t >= shm->window_start_ns) {
    w->srv_cpu0 = proc_cpu_seconds(o.server_pid);
    w->srv_cpu_ok = 1;
  }
  if (w->srv_cpu_ok == 1 && shm->window_end_ns != 0 &&
      t >= shm->window_end_ns) {
    w->srv_cpu1 = proc_cpu_seconds(o.server_pid);
    w->srv_rss_kb = proc_rss_kb(o.server_pid);
    w->srv_cpu_ok = 2;
  }
}

static int all_ready(void) {
  int i;

  for (i = 0; i < o.procs; i++)
    if (!LOAD(shm->slots[i].ready))
      return 0;
  return 1;
}

static void worker_on_go(worker_t* w) {
  w->started = 1;
  if (o.mode == MODE_ECHO)
    echo_start(w);
  else if (o.mode == MODE_CONNECT)
    worker_connect_more(w);
}

static void start_publisher(worker_t* w) {
  uint64_t total;
  int i;

  total = 0;
  for (i = 0; i < o.procs; i++)
    total += shm->slots[i].opened;
  shm->members_total = total;
  w->publisher.w = w;
  w->publisher.id = o.conns;
  w->publisher.publisher = 1;
  w->pub_buf = malloc(o.sizes[0]);
  conn_start(&w->publisher);
}

static void go_now(void) {
  uint64_t t;

  t = now_ns();
  shm->window_start_ns = t + (uint64_t) (o.warmup * 1e9);
  shm->window_end_ns = o.duration > 0 ? shm->window_start_ns +
                                             (uint64_t) (o.duration * 1e9)
                                       : 0;
  STORE(shm->go_ns, t);
}

static void worker_on_tick(uv_timer_t* timer) {
  worker_t* w;
  uint64_t t;
  unsigned i;
  uint64_t missing;
  int drained;

  w = timer->data;
  if (w->stopping)
    return;
  t = now_ns();
  sample_server(w, t);
  if (LOAD(shm->stop)) {
    worker_end(w);
    return;
  }
  if (w->index == 0 && LOAD(shm->go_ns) == 0 && all_ready() &&
      w->publisher.state == C_IDLE) {
    if (o.mode == MODE_BROADCAST && !o.server_publishes)
      start_publisher(w);
    else
      go_now();
  }
  if (!w->started && LOAD(shm->go_ns) != 0)
    worker_on_go(w);
  if (!w->started)
    return;
  switch (o.mode) {
    case MODE_ECHO:
      if (o.messages != 0 || shm->window_end_ns == 0 ||
          t < shm->window_end_ns)
        break;
      if (w->stop_at == 0)
        w->stop_at = t + (uint64_t) (o.drain * 1e9);
      drained = 1;
      for (i = 0; i < w->count; i++)
        if (w->conns[i].state == C_OPEN &&
            w->conns[i].recvd != w->conns[i].sent)
          drained = 0;
      if (drained || t >= w->stop_at) {
        missing = 0;
        for (i = 0; i < w->count; i++)
          if (w->conns[i].state == C_OPEN)
            missing += w->conns[i].sent - w->conns[i].recvd;
        w->slot->lost += missing;
        worker_end(w);
      }
      break;
    case MODE_BROADCAST:
      if (w->index == 0 && !o.server_publishes)
        pub_fill(w);
      if (o.server_publishes && shm->window_end_ns != 0 &&
          t >= shm->window_end_ns + (uint64_t) (o.drain * 1e9))
        STORE(shm->stop, 1);
      break;
    case MODE_CONNECT:
    case MODE_IDLE:
      if (w->settled < w->count)
        break;
      if (w->slot->held > w->slot->held_peak)
        w->slot->held_peak = w->slot->held;
      if (w->stop_at == 0) {
        if (o.mode == MODE_CONNECT)
          w->stop_at = t + (uint64_t) (o.hold * 1e9);
        else
          w->stop_at = o.duration > 0 ? t + (uint64_t) (o.duration * 1e9)
                                      : UINT64_MAX;
        if (w->index == 0 && o.mode == MODE_IDLE)
          w->stop_at = UINT64_MAX; /* worker 0 waits for all, below */
      }
      if (w->index == 0 && o.mode == MODE_IDLE && all_ready() &&
          !w->ready_printed) {
        uint64_t held = 0;
        int k;
        for (k = 0; k < o.procs; k++)
          held += shm->slots[k].held;
        printf("ready %" PRIu64 "\n", held);
        fflush(stdout);
        w->ready_printed = 1;
        w->stop_at = o.duration > 0 ? t + (uint64_t) (o.duration * 1e9)
                                    : UINT64_MAX;
      }
      if (t >= w->stop_at) {
        if (o.mode == MODE_IDLE)
          STORE(shm->stop, 1);
        worker_end(w);
      }
      break;
  }
}

static void sum_slots(slot_t* sum) {
  int i;
  int k;

  memset(sum, 0, sizeof(*sum));
  for (i = 0; i < o.procs; i++) {
    slot_t* s = &shm->slots[i];
    sum->opened += s->opened;
    sum->failed += s->failed;
    sum->closed += s->closed;
    sum->errors += s->errors;
    sum->lost += s->lost;
    sum->held += s->held;
    sum->held_peak += s->held_peak;
    sum->msgs += s->msgs;
    sum->bytes += s->bytes;
    sum->total_msgs += s->total_msgs;
    sum->sent += s->sent;
    sum->published += s->published;
    sum->lat_sum += s->lat_sum;
    sum->lat_count += s->lat_count;
    if (s->lat_max > sum->lat_max)
      sum->lat_max = s->lat_max;
    if (s->last_open_ns > sum->last_open_ns)
      sum->last_open_ns = s->last_open_ns;
    if (s->first_start_ns != 0 &&
        (sum->first_start_ns == 0 || s->first_start_ns < sum->first_start_ns))
      sum->first_start_ns = s->first_start_ns;
    for (k = 0; k < HIST_N; k++)
      sum->hist[k] += s->hist[k];
    for (k = 0; k < TIMELINE_N; k++)
      sum->timeline[k] += s->timeline[k];
    if (sum->first_error[0] == '\0' && s->first_error[0] != '\0')
      memcpy(sum->first_error, s->first_error, sizeof(sum->first_error));
  }
}

static slot_t progress_sum;

static void worker_on_progress(uv_timer_t* timer) {
  worker_t* w;
  uint64_t t;
  double rate;
  double secs;

  w = timer->data;
  if (o.quiet)
    return;
  sum_slots(&progress_sum);
  t = now_ns();
  rate = 0;
  if (w->last_progress_ns != 0)
    rate = (double) (progress_sum.total_msgs - w->last_progress_msgs) * 1e9 /
           (double) (t - w->last_progress_ns);
  w->last_progress_ns = t;
  w->last_progress_msgs = progress_sum.total_msgs;
  secs = shm->go_ns ? (double) (t - shm->go_ns) / 1e9 : 0;
  fprintf(stderr,
          "\r[%6.1fs] open %" PRIu64 "/%u failed %" PRIu64 "  %s/s %.0f"
          "  p50 %.0fus p99 %.0fus  errors %" PRIu64 "   ",
          secs, progress_sum.held, o.conns, progress_sum.failed,
          o.mode == MODE_BROADCAST ? "deliveries"
          : o.mode == MODE_ECHO    ? "msgs"
                                   : "opens",
          rate,
          hist_percentile(progress_sum.hist, progress_sum.lat_count, 0.5) /
              1e3,
          hist_percentile(progress_sum.hist, progress_sum.lat_count, 0.99) /
              1e3,
          progress_sum.errors + progress_sum.closed);
  fflush(stderr);
}

static void worker_on_signal(uv_signal_t* handle, int signum) {
  (void) handle;
  (void) signum;
  STORE(shm->stop, 1);
}

static worker_t* w0;

static int worker_run(int index, uint64_t first_id, unsigned count,
                      int notify_in, int notify_out) {
  ws_client_callbacks_t cb;
  ws_client_options_t copts;
  worker_t* w;
  unsigned i;
  int err;

  w = calloc(1, sizeof(*w));
  w->index = index;
  if (index == 0)
    w0 = w;
  w->slot = &shm->slots[index];
  w->first_id = first_id;
  w->count = count;
  w->notify_out = notify_out;
  w->conns = calloc(count ? count : 1, sizeof(bconn_t));
  w->read_buf = malloc(READ_BUF_SIZE);
  if (w->conns == NULL || w->read_buf == NULL) {
    fprintf(stderr, "uvws-bench: out of memory\n");
    return 1;
  }
  for (i = 0; i < count; i++) {
    w->conns[i].w = w;
    w->conns[i].id = first_id + i;
    if (o.mode == MODE_ECHO) {
      w->conns[i].t_sent = calloc(o.inflight, sizeof(uint64_t));
      if (w->conns[i].t_sent == NULL) {
        fprintf(stderr, "uvws-bench: out of memory\n");
        return 1;
      }
    }
  }
  uv_loop_init(&w->loop);
  if (!o.raw) {
    ws_client_options_init(&copts);
    copts.max_message_size = o.max_size + 1024 > 16 * 1024 * 1024
                                 ? o.max_size + 1024
                                 : 16 * 1024 * 1024;
    copts.connect_timeout = 30000;
    memset(&cb, 0, sizeof(cb));
    cb.on_open = ws_on_open;
    cb.on_message = ws_on_message;
    cb.on_close = ws_on_close;
    cb.on_connect_error = ws_on_connect_error;
    err = ws_client_new(&w->client, &w->loop, &copts, &cb);
    if (err != 0) {
      fprintf(stderr, "ws_client_new: %s\n", ws_strerror(err));
      return 1;
    }
  }
  uv_prepare_init(&w->loop, &w->flush);
  w->flush.data = w;
  uv_prepare_start(&w->flush, worker_on_flush);
  uv_timer_init(&w->loop, &w->tick);
  w->tick.data = w;
  uv_timer_start(&w->tick, worker_on_tick, 2, 2);
  uv_signal_init(&w->loop, &w->sigint);
  uv_signal_init(&w->loop, &w->sigterm);
  uv_signal_start(&w->sigint, worker_on_signal, SIGINT);
  uv_signal_start(&w->sigterm, worker_on_signal, SIGTERM);
  if (index == 0) {
    uv_timer_init(&w->loop, &w->progress);
    w->progress.data = w;
    uv_timer_start(&w->progress, worker_on_progress, 1000, 1000);
    if (o.mode == MODE_BROADCAST && !o.server_publishes) {
      uv_pipe_init(&w->loop, &w->notify_in, 0);
      uv_pipe_open(&w->notify_in, notify_in);
      w->notify_in.data = w;
      uv_read_start((uv_stream_t*) &w->notify_in, on_notify_alloc,
                    on_notify);
    }
  }
  if (o.mode == MODE_CONNECT) {
    w->settled = 0;
    STORE(w->slot->ready, 1); /* connects once everyone can */
  } else {
    worker_connect_more(w);
    worker_check_ready(w);
  }
  uv_run(&w->loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&w->loop) != 0)
    fprintf(stderr, "uvws-bench: worker %d: the loop is not empty\n", index);
  STORE(w->slot->finished, 1);
  return 0;
}

/* ---- Results ---- */

static const double percentiles[] = { 0.5, 0.9, 0.99, 0.999 };
static const char* percentile_names[] = { "p50", "p90", "p99", "p999" };

static void write_plots(const slot_t* s, double window_s) {
  char path[1024];
  FILE* f;
  FILE* g;
  uint64_t last;
  int i;

  (void) window_s;
  snprintf(path, sizeof(path), "%s-latency.dat", o.plot);
  f = fopen(path, "w");
  if (f == NULL)
    return;
  /* x = 1/(1-p): percentiles spread on a log axis. */
  for (i = 0; i <= 500; i++) {
    double p = 1.0 - pow(10.0, -5.0 * i / 500.0);
    if (p <= 0)
      p = 0;
    fprintf(f, "%.9f %.3f\n", 1.0 / (1.0 - p),
            hist_percentile(s->hist, s->lat_count, p) / 1e3);
  }
  fclose(f);
  snprintf(path, sizeof(path), "%s-timeline.dat", o.plot);
  f = fopen(path, "w");
  if (f == NULL)
    return;
  last = 0;
  for (i = 0; i < TIMELINE_N; i++)
    if (s->timeline[i] != 0)
      last = (uint64_t) i;
  for (i = 0; i <= (int) last; i++)
    fprintf(f, "%d %" PRIu64 "\n", i, s->timeline[i]);
  fclose(f);
  g = popen("gnuplot", "w");
  if (g == NULL)
    return;
  fprintf(g,
          "set terminal pngcairo size 900,500 noenhanced\n"
          "set grid\n"
          "set output '%s-latency.png'\n"
          "set title '%s %s: latency by percentile'\n"
          "set logscale x\n"
          /* Tic labels are formats to gnuplot: %% is a percent sign. */
          "set xtics ('50%%%%' 2, '90%%%%' 10, '99%%%%' 100,"
          " '99.9%%%%' 1000, '99.99%%%%' 10000, '99.999%%%%' 100000)\n"
          "set xlabel 'percentile'\n"
          "set ylabel 'microseconds'\n"
          "plot '%s-latency.dat' using 1:2 with lines lw 2 notitle\n"
          "unset logscale x\n"
          "set xtics auto\n"
          "set output '%s-timeline.png'\n"
          "set title '%s %s: per second'\n"
          "set xlabel 'seconds since start'\n"
          "set ylabel '%s per second'\n"
          "plot '%s-timeline.dat' using 1:2 with steps lw 2 notitle\n",
          o.plot, mode_names[o.mode], o.label ? o.label : "", o.plot, o.plot,
          mode_names[o.mode], o.label ? o.label : "",
          o.mode == MODE_ECHO ? "messages"
          : o.mode == MODE_BROADCAST ? "deliveries" : "handshakes",
          o.plot);
  pclose(g);
}

static void json_string(FILE* f, const char* s) {
  fputc('"', f);
  for (; s != NULL && *s != '\0'; s++) {
    if (*s == '"' || *s == '\\')
      fprintf(f, "\\%c", *s);
    else if ((unsigned char) *s < 0x20)
      fprintf(f, "\\u%04x", *s);
    else
      fputc(*s, f);
  }
  fputc('"', f);
}

static int report(double client_cpu_s) {
  slot_t* s;
  double window_s;
  double rate;
  double srv_cpu;
  uint64_t last;
  FILE* f;
  int ok;
  int i;

  s = calloc(1, sizeof(*s));
  sum_slots(s);
  if (!o.quiet)
    fprintf(stderr, "\n");
  window_s = 0;
  if (o.mode == MODE_CONNECT || o.mode == MODE_IDLE) {
    if (s->last_open_ns > s->first_start_ns)
      window_s = (double) (s->last_open_ns - s->first_start_ns) / 1e9;
    rate = window_s > 0 ? (double) s->opened / window_s : 0;
  } else {
    if (o.messages != 0 && o.mode == MODE_ECHO)
      window_s = s->last_open_ns > shm->window_start_ns
                     ? (double) (s->last_open_ns - shm->window_start_ns) /
                           1e9
                     : 0;
    else
      window_s = (double) (shm->window_end_ns - shm->window_start_ns) / 1e9;
    rate = window_s > 0 ? (double) s->msgs / window_s : 0;
  }
  srv_cpu = -1;
  if (w0 != NULL && w0->srv_cpu_ok == 2 && w0->srv_cpu0 >= 0 &&
      w0->srv_cpu1 >= 0)
    srv_cpu = w0->srv_cpu1 - w0->srv_cpu0;
  ok = s->errors == 0 && s->failed == 0 && s->closed == 0 && s->lost == 0;

  printf("mode %s%s, %u connections, %d process%s, url %s%s\n",
         mode_names[o.mode], o.raw ? " (raw)" : "", o.conns, o.procs,
         o.procs == 1 ? "" : "es", o.urls[0],
         o.url_count > 1 ? " (and more)" : "");
  printf("opened %" PRIu64 ", failed %" PRIu64 ", closed early %" PRIu64
         ", errors %" PRIu64 ", lost %" PRIu64 "\n",
         s->opened, s->failed, s->closed, s->errors, s->lost);
  if (s->first_error[0] != '\0')
    printf("first error: %s\n", s->first_error);
  switch (o.mode) {
    case MODE_ECHO:
      printf("%" PRIu64 " echoes in %.2f s: %.0f msgs/s, %.1f MB/s\n",
             s->msgs, window_s, rate,
             window_s > 0 ? (double) s->bytes / window_s / 1e6 : 0);
      break;
    case MODE_BROADCAST:
      printf("%" PRIu64 " published, %" PRIu64 " deliveries in %.2f s:"
             " %.0f deliveries/s\n",
             s->published, s->msgs, window_s, rate);
      break;
    default:
      printf("%" PRIu64 " handshakes in %.3f s: %.0f/s, %" PRIu64
             " held at most\n",
             s->opened, window_s, rate, s->held_peak);
      break;
  }
  printf("latency (us): ");
  for (i = 0; i < 4; i++)
    printf("%s %.1f  ", percentile_names[i],
           hist_percentile(s->hist, s->lat_count, percentiles[i]) / 1e3);
  printf("max %.1f  mean %.1f\n", s->lat_max / 1e3,
         s->lat_count ? (double) s->lat_sum / (double) s->lat_count / 1e3
                      : 0);
  if (srv_cpu >= 0 && s->msgs > 0)
    printf("server cpu %.3f s in the window: %.3f us per %s\n", srv_cpu,
           srv_cpu * 1e6 / (double) s->msgs,
           o.mode == MODE_BROADCAST ? "delivery" : "message");
  printf("client cpu %.3f s\n", client_cpu_s);

  if (o.json != NULL) {
    f = fopen(o.json, "w");
    if (f == NULL) {
      fprintf(stderr, "uvws-bench: cannot write %s: %s\n", o.json,
              strerror(errno));
      return 1;
    }
    fprintf(f, "{\n  \"mode\": \"%s\",\n  \"label\": ", mode_names[o.mode]);
    json_string(f, o.label);
    fprintf(f, ",\n  \"url\": ");
    json_string(f, o.urls[0]);
    fprintf(f,
            ",\n  \"raw\": %s,\n  \"conns\": %u,\n  \"procs\": %d,\n"
            "  \"size\": %zu,\n  \"sizes\": [",
            o.raw ? "true" : "false", o.conns, o.procs, o.sizes[0]);
    for (i = 0; i < o.size_count; i++)
      fprintf(f, "%s%zu", i ? ", " : "", o.sizes[i]);
    fprintf(f,
            "],\n  \"inflight\": %u,\n  \"rate\": %.1f,\n"
            "  \"window_s\": %.6f,\n  \"opened\": %" PRIu64
            ",\n  \"failed\": %" PRIu64 ",\n  \"closed_early\": %" PRIu64
            ",\n  \"errors\": %" PRIu64 ",\n  \"lost\": %" PRIu64
            ",\n  \"held_peak\": %" PRIu64 ",\n  \"messages\": %" PRIu64
            ",\n  \"bytes\": %" PRIu64 ",\n  \"published\": %" PRIu64
            ",\n  \"total_messages\": %" PRIu64 ",\n  \"sent\": %" PRIu64
            ",\n  \"rate_per_s\": %.3f,\n",
            o.inflight, o.rate, window_s, s->opened, s->failed, s->closed,
            s->errors, s->lost, s->held_peak, s->msgs, s->bytes,
            s->published, s->total_msgs, s->sent, rate);
    fprintf(f, "  \"latency_us\": {");
    for (i = 0; i < 4; i++)
      fprintf(f, "\"%s\": %.3f, ", percentile_names[i],
              hist_percentile(s->hist, s->lat_count, percentiles[i]) / 1e3);
    fprintf(f, "\"max\": %.3f, \"mean\": %.3f, \"count\": %" PRIu64 "},\n",
            s->lat_max / 1e3,
            s->lat_count ? (double) s->lat_sum / (double) s->lat_count / 1e3
                         : 0,
            s->lat_count);
    if (srv_cpu >= 0)
      fprintf(f,
              "  \"server_cpu_s\": %.4f,\n  \"server_cpu_us_per_msg\": %.5f,"
              "\n  \"server_rss_kb\": %ld,\n",
              srv_cpu, s->msgs ? srv_cpu * 1e6 / (double) s->msgs : 0.0,
              w0->srv_rss_kb);
    fprintf(f, "  \"client_cpu_s\": %.4f,\n  \"first_error\": ",
            client_cpu_s);
    json_string(f, s->first_error);
    fprintf(f, ",\n  \"timeline\": [");
    last = 0;
    for (i = 0; i < TIMELINE_N; i++)
      if (s->timeline[i] != 0)
        last = (uint64_t) i;
    for (i = 0; i <= (int) last; i++)
      fprintf(f, "%s%" PRIu64, i ? ", " : "", s->timeline[i]);
    fprintf(f, "],\n  \"ok\": %s\n}\n", ok ? "true" : "false");
    fclose(f);
  }
  if (o.plot != NULL)
    write_plots(s, window_s);
  free(s);
  return ok ? 0 : 1;
}

/* ---- Arguments ---- */

static void usage(FILE* out) {
  fprintf(out,
"Usage: uvws-bench MODE [options]\n"
"\n"
"MODE is echo, broadcast, connect or idle.\n"
"\n"
"  --url URL          ws://host:port/path (repeat to spread connections over\n"
"                     several, e.g. 127.0.0.1 .. 127.0.0.4); default\n"
"                     ws://127.0.0.1:8080/\n"
"  --raw              no handshake: TCP, then the same masked frames\n"
"  --bind ADDR        source address for --raw (repeatable)\n"
"  -c, --conns N      connections, or broadcast members (100)\n"
"  -s, --size N[,N..] message size(s) in bytes; several: mixed (20)\n"
"  -k, --inflight K   echo: messages in flight per connection;\n"
"                     broadcast: broadcasts outstanding (1 / 16)\n"
"  -d, --duration S   seconds measured (5); idle: hold time (0: until a\n"
"                     signal)\n"
"  -n, --messages N   echo: messages per connection instead of a duration\n"
"  --warmup S         seconds before the measurement starts (1)\n"
"  --opcode OP        binary, text or mixed (binary)\n"
"  --any-opcode       accept a text echo of a binary message\n"
"  --procs P          client processes (1)\n"
"  --concurrency C    handshakes under way at once (200)\n"
"  --hold S           connect: seconds to hold every connection (0)\n"
"  --rate R           broadcast: publications per second (0: as fast as\n"
"                     the outstanding window allows)\n"
"  --server-publishes broadcast: no publisher; the server's timer publishes\n"
"  --origin O         send Origin: O\n"
"  --server-pid PID   read that process's CPU time and RSS for the window\n"
"  --drain S          seconds to wait for missing answers at the end (5)\n"
"  --json FILE        write the results as JSON\n"
"  --plot PREFIX      draw PREFIX-latency.png and PREFIX-timeline.png\n"
"  --label TEXT       a name for the results and plots\n"
"  -q, --quiet        no progress line\n"
"\n"
"Exits 0 when nothing failed: no connect errors, no wrong or missing\n"
"bytes, no unexpected closes.\n");
}

static int parse_sizes(const char* s) {
  char* end;
  unsigned long long v;

  o.size_count = 0;
  o.max_size = 0;
  while (*s != '\0') {
    if (o.size_count == MAX_SIZES)
      return -1;
    v = strtoull(s, &end, 10);
    if (end == s)
      return -1;
    if (*end == 'k' || *end == 'K') {
      v *= 1024;
      end++;
    } else if (*end == 'm' || *end == 'M') {
      v *= 1024 * 1024;
      end++;
    }
    o.sizes[o.size_count++] = (size_t) v;
    if (v > o.max_size)
      o.max_size = (size_t) v;
    if (*end == ',')
      end++;
    else if (*end != '\0')
      return -1;
    s = end;
  }
  return o.size_count > 0 ? 0 : -1;
}

static int parse_args(int argc, char** argv) {
  int inflight_set;
  const char* a;
  const char* v;
  int i;

  memset(&o, 0, sizeof(o));
  o.conns = 100;
  o.sizes[0] = 20;
  o.size_count = 1;
  o.max_size = 20;
  o.duration = 5;
  o.warmup = 1;
  o.opcode = WS_OP_BINARY;
  o.procs = 1;
  o.concurrency = 200;
  o.drain = 5;
  inflight_set = 0;
  if (argc < 2) {
    usage(stderr);
    return -1;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    usage(stdout);
    exit(0);
  }
  for (i = 0; i < 4; i++)
    if (strcmp(argv[1], mode_names[i]) == 0)
      o.mode = (mode_t_) i;
  if (strcmp(argv[1], mode_names[o.mode]) != 0) {
    fprintf(stderr, "uvws-bench: unknown mode %s\n", argv[1]);
    return -1;
  }
  for (i = 2; i < argc; i++) {
    a = argv[i];
    v = i + 1 < argc ? argv[i + 1] : NULL;
#define FLAG(s) (strcmp(a, s) == 0)
#define NEED()                                                              \
  do {                                                                      \
    if (v == NULL) {                                                        \
      fprintf(stderr, "uvws-bench: %s needs a value\n", a);                 \
      return -1;                                                            \
    }                                                                       \
    i++;                                                                    \
  } while (0)
    if (FLAG("--raw")) {
      o.raw = 1;
    } else if (FLAG("--any-opcode")) {
      o.any_opcode = 1;
    } else if (FLAG("--server-publishes")) {
      o.server_publishes = 1;
    } else if (FLAG("-q") || FLAG("--quiet")) {
      o.quiet = 1;
    } else if (FLAG("-h") || FLAG("--help")) {
      usage(stdout);
      exit(0);
    } else if (FLAG("--url")) {
      NEED();
      if (o.url_count == MAX_URLS)
        return -1;
      o.urls[o.url_count++] = v;
    } else if (FLAG("--bind")) {
      NEED();
      if (o.bind_count == MAX_URLS ||
          (uv_ip4_addr(v, 0, (struct sockaddr_in*) &bind_addrs[o.bind_count])
               != 0 &&
           uv_ip6_addr(v, 0,
                       (struct sockaddr_in6*) &bind_addrs[o.bind_count]) !=
               0)) {
        fprintf(stderr, "uvws-bench: bad --bind %s\n", v);
        return -1;
      }
      o.binds[o.bind_count++] = v;
    } else if (FLAG("-c") || FLAG("--conns")) {
      NEED();
      o.conns = (unsigned) strtoul(v, NULL, 10);
    } else if (FLAG("-s") || FLAG("--size")) {
      NEED();
      if (parse_sizes(v) != 0) {
        fprintf(stderr, "uvws-bench: bad --size %s\n", v);
        return -1;
      }
    } else if (FLAG("-k") || FLAG("--inflight")) {
      NEED();
      o.inflight = (unsigned) strtoul(v, NULL, 10);
      inflight_set = 1;
    } else if (FLAG("-d") || FLAG("--duration")) {
      NEED();
      o.duration = atof(v);
    } else if (FLAG("-n") || FLAG("--messages")) {
      NEED();
      o.messages = strtoull(v, NULL, 10);
    } else if (FLAG("--warmup")) {
      NEED();
      o.warmup = atof(v);
    } else if (FLAG("--opcode")) {
      NEED();
      if (strcmp(v, "binary") == 0)
        o.opcode = WS_OP_BINARY;
      else if (strcmp(v, "text") == 0)
        o.opcode = WS_OP_TEXT;
      else if (strcmp(v, "mixed") == 0)
        o.opcode = 0;
      else
        return -1;
    } else if (FLAG("--procs")) {
      NEED();
      o.procs = atoi(v);
    } else if (FLAG("--concurrency")) {
      NEED();
      o.concurrency = (unsigned) strtoul(v, NULL, 10);
    } else if (FLAG("--hold")) {
      NEED();
      o.hold = atof(v);
    } else if (FLAG("--rate")) {
      NEED();
      o.rate = atof(v);
    } else if (FLAG("--origin")) {
      NEED();
      o.origin = v;
    } else if (FLAG("--server-pid")) {
      NEED();
      o.server_pid = atoi(v);
    } else if (FLAG("--drain")) {
      NEED();
      o.drain = atof(v);
    } else if (FLAG("--json")) {
      NEED();
      o.json = v;
    } else if (FLAG("--plot")) {
      NEED();
      o.plot = v;
    } else if (FLAG("--label")) {
      NEED();
      o.label = v;
    } else {
      fprintf(stderr, "uvws-bench: unknown option %s\n", a);
      return -1;
    }
#undef FLAG
#undef NEED
  }
  if (o.url_count == 0)
    o.urls[o.url_count++] = "ws://127.0.0.1:8080/";
  if (!inflight_set)
    o.inflight = o.mode == MODE_BROADCAST ? 16 : 1;
  if (o.messages != 0) {
    o.duration = 0;
    o.warmup = 0;
  }
  if (o.mode == MODE_IDLE && o.duration == 5)
    o.duration = 0;
  if (o.procs < 1 || o.procs > MAX_PROCS || o.conns < (unsigned) o.procs ||
      o.inflight < 1 || o.concurrency < 1 || o.inflight > RING_N) {
    fprintf(stderr, "uvws-bench: bad --procs, --conns, --inflight or "
                    "--concurrency\n");
    return -1;
  }
  if (o.mode == MODE_BROADCAST && o.sizes[0] < BCAST_MIN_SIZE) {
    fprintf(stderr, "uvws-bench: broadcast messages need %d bytes at least\n",
            BCAST_MIN_SIZE);
    return -1;
  }
  if (o.raw)
    for (i = 0; i < o.url_count; i++)
      if (parse_raw_url(o.urls[i], &raw_addrs[i]) != 0) {
        fprintf(stderr, "uvws-bench: --raw needs ws://ADDRESS:PORT/ URLs"
                        " with literal addresses: %s\n", o.urls[i]);
        return -1;
      }
  return 0;
}

int main(int argc, char** argv) {
  struct rusage self;
  struct rusage kids;
  pid_t pids[MAX_PROCS];
  int notify[2];
  double cpu;
  int status;
  int i;

  if (parse_args(argc, argv) != 0)
    return 2;
  signal(SIGPIPE, SIG_IGN);
  pool_init(o.max_size);
  shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shm == MAP_FAILED) {
    fprintf(stderr, "uvws-bench: mmap: %s\n", strerror(errno));
    return 1;
  }
  if (pipe(notify) != 0) {
    fprintf(stderr, "uvws-bench: pipe: %s\n", strerror(errno));
    return 1;
  }
  fflush(stdout);
  for (i = 1; i < o.procs; i++) {
    uint64_t first = (uint64_t) o.conns * (uint64_t) i / (uint64_t) o.procs;
    uint64_t end = (uint64_t) o.conns * (uint64_t) (i + 1) /
                   (uint64_t) o.procs;
    pids[i] = fork();
    if (pids[i] < 0) {
      fprintf(stderr, "uvws-bench: fork: %s\n", strerror(errno));
      STORE(shm->stop, 1);
      o.procs = i;
      break;
    }
    if (pids[i] == 0) {
      close(notify[0]);
      o.quiet = 1;
      _exit(worker_run(i, first, (unsigned) (end - first), -1, notify[1]));
    }
  }
  close(notify[1]);
  status = worker_run(0, 0, (unsigned) ((uint64_t) o.conns / o.procs),
                      notify[0], -1);
  for (i = 1; i < o.procs; i++) {
    int st;
    while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
      ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
      status = 1;
  }
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  cpu = (double) self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
        (double) self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
        (double) kids.ru_utime.tv_sec + kids.ru_utime.tv_usec / 1e6 +
        (double) kids.ru_stime.tv_sec + kids.ru_stime.tv_usec / 1e6;
  if (report(cpu) != 0)
    status = 1;
  return status;
}
