/* Redis refuses an entry for good (the key holds a string, not a stream):
 * the publish is dropped and counted, the bus stays up, and the entries
 * behind it, to another room, still go out. */
#include "redis_server.h"

int main(void) {
  ws_redis_stats_t stats;
  redis_server_t redis;
  redis_node_t a;
  redis_node_t b;
  ws_redis_room_t* bad;
  uv_loop_t loop;
  int i;

  if (!redis_server_available())
    return test_skip("no redis-server");
  redis_server_start(&redis, 0);
  redis_server_command(&redis, "SET room:string not-a-stream");
  ASSERT_EQ(0, uv_loop_init(&loop));
  redis_node_start(&a, &loop, redis.url, "room:fine", NULL);
  redis_node_start(&b, &loop, redis.url, "room:fine", NULL);
  redis_node_wait_up(&loop, &a);
  redis_node_wait_up(&loop, &b);
  ASSERT_EQ(0, ws_redis_room_new(&bad, a.bus, a.room, "room:string"));

  for (i = 0; i < 10; i++) {
    /* The local member gets it either way. */
    ASSERT_EQ(1, ws_redis_room_broadcast(bad, WS_OP_TEXT, "m999999", 7,
                                         NULL));
    ASSERT_EQ(1, redis_node_broadcast(&a, i));
  }
  redis_node_wait_for(&loop, &b, 10, 10000);
  redis_test_run_for(&loop, 100);
  redis_node_collect(&b);
  redis_node_expect_sequence(&b, 0, 10);
  ws_redis_bus_stats(a.bus, &stats);
  ASSERT_UINT64_EQ(10, stats.dropped);
  ASSERT_UINT64_EQ(10, stats.published);
  ASSERT_EQ(0, stats.pending);
  ASSERT_EQ(0, a.downs);
  ASSERT_EQ(1, a.up);

  ws_redis_room_destroy(bad);
  redis_node_stop(&a);
  redis_node_stop(&b);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  redis_server_stop(&redis);
  return 0;
}
