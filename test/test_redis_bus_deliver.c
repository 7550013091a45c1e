/* Two nodes share a room over Redis: what one broadcasts reaches its own
 * member at once and once, and the other node's member once, in order. */
#include "redis_server.h"

int main(void) {
  redis_server_t redis;
  redis_node_t a;
  redis_node_t b;
  ws_redis_stats_t stats;
  uv_loop_t loop;
  int i;

  if (!redis_server_available())
    return test_skip("no redis-server");
  redis_server_start(&redis, 0);
  ASSERT_EQ(0, uv_loop_init(&loop));
  redis_node_start(&a, &loop, redis.url, "room:deliver", NULL);
  redis_node_start(&b, &loop, redis.url, "room:deliver", NULL);
  ASSERT_EQ(0, ws_redis_bus_is_up(a.bus));
  redis_node_wait_up(&loop, &a);
  redis_node_wait_up(&loop, &b);
  ASSERT_EQ(16, strlen(ws_redis_bus_node_id(a.bus)));
  ASSERT(strcmp(ws_redis_bus_node_id(a.bus), ws_redis_bus_node_id(b.bus)));
  ASSERT_EQ(1, ws_redis_room_ready(a.rroom));

  for (i = 0; i < 1000; i++)
    ASSERT_EQ(1, redis_node_broadcast(&a, i));
  /* The local member has them all before the loop runs. */
  redis_node_collect(&a);
  redis_node_expect_sequence(&a, 0, 1000);
  redis_node_wait_for(&loop, &b, 1000, 10000);
  redis_node_expect_sequence(&b, 0, 1000);

  /* And the other way. */
  ASSERT_EQ(1, redis_node_broadcast(&b, 5000));
  redis_node_wait_for(&loop, &a, 1001, 10000);
  ASSERT_EQ(5000, a.got[1000]);

  /* Nothing comes twice, however long it runs. */
  redis_test_run_for(&loop, 300);
  redis_node_collect(&a);
  redis_node_collect(&b);
  ASSERT_EQ(1001, a.got_len);
  ASSERT_EQ(1001, b.got_len);
  ASSERT_EQ(0, a.other + b.other);

  ws_redis_bus_stats(a.bus, &stats);
  ASSERT_UINT64_EQ(1000, stats.published);
  ASSERT_UINT64_EQ(1, stats.received);
  ASSERT_UINT64_EQ(0, stats.dropped);
  ASSERT_UINT64_EQ(0, stats.duplicates);
  ASSERT_EQ(0, stats.pending);
  ws_redis_bus_stats(b.bus, &stats);
  ASSERT_UINT64_EQ(1000, stats.received);

  redis_node_stop(&a);
  redis_node_stop(&b);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_PTR_EQ(NULL, a.bus);
  ASSERT_PTR_EQ(NULL, b.bus);
  ASSERT_EQ(0, uv_loop_close(&loop));
  redis_server_stop(&redis);
  return 0;
}
