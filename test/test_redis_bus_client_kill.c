/* CLIENT KILL drops every connection of both nodes mid-stream: they
 * reconnect, resend what Redis had not acknowledged and read on from the
 * last entry they saw, so every message arrives once, in order. */
#include "redis_server.h"

int main(void) {
  ws_redis_options_t options;
  redis_server_t redis;
  ws_redis_stats_t stats;
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
  redis_node_start(&a, &loop, redis.url, "room:kill", &options);
  redis_node_start(&b, &loop, redis.url, "room:kill", &options);
  redis_node_wait_up(&loop, &a);
  redis_node_wait_up(&loop, &b);

  for (i = 0; i < 3000; i++) {
    ASSERT_EQ(1, redis_node_broadcast(&a, i));
    if (i % 50 == 49)
      redis_test_run_for(&loop, 2);
    if (i == 1500)
      redis_server_command(&redis, "CLIENT KILL TYPE normal");
  }
  redis_node_wait_for(&loop, &b, 3000, 15000);
  redis_test_run_for(&loop, 200);
  redis_node_collect(&a);
  redis_node_collect(&b);
  redis_node_expect_sequence(&a, 0, 3000);
  redis_node_expect_sequence(&b, 0, 3000);
  ASSERT_GE(a.downs, 1);
  ASSERT_GE(b.downs, 1);
  ASSERT_EQ(1, a.up);
  ws_redis_bus_stats(a.bus, &stats);
  ASSERT_GE(stats.reconnects, 1);
  ASSERT_EQ(0, stats.pending);
  ASSERT_UINT64_EQ(0, stats.dropped);

  redis_node_stop(&a);
  redis_node_stop(&b);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  redis_server_stop(&redis);
  return 0;
}
