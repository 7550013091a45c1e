/* Counters summed over the loops of a server (loop_stats.h). */
#include "loop_stats.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const ws_server_t* server; /* compared, never used from another thread */
  ws_stats_t stats;
  int published;
} loop_stats_slot_t;

static uv_mutex_t lock;
static loop_stats_slot_t* slots;
static unsigned int slot_count;
static unsigned int slots_taken;
static int stopped;

int loop_stats_init(unsigned int loops) {
  slots = calloc(loops, sizeof(*slots));
  if (slots == NULL)
    return UV_ENOMEM;
  if (uv_mutex_init(&lock) != 0) {
    free(slots);
    slots = NULL;
    return UV_ENOMEM;
  }
  slot_count = loops;
  return 0;
}

static void publish(uv_timer_t* timer) {
  loop_stats_t* ls;
  ws_stats_t s;

  ls = timer->data;
  uv_mutex_lock(&lock);
  if (stopped) {
    uv_mutex_unlock(&lock);
    uv_timer_stop(timer);
    return;
  }
  /* Taken under the lock: stopped cannot be set, and the server freed,
   * in between. */
  if (ws_server_stats(ls->server, &s) == 0) {
    slots[ls->slot].stats = s;
    slots[ls->slot].published = 1;
  }
  uv_mutex_unlock(&lock);
}

void loop_stats_start(loop_stats_t* ls, uv_loop_t* loop,
                      ws_server_t* server) {
  memset(ls, 0, sizeof(*ls));
  if (slots == NULL)
    return;
  uv_mutex_lock(&lock);
  if (slots_taken == slot_count || stopped) {
    uv_mutex_unlock(&lock);
    return;
  }
  ls->slot = slots_taken++;
  slots[ls->slot].server = server;
  uv_mutex_unlock(&lock);
  ls->server = server;
  ls->timer.data = ls;
  uv_timer_init(loop, &ls->timer);
  uv_timer_start(&ls->timer, publish, 0, LOOP_STATS_PUBLISH_MS);
  uv_unref((uv_handle_t*) &ls->timer);
  ls->started = 1;
}

void loop_stats_stop_all(void) {
  if (slots == NULL)
    return;
  uv_mutex_lock(&lock);
  stopped = 1;
  uv_mutex_unlock(&lock);
}

void loop_stats_end(loop_stats_t* ls) {
  if (ls->started)
    uv_close((uv_handle_t*) &ls->timer, NULL);
  ls->started = 0;
}

int loop_stats_sum(ws_server_t* server, ws_stats_t* stats) {
  uint64_t* sum;
  const uint64_t* add;
  unsigned int i;
  size_t j;
  int err;

  err = ws_server_stats(server, stats);
  if (err != 0 || slots == NULL)
    return err;
  /* Every field is a uint64_t count (gauges too), so loops add up. */
  sum = (uint64_t*) (void*) stats;
  uv_mutex_lock(&lock);
  for (i = 0; i < slots_taken; i++) {
    if (slots[i].server == server || !slots[i].published)
      continue;
    add = (const uint64_t*) (const void*) &slots[i].stats;
    for (j = 0; j < sizeof(*stats) / sizeof(uint64_t); j++)
      sum[j] += add[j];
  }
  uv_mutex_unlock(&lock);
  return 0;
}

void loop_stats_free(void) {
  if (slots == NULL)
    return;
  uv_mutex_destroy(&lock);
  free(slots);
  slots = NULL;
  slot_count = 0;
  slots_taken = 0;
  stopped = 0;
}
