/* Redis is killed (-9) mid-stream and started again from its append-only
 * file: what was published meanwhile waits in the publisher's queue, and
 * every message reaches the other node once, in order. */
#include "redis_server.h"

int main(void) {
  ws_redis_options_t options;
  redis_server_t redis;
  redis_node_t a;
  redis_node_t b;
  uv_loop_t loop;
  int i;

  if (!redis_server_available())
    return test_skip("no redis-server");
  redis_server_start(&redis, 1);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_redis_options_init(&options);
  options.retry_min_ms = 20;
  options.retry_max_ms = 100;
  redis_node_start(&a, &loop, redis.url, "room:restart", &options);
  redis_node_start(&b, &loop, redis.url, "room:restart", &options);
  redis_node_wait_up(&loop, &a);
  redis_node_wait_up(&loop, &b);

  for (i = 0; i < 3000; i++) {
    ASSERT_EQ(1, redis_node_broadcast(&a, i));
    if (i % 50 == 49)
      redis_test_run_for(&loop, 2);
    if (i == 1000)
      redis_server_kill(&redis);
    if (i == 2000) {
      /* Both noticed, and local broadcasts went on meanwhile. */
      ASSERT_EQ(0, a.up);
      ASSERT_EQ(0, b.up);
      redis_node_collect(&a);
      redis_node_expect_sequence(&a, 0, 2001);
      redis_server_spawn(&redis);
    }
  }
  redis_node_wait_for(&loop, &b, 3000, 15000);
  redis_test_run_for(&loop, 200);
  redis_node_collect(&a);
  redis_node_collect(&b);
  redis_node_expect_sequence(&a, 0, 3000);
  redis_node_expect_sequence(&b, 0, 3000);
  ASSERT_EQ(1, a.downs);
  ASSERT_EQ(1, b.downs);

  redis_node_stop(&a);
  redis_node_stop(&b);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  redis_server_stop(&redis);
  return 0;
}
