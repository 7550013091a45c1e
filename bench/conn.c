/* A connection, whatever its transport: starting it, sending on it, and
 * what happens when it opens, fails or closes. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

int conn_send(bconn_t* c, int opcode, const void* data, size_t len) {
  if (c->raw != NULL)
    return raw_send(c->raw, opcode, data, len);
  if (c->ws != NULL)
    return ws_conn_send(c->ws, (ws_opcode_t) opcode, data, len);
  return WS_ECLOSED;
}

void conn_start(bconn_t* c) {
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
    if (o.bind_count > 0)
      copts.local_addr =
          (const struct sockaddr*) &bind_addrs[c->id % o.bind_count];
    err = ws_client_connect(w->client, o.urls[c->id % o.url_count], &copts,
                            c, NULL);
  }
  if (err != 0)
    conn_on_failed(c, err);
}

void worker_connect_more(worker_t* w) {
  while (!w->stopping && w->next < w->count &&
         w->pending < (o.concurrency + (unsigned) o.procs - 1) /
                          (unsigned) o.procs)
    conn_start(&w->conns[w->next++]);
}

void worker_check_ready(worker_t* w) {
  if (w->settled == w->count && !w->slot->ready) {
    if (w->slot->held > w->slot->held_peak)
      w->slot->held_peak = w->slot->held;
    STORE(w->slot->ready, 1);
  }
}

void conn_on_open(bconn_t* c) {
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

void conn_on_failed(bconn_t* c, int error) {
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

void conn_on_closed(bconn_t* c, const char* why) {
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
