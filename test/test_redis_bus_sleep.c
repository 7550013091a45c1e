/* Redis stops answering (DEBUG SLEEP) for longer than the bus waits: the
 * loop never blocks, the nodes drop their connections and make new ones,
 * and once Redis wakes every message arrives once, in order (the resends
 * of what the old connections had sent are skipped). */
#include "redis_server.h"

int main(void) {
  ws_redis_options_t options;
  redis_server_t redis;
  redisContext* sleeper;
  redis_node_t a;
  redis_node_t b;
  uv_loop_t loop;
  uint64_t start;
  int i;

  if (!redis_server_available())
    return test_skip("no redis-server");
  redis_server_start(&redis, 0);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_redis_options_init(&options);
  options.timeout_ms = 200;
  options.block_ms = 100;
  options.retry_min_ms = 20;
  options.retry_max_ms = 100;
  redis_node_start(&a, &loop, redis.url, "room:sleep", &options);
  redis_node_start(&b, &loop, redis.url, "room:sleep", &options);
  redis_node_wait_up(&loop, &a);
  redis_node_wait_up(&loop, &b);

  sleeper = NULL;
  for (i = 0; i < 2000; i++) {
    ASSERT_EQ(1, redis_node_broadcast(&a, i));
    if (i % 50 == 49)
      redis_test_run_for(&loop, 2);
    if (i == 500) {
      sleeper = redis_server_send(&redis, "DEBUG SLEEP 1");
      uv_update_time(&loop);
      start = uv_now(&loop);
      /* The loop goes on while Redis sleeps. */
      redis_test_run_for(&loop, 50);
      uv_update_time(&loop);
      ASSERT_LT(uv_now(&loop) - start, 500);
    }
  }
  redis_node_wait_for(&loop, &b, 2000, 15000);
  redis_test_run_for(&loop, 300);
  redis_node_collect(&a);
  redis_node_collect(&b);
  redis_node_expect_sequence(&a, 0, 2000);
  redis_node_expect_sequence(&b, 0, 2000);
  ASSERT_GE(a.downs, 1);
  redisFree(sleeper);

  redis_node_stop(&a);
  redis_node_stop(&b);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  redis_server_stop(&redis);
  return 0;
}
