/* A worker: one process, one loop, its share of the connections; the
 * ticks that start, pace and end the run, and the progress line. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

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
void worker_maybe_finish(worker_t* w) {
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
void sample_server(worker_t* w, uint64_t t) {
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

worker_t* w0;

int worker_run(int index, uint64_t first_id, unsigned count,
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
    copts.tls_ca_file = o.tls_ca;
    copts.deflate = o.deflate;
    transport_ws_callbacks(&cb);
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
