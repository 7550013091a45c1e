/* A redis-server of the test's own, on a unix socket in a temporary
 * directory, and the helpers the Redis bus tests share: two nodes (a
 * server, a room, a bus and a socketless member each) on one loop, and
 * waiting for a condition while the loop runs. POSIX only, as the bus. */
#ifndef UVWS_TEST_REDIS_SERVER_H
#define UVWS_TEST_REDIS_SERVER_H

#include "harness.h"
#include "uvws_redis.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  pid_t pid;
  char dir[64];
  char sock[128];
  char url[160];
  int persistent;  /* appendonly, fsync always: survives kill -9 */
  int port;        /* also TCP on localhost when not 0 */
} redis_server_t;

/* 1 if redis-server is there to run. */
static inline int redis_server_available(void) {
  return UVWS_REDIS_SERVER[0] != '\0' &&
         access(UVWS_REDIS_SERVER, X_OK) == 0;
}

static inline void redis_server_spawn(redis_server_t* r) {
  char conf[256];
  FILE* f;
  int i;

  snprintf(conf, sizeof(conf), "%s/redis.conf", r->dir);
  f = fopen(conf, "w");
  ASSERT_NOT_NULL(f);
  if (r->port != 0)
    fprintf(f, "port %d\nbind 127.0.0.1 -::1\n", r->port);
  else
    fprintf(f, "port 0\n");
  fprintf(f, "unixsocket %s\nunixsocketperm 700\ndir %s\n"
             "save \"\"\nloglevel warning\nlogfile %s/redis.log\n"
             "appendonly %s\nappendfsync always\n"
             "enable-debug-command yes\n",
          r->sock, r->dir, r->dir, r->persistent ? "yes" : "no");
  fclose(f);
  r->pid = fork();
  ASSERT_GE(r->pid, 0);
  if (r->pid == 0) {
    /* Not the test's output (ctest waits for it to close), and gone with
     * the test if it fails. */
    int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    execl(UVWS_REDIS_SERVER, UVWS_REDIS_SERVER, conf, (char*) NULL);
    _exit(127);
  }
  /* Ready once it answers PING. */
  for (i = 0; i < 500; i++) {
    redisContext* c;
    redisReply* reply;

    c = redisConnectUnix(r->sock);
    if (c != NULL && c->err == 0) {
      reply = redisCommand(c, "PING");
      if (reply != NULL && reply->type == REDIS_REPLY_STATUS) {
        freeReplyObject(reply);
        redisFree(c);
        return;
      }
      if (reply != NULL)
        freeReplyObject(reply);
    }
    if (c != NULL)
      redisFree(c);
    usleep(10000);
  }
  TEST__FAIL("redis-server did not start");
}

static inline void redis_server_start(redis_server_t* r, int persistent) {
  memset(r, 0, sizeof(*r));
  r->persistent = persistent;
  snprintf(r->dir, sizeof(r->dir), "/tmp/uvws-redis-XXXXXX");
  ASSERT_NOT_NULL(mkdtemp(r->dir));
  snprintf(r->sock, sizeof(r->sock), "%s/redis.sock", r->dir);
  snprintf(r->url, sizeof(r->url), "unix:%s", r->sock);
  redis_server_spawn(r);
}

/* A TCP port nothing listens on now, for redis_server_t.port. */
static inline int redis_server_free_port(void) {
  struct sockaddr_in addr;
  uv_tcp_t tcp;
  uv_loop_t loop;
  int len;
  int port;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_tcp_init(&loop, &tcp));
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", 0, &addr));
  ASSERT_EQ(0, uv_tcp_bind(&tcp, (const struct sockaddr*) &addr, 0));
  len = sizeof(addr);
  ASSERT_EQ(0, uv_tcp_getsockname(&tcp, (struct sockaddr*) &addr, &len));
  port = ntohs(addr.sin_port);
  uv_close((uv_handle_t*) &tcp, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_EQ(0, uv_loop_close(&loop));
  return port;
}

/* kill -9: no goodbye to its clients beyond what the kernel does. */
static inline void redis_server_kill(redis_server_t* r) {
  int status;

  if (r->pid <= 0)
    return;
  kill(r->pid, SIGKILL);
  waitpid(r->pid, &status, 0);
  r->pid = 0;
  unlink(r->sock);
}

/* Stops the server and removes its directory. */
static inline void redis_server_stop(redis_server_t* r) {
  char cmd[128];

  redis_server_kill(r);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
  ASSERT_EQ(0, system(cmd));
}

