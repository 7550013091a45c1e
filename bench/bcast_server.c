/* uvws-bcast-server: a broadcast server on the public uvws API, for
 * uvws-bench's broadcast mode. Every connection joins one room; every
 * message any connection sends is broadcast to the whole room (sender
 * included) with ws_room_broadcast(). With --rate R the server publishes by
 * itself, R messages a second from a 1 ms timer, each carrying its sequence
 * number and uv_hrtime() in its first 16 bytes.
 * With --loops N (N > 1) the server runs on N loops, one per thread
 * (ws_server_attach()), and the room is a shared room: every broadcast is
 * posted to every loop (ws_shared_room_broadcast()).
 *
 * With --redis URL (where uvws_redis is built) the room is shared with
 * every other uvws-bcast-server on that Redis (stream KEY, --key), so that
 * members spread over several servers get every broadcast.
 *
 * Usage: uvws-bcast-server [--host H] [--port P] [--rate R] [--size N]
 *                          [--slow close|skip] [--redis URL [--key KEY]]
 *                          [--loops N] [--deflate 0|1]
 * --deflate 1 accepts permessage-deflate: each broadcast is compressed
 * once for every member that negotiated it.
 * Prints "listening on ws://H:P/"; SIGINT or SIGTERM stops it, and it
 * prints "broadcasts B compressed C" (the room's broadcasts and the
 * server's messages_deflated; not with --loops). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "uvws.h"
#ifdef UVWS_BENCH_REDIS
#include "uvws_redis.h"

static ws_redis_bus_t* bus;
static ws_redis_room_t* rroom;
#endif

static ws_server_t* server;
static ws_room_t* room;
static ws_shared_room_t* shared;  /* with --loops N > 1, instead of room */
static int loops = 1;

typedef struct {
  uv_thread_t thread;
  uv_loop_t loop;
} loop_thread_t;
static uv_signal_t sigint_handle;
static uv_signal_t sigterm_handle;
static uv_timer_t publisher;
static double rate;
static size_t size = 100;
static unsigned char* payload;
static uint64_t published;
static uint64_t started;

static void on_open(ws_conn_t* conn) {
  int err;

  err = shared != NULL ? ws_shared_room_join(shared, conn)
                       : ws_room_join(room, conn);
  if (err != 0)
    fprintf(stderr, "join: %s\n", ws_strerror(err));
}

/* To the room: this server's members (on every loop, with --loops), and
 * the others' through Redis. */
static int broadcast(ws_opcode_t opcode, const void* data, size_t len) {
#ifdef UVWS_BENCH_REDIS
  if (rroom != NULL)
    return ws_redis_room_broadcast(rroom, opcode, data, len, NULL);
#endif
  if (shared != NULL)
    return ws_shared_room_broadcast(shared, opcode, data, len, 0);
  return ws_room_broadcast(room, opcode, data, len, NULL);
}

static void on_message(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                       size_t len) {
  int r;

  (void) conn;
  r = broadcast(opcode, data, len);
  if (r < 0)
    fprintf(stderr, "broadcast: %s\n", ws_strerror(r));
}

static void on_publish(uv_timer_t* timer) {
  uint64_t now;
  uint64_t due;

  now = uv_hrtime();
  if (started == 0)
    started = now;
  due = (uint64_t) (rate * (double) (now - started) / 1e9);
  while (published < due) {
    now = uv_hrtime();
    memcpy(payload, &published, 8);
    memcpy(payload + 8, &now, 8);
    broadcast(WS_OP_BINARY, payload, size);
    published++;
  }
  (void) timer;
}

/* How many broadcasts were compressed, and how many times. */
static void print_counts(void) {
  ws_room_stats_t rs;
  ws_stats_t ss;

  if (room == NULL || ws_room_stats(room, &rs) != 0 ||
      ws_server_stats(server, &ss) != 0)
    return;
  printf("broadcasts %llu compressed %llu\n",
         (unsigned long long) rs.broadcasts,
         (unsigned long long) ss.messages_deflated);
  fflush(stdout);
}

static void on_signal(uv_signal_t* handle, int signum) {
  (void) handle;
  (void) signum;
  print_counts();
#ifdef UVWS_BENCH_REDIS
  if (bus != NULL) {
    ws_redis_room_destroy(rroom);
    rroom = NULL;
    ws_redis_bus_close(bus, NULL);
    bus = NULL;
  }
#endif
  ws_server_close(server, NULL);
  uv_close((uv_handle_t*) &sigint_handle, NULL);
  uv_close((uv_handle_t*) &sigterm_handle, NULL);
  if (rate > 0)
    uv_close((uv_handle_t*) &publisher, NULL);
}

