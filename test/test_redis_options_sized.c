/* uvws_redis's options and stats travel with their size, as uvws.h's
 * structs do: a program built against an earlier header passes the size
 * it knew, the library reads those bytes only, gives later fields their
 * defaults and never writes past them; a newer program's unknown fields
 * are refused unless zero. The structs below are frozen copies of the
 * first layout passed by size (uvws 0.1); later versions only append. */
#include <stddef.h>

#include "redis_server.h"

typedef struct {
  size_t stream_max_len;
  size_t max_pending;
  size_t max_pending_bytes;
  size_t read_count;
  uint64_t block_ms;
  uint64_t timeout_ms;
  uint64_t retry_min_ms;
  uint64_t retry_max_ms;
  ws_redis_state_cb on_state;
} redis_options_0_1_t;

typedef struct {
  uint64_t published;
  uint64_t received;
  uint64_t dropped;
  uint64_t duplicates;
  uint64_t reconnects;
  size_t pending;
  size_t pending_bytes;
} redis_stats_0_1_t;

/* Guard bytes after each: the library must not touch them. */
typedef struct {
  redis_options_0_1_t options;
  unsigned char guard[64];
} guarded_options_t;

typedef struct {
  redis_stats_0_1_t stats;
  unsigned char guard[64];
} guarded_stats_t;

/* A newer program's struct: fields this library does not know. */
typedef struct {
  ws_redis_options_t options;
  uint64_t unknown[2];
} newer_options_t;

static const char nowhere[] = "unix:/nonexistent/redis.sock";

static void check_guard(const unsigned char* guard, size_t len) {
  size_t i;

  for (i = 0; i < len; i++)
    ASSERT_EQ(0xa5, guard[i]);
}

int main(void) {
  ws_redis_options_t defaults;
  guarded_options_t go;
  guarded_stats_t gs;
  newer_options_t newer;
  ws_redis_stats_t stats;
  ws_redis_bus_t* bus;
  uv_loop_t loop;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_redis_options_init(&defaults);

  /* Init fills the old program's fields with the defaults, nothing more. */
  memset(&go, 0xa5, sizeof(go));
  ws_redis_options_init_sized((ws_redis_options_t*) &go.options,
                              sizeof(go.options));
  check_guard(go.guard, sizeof(go.guard));
  ASSERT_EQ(defaults.stream_max_len, go.options.stream_max_len);
  ASSERT_EQ(defaults.retry_max_ms, go.options.retry_max_ms);
  ASSERT(go.options.on_state == NULL);

  /* The old layout is taken, and its limits hold. */
  go.options.retry_max_ms = go.options.retry_min_ms - 1;
  ASSERT_EQ(WS_EINVAL,
            ws_redis_bus_new_sized(&bus, &loop, nowhere,
                                   (ws_redis_options_t*) &go.options,
                                   sizeof(go.options)));
  go.options.retry_max_ms = defaults.retry_max_ms;
  ASSERT_EQ(0, ws_redis_bus_new_sized(&bus, &loop, nowhere,
                                      (ws_redis_options_t*) &go.options,
                                      sizeof(go.options)));

  /* Stats: the old size gets its fields, the guard stays. */
  memset(&gs, 0xa5, sizeof(gs));
  ASSERT_EQ(0, ws_redis_bus_stats_sized(bus, (ws_redis_stats_t*) &gs.stats,
                                        sizeof(gs.stats)));
  check_guard(gs.guard, sizeof(gs.guard));
  ASSERT_EQ(0, gs.stats.published);
  ASSERT_EQ(0, gs.stats.pending);
  /* Smaller than the first layout, or nowhere to write: refused. */
  ASSERT_EQ(WS_EINVAL, ws_redis_bus_stats_sized(
                           bus, (ws_redis_stats_t*) &gs.stats, 8));
  ASSERT_EQ(WS_EINVAL, ws_redis_bus_stats_sized(bus, NULL, sizeof(stats)));
  ASSERT_EQ(WS_EINVAL, ws_redis_bus_stats_sized(NULL, &stats, sizeof(stats)));
  ASSERT_EQ(0, ws_redis_bus_stats(bus, &stats));
  ASSERT_EQ(0, ws_redis_bus_close(bus, NULL));

  /* Options smaller than the first layout are refused. */
  ASSERT_EQ(WS_EINVAL,
            ws_redis_bus_new_sized(&bus, &loop, nowhere,
                                   (ws_redis_options_t*) &go.options,
                                   offsetof(redis_options_0_1_t, on_state)));

  /* A newer program's unknown fields: zero is "unset", anything else is
   * refused. */
  memset(&newer, 0, sizeof(newer));
  ws_redis_options_init(&newer.options);
  ASSERT_EQ(0, ws_redis_bus_new_sized(&bus, &loop, nowhere, &newer.options,
                                      sizeof(newer)));
  ASSERT_EQ(0, ws_redis_bus_close(bus, NULL));
  newer.unknown[1] = 1;
  ASSERT_EQ(WS_EINVAL,
            ws_redis_bus_new_sized(&bus, &loop, nowhere, &newer.options,
                                   sizeof(newer)));

  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
