/* While Redis is away, local broadcasts go on, and the publishes wait in a
 * queue that never holds more than max_pending: past it, the newest are
 * dropped and counted. Redis comes back empty (no persistence): the nodes
 * reconnect, the queue goes out in order, and the reader, whose last id
 * is older than anything the new stream holds, reads it all. */
#include "redis_server.h"

static int nothing_pending(void* arg) {
  ws_redis_stats_t stats;

  ws_redis_bus_stats(arg, &stats);
  return stats.pending == 0;
}

int main(void) {
  ws_redis_options_t options;
  ws_redis_stats_t stats;
  redis_server_t redis;
  redis_node_t a;
  redis_node_t b;
  uv_loop_t loop;
  int i;

  if (!redis_server_available())
    return test_skip("no redis-server");
  redis_server_start(&redis, 0);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_redis_options_init(&options);
  options.retry_min_ms = 20;
  options.retry_max_ms = 100;
  options.max_pending = 100;
  options.max_pending_bytes = 1000;
  redis_node_start(&a, &loop, redis.url, "room:queue", &options);
  redis_node_start(&b, &loop, redis.url, "room:queue", &options);
  redis_node_wait_up(&loop, &a);
  redis_node_wait_up(&loop, &b);
  ASSERT_EQ(1, redis_node_broadcast(&a, 0));
  redis_node_wait_for(&loop, &b, 1, 5000);
  /* And A has its acknowledgement: nothing of it is pending. */
  ASSERT_EQ(0, redis_test_try_wait(&loop, nothing_pending, a.bus, 5000));

  redis_server_kill(&redis);
  redis_test_run_for(&loop, 200);
  ASSERT_EQ(0, a.up);
  ASSERT_EQ(0, b.up);
  ASSERT_EQ(WS_ECLOSED, ws_redis_command(a.bus, NULL, NULL, 1,
                                         (const char*[]){ "PING" },
                                         (const size_t[]){ 4 }));
  for (i = 1; i <= 10000; i++)
    ASSERT_EQ(1, redis_node_broadcast(&a, i));
  redis_node_collect(&a);
  redis_node_expect_sequence(&a, 0, 10001);
  ws_redis_bus_stats(a.bus, &stats);
  /* 1000 bytes hold 142 messages of 7 bytes, but 100 is the count. */
  ASSERT_EQ(100, stats.pending);
  ASSERT_EQ(700, stats.pending_bytes);
  ASSERT_UINT64_EQ(9900, stats.dropped);

  redis_server_spawn(&redis);
  redis_node_wait_up(&loop, &a);
  redis_node_wait_for(&loop, &b, 101, 10000);
  redis_test_run_for(&loop, 200);
  redis_node_collect(&b);
  redis_node_expect_sequence(&b, 0, 101);
  ws_redis_bus_stats(a.bus, &stats);
  ASSERT_EQ(0, stats.pending);
  ASSERT_EQ(0, stats.pending_bytes);
  ASSERT_UINT64_EQ(101, stats.published);

  redis_node_stop(&a);
  redis_node_stop(&b);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  redis_server_stop(&redis);
  return 0;
}
