/* A bus closes from any state (connecting to nothing, waiting to retry,
 * up with publishes pending, from its own state callback), its callback
 * comes from the loop, and no handle is left behind. Bad URLs and options
 * are refused. */
#include "redis_server.h"

static int closed;
static ws_redis_bus_t* closing_bus;

static void on_closed(ws_redis_bus_t* bus) {
  (void) bus;
  closed++;
}

/* Closes the bus the moment it is up. */
static void close_when_up(ws_redis_bus_t* bus, int up, int err) {
  ASSERT_EQ(0, err);
  if (up) {
    ASSERT_EQ(0, ws_redis_bus_close(bus, on_closed));
    ASSERT_EQ(WS_EINVAL, ws_redis_bus_close(bus, on_closed));
    closing_bus = bus;
  }
}

static int is_closed(void* arg) {
  return closed == *(int*) arg;
}

int main(void) {
  static const char* bad[] = {
    "", "redis:/x", "http://127.0.0.1", "redis://", "redis://:1",
    "redis://127.0.0.1:0", "redis://127.0.0.1:65536", "redis://127.0.0.1:x",
    "redis://ex_ample.com", "redis://[::1", "redis://[::1]x", "unix:",
    "redis://[example.com]", "redis://1.2.3.4.5:1x",
    "redis://127.0.0.1/0", NULL
  };
  ws_redis_options_t options;
  redis_server_t redis;
  ws_redis_bus_t* bus;
  ws_room_t* room;
  ws_redis_room_t* rroom;
  ws_server_t* server;
  ws_server_callbacks_t cb;
  uv_loop_t loop;
  int want;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  for (i = 0; bad[i] != NULL; i++)
    ASSERT_EQ(WS_EINVAL, ws_redis_bus_new(&bus, &loop, bad[i], NULL));
  ASSERT_EQ(WS_EINVAL, ws_redis_bus_new(&bus, &loop, NULL, NULL));
  ws_redis_options_init(&options);
  options.retry_max_ms = options.retry_min_ms - 1;
  ASSERT_EQ(WS_EINVAL,
            ws_redis_bus_new(&bus, &loop, "redis://127.0.0.1", &options));

  /* Connecting to a socket that is not there: retrying. */
  ASSERT_EQ(0, ws_redis_bus_new(&bus, &loop, "unix:/nonexistent/redis.sock",
                                NULL));
  redis_test_run_for(&loop, 50);
  ASSERT_EQ(0, ws_redis_bus_is_up(bus));
  ASSERT_EQ(0, ws_redis_bus_close(bus, on_closed));
  ASSERT_EQ(0, closed);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(1, closed);

  /* IPv4 and IPv6 literals, a port nothing listens on: closed mid-way. */
  ASSERT_EQ(0, ws_redis_bus_new(&bus, &loop, "redis://127.0.0.1:1", NULL));
  ASSERT_EQ(0, ws_redis_bus_close(bus, NULL));
  ASSERT_EQ(0, ws_redis_bus_new(&bus, &loop, "redis://[::1]:1", NULL));
  ASSERT_EQ(0, ws_redis_bus_close(bus, NULL));
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));

  if (!redis_server_available()) {
    ASSERT_EQ(0, uv_loop_close(&loop));
    return 0;
  }
  redis_server_start(&redis, 0);

  /* Up, a room bound, publishes pending: closed from its state callback. */
  cb = harness_callbacks();
  ASSERT_EQ(0, ws_server_new(&server, &loop, NULL, &cb));
  ASSERT_EQ(0, ws_room_new(&room, server));
  options.retry_max_ms = 5000;
  options.on_state = close_when_up;
  ASSERT_EQ(0, ws_redis_bus_new(&bus, &loop, redis.url, &options));
  ASSERT_EQ(0, ws_redis_room_new(&rroom, bus, room, "room:close"));
  for (i = 0; i < 100; i++)
    ASSERT_EQ(0, ws_redis_room_broadcast(rroom, WS_OP_TEXT, "x", 1, NULL));
  want = 2;
  redis_test_wait(&loop, is_closed, &want, 10000);
  ASSERT_PTR_EQ(bus, closing_bus);

  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  redis_server_stop(&redis);
  return 0;
}