/* Another loop of the server, until it closes. */
static void run_loop(void* arg) {
  loop_thread_t* t;
  ws_server_t* attached;
  int err;

  t = arg;
  err = ws_server_attach(server, &t->loop, &attached);
  if (err != 0) {
    fprintf(stderr, "ws_server_attach: %s\n", ws_strerror(err));
    return;
  }
  uv_run(&t->loop, UV_RUN_DEFAULT);
}

int main(int argc, char** argv) {
  ws_server_callbacks_t callbacks;
  ws_server_options_t options;
  const char* redis_url;
  const char* key;
  loop_thread_t* threads;
  const char* host;
  uv_loop_t* loop;
  int port;
  int err;
  int i;

  host = "127.0.0.1";
  port = 8080;
  redis_url = NULL;
  key = "uvws-bench:room";
  ws_server_options_init(&options);
  options.max_connections = 1000000;
  for (i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--host") == 0)
      host = argv[i + 1];
    else if (strcmp(argv[i], "--port") == 0)
      port = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--rate") == 0)
      rate = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--size") == 0)
      size = (size_t) strtoul(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--redis") == 0)
      redis_url = argv[i + 1];
    else if (strcmp(argv[i], "--key") == 0)
      key = argv[i + 1];
    else if (strcmp(argv[i], "--loops") == 0)
      loops = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--slow") == 0)
      options.slow_policy = strcmp(argv[i + 1], "skip") == 0 ? WS_SLOW_SKIP
                                                             : WS_SLOW_CLOSE;
    else if (strcmp(argv[i], "--deflate") == 0)
      options.deflate = atoi(argv[i + 1]) != 0;
    else
      break;
  }
  /* A Redis room binds one loop's room: not with --loops. */
  if (i < argc || size < 16 || loops < 1 || loops > 64 ||
      (redis_url != NULL && loops > 1)) {
    fprintf(stderr, "usage: %s [--host H] [--port P] [--rate R] [--size N"
                    " (16 or more)] [--slow close|skip] [--redis URL"
                    " [--key KEY]] [--loops 1-64] [--deflate 0|1]\n",
            argv[0]);
    return 2;
  }
#ifndef UVWS_BENCH_REDIS
  (void) key;
  if (redis_url != NULL) {
    fprintf(stderr, "%s: built without uvws_redis\n", argv[0]);
    return 2;
  }
#endif
  signal(SIGPIPE, SIG_IGN);
  loop = uv_default_loop();
  memset(&callbacks, 0, sizeof(callbacks));
  callbacks.on_open = on_open;
  callbacks.on_message = on_message;
  if ((err = ws_server_new(&server, loop, &options, &callbacks)) != 0 ||
      (err = loops > 1 ? ws_shared_room_new(&shared, server)
                       : ws_room_new(&room, server)) != 0 ||
      (err = ws_server_listen(server, host, port)) != 0) {
    fprintf(stderr, "uvws-bcast-server: %s\n", ws_strerror(err));
    return 1;
  }
#ifdef UVWS_BENCH_REDIS
  if (redis_url != NULL) {
    ws_redis_options_t redis_options;

    ws_redis_options_init(&redis_options);
    /* A benchmark outruns the defaults' window and queue. */
    redis_options.stream_max_len = 1000000;
    redis_options.max_pending = 1000000;
    redis_options.max_pending_bytes = (size_t) 1 << 30;
    redis_options.read_count = 4096;
    if ((err = ws_redis_bus_new(&bus, loop, redis_url, &redis_options)) !=
            0 ||
        (err = ws_redis_room_new(&rroom, bus, room, key)) != 0) {
      fprintf(stderr, "uvws-bcast-server: --redis: %s\n", ws_strerror(err));
      return 1;
    }
    /* Listening (below) waits until the room reads its stream. */
    while (!ws_redis_room_ready(rroom))
      uv_run(loop, UV_RUN_ONCE);
  }
#endif
  uv_signal_init(loop, &sigint_handle);
  uv_signal_init(loop, &sigterm_handle);
  uv_signal_start(&sigint_handle, on_signal, SIGINT);
  uv_signal_start(&sigterm_handle, on_signal, SIGTERM);
  if (rate > 0) {
    payload = calloc(1, size);
    memset(payload + 16, 'x', size - 16);
    uv_timer_init(loop, &publisher);
    uv_timer_start(&publisher, on_publish, 1, 1);
  }
  threads = calloc((size_t) loops, sizeof(*threads));
  for (i = 1; i < loops; i++) {
    uv_loop_init(&threads[i].loop);
    uv_thread_create(&threads[i].thread, run_loop, &threads[i]);
  }
  printf("listening on ws://%s:%d/\n", host, ws_server_port(server));
  fflush(stdout);
  uv_run(loop, UV_RUN_DEFAULT);
  for (i = 1; i < loops; i++) {
    uv_thread_join(&threads[i].thread);
    uv_loop_close(&threads[i].loop);
  }
  free(threads);
  free(payload);
  return uv_loop_close(loop) == 0 ? 0 : 1;
}