/* Runs one command on a connection of its own and waits for the answer:
 * only for commands that answer at once. */
static inline void redis_server_command(redis_server_t* r, const char* cmd) {
  redisContext* c;
  redisReply* reply;

  c = redisConnectUnix(r->sock);
  ASSERT(c != NULL && c->err == 0);
  reply = redisCommand(c, cmd);
  ASSERT_NOT_NULL(reply);
  if (reply->type == REDIS_REPLY_ERROR)
    TEST__FAIL("%s: %s", cmd, reply->str);
  freeReplyObject(reply);
  redisFree(c);
}

/* Sends a command and does not wait for its answer (DEBUG SLEEP). The
 * connection stays open until redis_server_close_pending(). */
static inline redisContext* redis_server_send(redis_server_t* r,
                                              const char* cmd) {
  redisContext* c;
  int done;

  c = redisConnectUnix(r->sock);
  ASSERT(c != NULL && c->err == 0);
  ASSERT_EQ(REDIS_OK, redisAppendCommand(c, cmd));
  do {
    ASSERT_EQ(REDIS_OK, redisBufferWrite(c, &done));
  } while (!done);
  return c;
}

/* ---- Waiting while the loop runs ---- */

static inline void redis_test__tick(uv_timer_t* timer) {
  (void) timer;
}

/* Runs the loop until cond(arg) holds; returns 0, or -1 after
 * timeout_ms. */
static inline int redis_test_try_wait(uv_loop_t* loop,
                                      int (*cond)(void* arg), void* arg,
                                      uint64_t timeout_ms) {
  uv_timer_t tick;
  uint64_t deadline;
  int r;

  ASSERT_EQ(0, uv_timer_init(loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, redis_test__tick, 5, 5));
  uv_update_time(loop);
  deadline = uv_now(loop) + timeout_ms;
  r = 0;
  while (!cond(arg)) {
    if (uv_now(loop) > deadline) {
      r = -1;
      break;
    }
    uv_run(loop, UV_RUN_ONCE);
  }
  uv_close((uv_handle_t*) &tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
  return r;
}

static inline void redis_test_wait(uv_loop_t* loop, int (*cond)(void* arg),
                                   void* arg, uint64_t timeout_ms) {
  if (redis_test_try_wait(loop, cond, arg, timeout_ms) != 0)
    TEST__FAIL("timed out waiting");
}

static inline int redis_test__never(void* arg) {
  (void) arg;
  return 0;
}

/* Runs the loop for ms. */
static inline void redis_test_run_for(uv_loop_t* loop, uint64_t ms) {
  uv_timer_t tick;
  uint64_t deadline;

  ASSERT_EQ(0, uv_timer_init(loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, redis_test__tick, 5, 5));
  uv_update_time(loop);
  deadline = uv_now(loop) + ms;
  while (uv_now(loop) < deadline)
    uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t*) &tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
}

/* ---- A node: a server, a room bound to a stream, one member ---- */

typedef struct {
  ws_server_t* server;
  ws_room_t* room;
  ws_redis_bus_t* bus;
  ws_redis_room_t* rroom;
  ws_conn_t* member;
  int up;
  int downs;
  /* The numbers of the messages the member got ("m%06d"), in order. */
  int* got;
  size_t got_len;
  size_t got_cap;
  size_t other;  /* messages not in that form */
} redis_node_t;

static inline void redis_node__on_state(ws_redis_bus_t* bus, int up,
                                        int err) {
  redis_node_t* node;

  (void) err;
  node = ws_redis_bus_get_data(bus);
  node->up = up;
  if (!up)
    node->downs++;
}

static inline void redis_node_start(redis_node_t* node, uv_loop_t* loop,
                                    const char* url, const char* key,
                                    const ws_redis_options_t* base) {
  ws_server_callbacks_t cb;
  ws_redis_options_t options;

  memset(node, 0, sizeof(*node));
  cb = harness_callbacks();
  ASSERT_EQ(0, ws_server_new(&node->server, loop, NULL, &cb));
  ASSERT_EQ(0, ws_room_new(&node->room, node->server));
  node->member = harness_open(node->server);
  ASSERT_EQ(0, ws_room_join(node->room, node->member));
  if (base != NULL)
    options = *base;
  else
    ws_redis_options_init(&options);
  options.on_state = redis_node__on_state;
  ASSERT_EQ(0, ws_redis_bus_new(&node->bus, loop, url, &options));
  ws_redis_bus_set_data(node->bus, node);
  ASSERT_EQ(0, ws_redis_room_new(&node->rroom, node->bus, node->room, key));
}

