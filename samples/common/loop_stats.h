/* The counters of a server on several loops (--threads N), for /metrics.
 * A loop's counters belong to its thread, so each loop publishes a
 * snapshot of its own into a slot (under a mutex) once a second, and the
 * loop that answers /metrics adds the other loops' last snapshots to its
 * own counters of now. */
#ifndef SAMPLES_LOOP_STATS_H
#define SAMPLES_LOOP_STATS_H

#include "uvws.h"

#define LOOP_STATS_PUBLISH_MS 1000

typedef struct {
  uv_timer_t timer;
  ws_server_t* server;
  unsigned int slot;
  int started;
} loop_stats_t;

/* Once, before the loops start: room for loops snapshots. Returns 0 or
 * UV_ENOMEM. */
int loop_stats_init(unsigned int loops);
/* On the loop's thread, once its server exists: publishes now and then
 * every LOOP_STATS_PUBLISH_MS, without keeping the loop alive. */
void loop_stats_start(loop_stats_t* ls, uv_loop_t* loop, ws_server_t* server);
/* Any thread, before the server is closed: no loop publishes any more
 * (a server closing on another loop may be freed at any time). */
void loop_stats_stop_all(void);
/* On the loop's thread, after uv_run() returned: closes the timer; run
 * the loop once more to finish it. */
void loop_stats_end(loop_stats_t* ls);
/* On the server's loop: its counters, plus the other loops' last
 * published ones. Returns what ws_server_stats() returns. */
int loop_stats_sum(ws_server_t* server, ws_stats_t* stats);
/* After every loop ended. */
void loop_stats_free(void);

#endif /* SAMPLES_LOOP_STATS_H */
