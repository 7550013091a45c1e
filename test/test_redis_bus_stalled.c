/* Redis stalls (DEBUG SLEEP) for less than timeout_ms: the connections
 * stay, and what waits for its answers stays bounded: commands past
 * max_pending outstanding are refused with WS_EQUEUEFULL, publishes past
 * it are dropped and counted. Once Redis wakes, every answer comes. */
#include "redis_server.h"

static int pongs;

static void on_pong(ws_redis_bus_t* bus, const struct redisReply* reply,
                    void* arg) {
  (void) bus;
  ASSERT_PTR_EQ(&pongs, arg);
  ASSERT_NOT_NULL(reply);
  ASSERT_EQ(REDIS_REPLY_STATUS, reply->type);
  pongs++;
}

static int all_pongs(void* arg) {
  return pongs == *(int*) arg;
}

int main(void) {
  static const char* ping[] = { "PING" };
  static const size_t ping_len[] = { 4 };
  ws_redis_options_t options;
  ws_redis_stats_t stats;
  redis_server_t redis;
  redisContext* sleeper;
  redis_node_t a;
  redis_node_t b;
  uv_loop_t loop;
  int sent;
  int err;
  int i;

  if (!redis_server_available())
    return test_skip("no redis-server");
  redis_server_start(&redis, 0);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_redis_options_init(&options);
  options.max_pending = 10;
  options.timeout_ms = 10000;
  redis_node_start(&a, &loop, redis.url, "room:stall", &options);
  redis_node_start(&b, &loop, redis.url, "room:stall", &options);
  redis_node_wait_up(&loop, &a);
  redis_node_wait_up(&loop, &b);

  sleeper = redis_server_send(&redis, "DEBUG SLEEP 1");
  redis_test_run_for(&loop, 100);
  sent = 0;
  for (i = 0; i < 100; i++) {
    err = ws_redis_command(a.bus, on_pong, &pongs, 1, ping, ping_len);
    if (err == WS_EQUEUEFULL)
      break;
    ASSERT_EQ(0, err);
    sent++;
  }
  ASSERT_EQ(10, sent);
  /* Publishes wait in their own queue, under the same limit. */
  for (i = 0; i < 50; i++)
    ASSERT_EQ(1, redis_node_broadcast(&a, i));
  ws_redis_bus_stats(a.bus, &stats);
  ASSERT_EQ(10, stats.pending);
  ASSERT_UINT64_EQ(40, stats.dropped);
  ASSERT_EQ(1, ws_redis_bus_is_up(a.bus));
  ASSERT_EQ(WS_EQUEUEFULL,
            ws_redis_command(a.bus, on_pong, &pongs, 1, ping, ping_len));

  redis_test_wait(&loop, all_pongs, &sent, 10000);
  /* The first ten publishes, which waited in the queue, cross. */
  redis_node_wait_for(&loop, &b, 10, 10000);
  redis_node_expect_sequence(&b, 0, 10);
  ASSERT_EQ(0, a.downs);
  redisFree(sleeper);

  redis_node_stop(&a);
  redis_node_stop(&b);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  redis_server_stop(&redis);
  return 0;
}
