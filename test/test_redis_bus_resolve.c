/* A Redis given by host name is resolved off the loop (uv_getaddrinfo)
 * and reached over TCP; a bus still resolving closes cleanly. */
#include "redis_server.h"

static int closed;

static void on_closed(ws_redis_bus_t* bus) {
  (void) bus;
  closed++;
}

int main(void) {
  ws_redis_options_t options;
  redis_server_t redis;
  redis_node_t a;
  redis_node_t b;
  ws_redis_bus_t* bus;
  uv_loop_t loop;
  char url[64];

  if (!redis_server_available())
    return test_skip("no redis-server");
  ASSERT_EQ(0, uv_loop_init(&loop));

  /* Closed while the name is being looked up. */
  ASSERT_EQ(0, ws_redis_bus_new(&bus, &loop, "redis://uvws-test.invalid",
                                NULL));
  ASSERT_EQ(0, ws_redis_bus_close(bus, on_closed));
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(1, closed);

  memset(&redis, 0, sizeof(redis));
  redis_server_start(&redis, 0);
  redis_server_kill(&redis);
  redis.port = redis_server_free_port();
  redis_server_spawn(&redis);
  snprintf(url, sizeof(url), "redis://localhost:%d", redis.port);
  ws_redis_options_init(&options);
  options.retry_min_ms = 20;
  options.retry_max_ms = 100;
  redis_node_start(&a, &loop, url, "room:resolve", &options);
  redis_node_start(&b, &loop, url, "room:resolve", &options);
  redis_node_wait_up(&loop, &a);
  redis_node_wait_up(&loop, &b);
  ASSERT_EQ(1, redis_node_broadcast(&a, 7));
  redis_node_wait_for(&loop, &b, 1, 10000);
  redis_node_expect_sequence(&b, 7, 1);

  redis_node_stop(&a);
  redis_node_stop(&b);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  redis_server_stop(&redis);
  return 0;
}