static inline int redis_node__number(const unsigned char* digits) {
  int v;
  int i;

  v = 0;
  for (i = 0; i < 6; i++) {
    ASSERT(digits[i] >= '0' && digits[i] <= '9');
    v = v * 10 + (digits[i] - '0');
  }
  return v;
}

/* Moves what the member was sent into got[]. */
static inline void redis_node_collect(redis_node_t* node) {
  static unsigned char out[1 << 20];
  size_t len;
  size_t at;
  size_t n;

  len = harness_take(node->member, out, sizeof(out));
  at = 0;
  while (at < len) {
    ASSERT_EQ(0x81, out[at]);
    n = out[at + 1];
    ASSERT_LT(n, 126);
    if (n == 7 && out[at + 2] == 'm') {
      if (node->got_len == node->got_cap) {
        node->got_cap = node->got_cap ? 2 * node->got_cap : 1024;
        node->got = realloc(node->got, node->got_cap * sizeof(int));
        ASSERT_NOT_NULL(node->got);
      }
      node->got[node->got_len++] = redis_node__number(out + at + 3);
    } else {
      node->other++;
    }
    at += 2 + n;
  }
}

static inline int redis_node_broadcast(redis_node_t* node, int number) {
  char text[16];

  snprintf(text, sizeof(text), "m%06d", number);
  return ws_redis_room_broadcast(node->rroom, WS_OP_TEXT, text, 7, NULL);
}

static inline int redis_node__is_up(void* arg) {
  return ((redis_node_t*) arg)->up;
}

static inline void redis_node__fail(const redis_node_t* node,
                                    const char* what) {
  ws_redis_stats_t stats;

  ws_redis_bus_stats(node->bus, &stats);
  TEST__FAIL("timed out waiting for %s: up %d, downs %d, got %zu, "
             "published %" PRIu64 ", received %" PRIu64 ", pending %zu, "
             "reconnects %" PRIu64, what, node->up, node->downs,
             node->got_len, stats.published, stats.received, stats.pending,
             stats.reconnects);
}

static inline int redis_node__is_ready(void* arg) {
  redis_node_t* node;

  node = arg;
  return node->up && ws_redis_room_ready(node->rroom);
}

/* Waits until the bus is up and the room's binding reads its stream. */
static inline void redis_node_wait_up(uv_loop_t* loop, redis_node_t* node) {
  if (redis_test_try_wait(loop, redis_node__is_ready, node, 10000) != 0)
    redis_node__fail(node, "the bus to be up");
}

typedef struct {
  redis_node_t* node;
  size_t count;
} redis_node_count_t;

static inline int redis_node__has(void* arg) {
  redis_node_count_t* c;

  c = arg;
  redis_node_collect(c->node);
  return c->node->got_len >= c->count;
}

/* Runs the loop until the member has count numbered messages. */
static inline void redis_node_wait_for(uv_loop_t* loop, redis_node_t* node,
                                       size_t count, uint64_t timeout_ms) {
  redis_node_count_t c;

  c.node = node;
  c.count = count;
  if (redis_test_try_wait(loop, redis_node__has, &c, timeout_ms) != 0)
    redis_node__fail(node, "messages");
}

/* Every number from first to first + count - 1 once, in order, and
 * nothing else. */
static inline void redis_node_expect_sequence(const redis_node_t* node,
                                              int first, size_t count) {
  size_t i;

  ASSERT_EQ(count, node->got_len);
  for (i = 0; i < count; i++)
    ASSERT_EQ(first + (int) i, node->got[i]);
}

static inline void redis_node__bus_closed(ws_redis_bus_t* bus) {
  redis_node_t* node;

  node = ws_redis_bus_get_data(bus);
  node->bus = NULL;
}

/* Unbinds and closes the bus, frees the member, closes the server. */
static inline void redis_node_stop(redis_node_t* node) {
  ws_redis_room_destroy(node->rroom);
  ASSERT_EQ(0, ws_redis_bus_close(node->bus, redis_node__bus_closed));
  harness_free(node->member);
  ws_server_close(node->server, NULL);
  free(node->got);
}

#endif /* UVWS_TEST_REDIS_SERVER_H */
