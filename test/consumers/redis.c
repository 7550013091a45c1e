/* The program the consumer projects build against an installed uvws_redis:
 * a server, a room bound to a Redis stream through a bus whose Redis is
 * not there (it retries in the background), a broadcast that waits in the
 * bus's queue, then everything closed. It proves that uvws_redis.h, the
 * library and hiredis were found and link, and that closing leaves the
 * loop empty. */
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>
#include <uvws_redis.h>

#define CHECK(expr)                                                           \
  do {                                                                        \
    if (!(expr)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,       \
              #expr);                                                         \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

static int closed;

static void on_bus_closed(ws_redis_bus_t* bus) {
  (void) bus;
  closed++;
}

static void on_server_closed(ws_server_t* server) {
  (void) server;
  closed++;
}

int main(void) {
  ws_redis_options_t options;
  ws_redis_stats_t stats;
  ws_redis_room_t* rroom;
  ws_redis_bus_t* bus;
  ws_server_t* server;
  ws_room_t* room;
  uv_loop_t loop;

  CHECK(ws_version() == UVWS_VERSION_HEX);
  CHECK(uv_loop_init(&loop) == 0);
  CHECK(ws_server_new(&server, &loop, NULL, NULL) == 0);
  CHECK(ws_room_new(&room, server) == 0);
  ws_redis_options_init(&options);
  options.retry_min_ms = 1000;
  CHECK(ws_redis_bus_new(&bus, &loop, "unix:/nonexistent/uvws-consumer.sock",
                         &options) == 0);
  CHECK(ws_redis_room_new(&rroom, bus, room, "consumer") == 0);
  CHECK(ws_redis_room_room(rroom) == room);
  CHECK(ws_redis_room_broadcast(rroom, WS_OP_TEXT, "hello", 5, NULL) >= 0);
  CHECK(ws_redis_bus_stats(bus, &stats) == 0);
  CHECK(stats.pending == 1);
  CHECK(!ws_redis_bus_is_up(bus));
  CHECK(ws_redis_bus_close(bus, on_bus_closed) == 0);
  ws_server_close(server, on_server_closed);
  CHECK(uv_run(&loop, UV_RUN_DEFAULT) == 0);
  CHECK(closed == 2);
  CHECK(uv_loop_close(&loop) == 0);

  printf("uvws_redis %s: a room bound, a publish queued, closed, loop "
         "empty\n", ws_version_string());
  return 0;
}
