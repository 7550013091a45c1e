/* uvws-bench's shared declarations: options, the counters in shared
 * memory, a connection, a worker, and what each file offers the others. */
#ifndef UVWS_BENCH_H_
#define UVWS_BENCH_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

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
#define REACH_N 4096
#define READ_BUF_SIZE (256 * 1024)
#define BCAST_MIN_SIZE 16
#define INFLATE_SAMPLE 1000

typedef enum { MODE_ECHO, MODE_BROADCAST, MODE_CONNECT, MODE_IDLE } mode_t_;

extern const char* mode_names[];

/* Options, set once by parse_args(). */

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
  const char* tls_ca;         /* wss://: the CA file (NULL: the system's) */
  const char* json;
  const char* plot;
  const char* label;
  int server_pid;
  int quiet;
  int deflate;          /* offer permessage-deflate */
  int no_inflate;       /* broadcast: raw transport with a handshake that
                           offers deflate; compressed messages counted,
                           one in INFLATE_SAMPLE inflated and checked */
  int json_payload;     /* messages are JSON-like text */
  double drain;         /* seconds to wait for answers after the end */
} opts_t;

extern opts_t o;

/* Shared memory: one slot of counters per process. */

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
  uint64_t compressed;   /* --no-inflate: deliveries with RSV1 */
  uint64_t inflated;     /* ... of which inflated and checked */
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
  /* Broadcast: per outstanding broadcast (by sequence modulo RING_N), the
   * slowest member's publish-to-receive time so far; and the times the
   * broadcasts published inside the window took to reach every member. */
  uint64_t reach_ns[RING_N];
  uint64_t pub_ns[RING_N];
  uint64_t reach_all[REACH_N];
  uint64_t reach_count;
  slot_t slots[MAX_PROCS];
} shm_t;

extern shm_t* shm;

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

/* Printable ASCII (valid in text frames too): message bytes start at
 * pool + (hash & (POOL_SPAN - 1)). */
extern unsigned char* pool;
#define POOL_SPAN 65536

/* Connections and workers. */

struct worker_s;
typedef struct raw_s raw_t; /* transport_raw.c */

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

/* The first worker, in the parent process: the report reads its samples of
 * the server. */
extern worker_t* w0;

/* stats.c */
void slot_record(slot_t* s, uint64_t ns);
uint64_t hist_percentile(const uint64_t* h, uint64_t count, double p);
void slot_error(worker_t* w, const char* fmt, const char* a, uint64_t b,
                uint64_t c);
void sum_slots(slot_t* sum);

/* message.c */
uint64_t mix64(uint64_t x);
void pool_init(size_t max_size);
size_t msg_size(uint64_t id, uint64_t seq);
int msg_opcode(uint64_t id, uint64_t seq);
const unsigned char* msg_bytes(uint64_t id, uint64_t seq);
uint64_t now_ns(void);

/* transport_raw.c */
extern struct sockaddr_storage raw_addrs[MAX_URLS];
extern struct sockaddr_storage bind_addrs[MAX_URLS];
int parse_raw_url(const char* url, struct sockaddr_storage* addr);
int raw_start(bconn_t* c);
int raw_send(raw_t* r, int opcode, const void* data, size_t len);
void raw_close(raw_t* r, int error);
void worker_on_flush(uv_prepare_t* handle);

/* transport_ws.c */
void transport_ws_callbacks(ws_client_callbacks_t* cb);

/* conn.c */
int conn_send(bconn_t* c, int opcode, const void* data, size_t len);
void conn_start(bconn_t* c);
void worker_connect_more(worker_t* w);
void worker_check_ready(worker_t* w);
void conn_on_open(bconn_t* c);
void conn_on_failed(bconn_t* c, int error);
void conn_on_closed(bconn_t* c, const char* why);

/* modes.c */
void conn_on_message(bconn_t* c, int opcode, const unsigned char* data,
                     size_t len);
void conn_on_compressed(bconn_t* c, int opcode, const unsigned char* data,
                        size_t len);
void timeline_add(worker_t* w, uint64_t t);
void echo_start(worker_t* w);
void pub_fill(worker_t* w);
void on_notify_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
void on_notify(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);

/* worker.c */
int worker_run(int index, uint64_t first_id, unsigned count, int notify_in,
               int notify_out);
void worker_maybe_finish(worker_t* w);
void sample_server(worker_t* w, uint64_t t);

/* report.c */
int report(double client_cpu_s);

/* args.c */
int parse_args(int argc, char** argv);

#endif
