/* Presence and history in Redis, for chat rooms shared by several chat
 * processes (cluster.h). Every change is one Lua script, so that two nodes
 * never both give away a name, and expired members are removed once. */
#ifdef CHAT_WITH_REDIS
/* Built with uvws_redis only; other builds (and the cross builds, which
 * compile every sample file) see an empty file. */
#include "cluster.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>

#include "chat.h"
#include "mem.h"

/* "chat:{" ROOM "}:history", ROOM at most TARGET_NAME_MAX bytes. */
#define CLUSTER_KEY_MAX 64

/* Now, in ms, from Redis's clock; then the members whose presence ran
 * out leave both sets, and their names are returned as `dead`. A join's
 * place in the list (order_at()) is now, or just after the last one's if
 * that is not earlier: joins in one millisecond keep their order. */
#define CLUSTER_PRELUDE                                                      \
  "local t = redis.call('TIME') "                                            \
  "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "   \
  "local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now) "          \
  "for _, n in ipairs(dead) do redis.call('ZREM', KEYS[2], n) end "          \
  "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) "                    \
  "local function order_at() "                                               \
  "  local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES') "       \
  "  if top[2] and tonumber(top[2]) >= now then "                            \
  "    return tonumber(top[2]) + 1 end "                                     \
  "  return now end "

/* KEYS: seen, order, history. ARGV: name, ttl. */
static const char cluster__join_lua[] =
    CLUSTER_PRELUDE
    "if redis.call('ZSCORE', KEYS[1], ARGV[1]) then "
    "  return {0, {}, {}, dead} end "
    "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) "
    "redis.call('ZADD', KEYS[2], order_at(), ARGV[1]) "
    "return {1, redis.call('ZRANGE', KEYS[2], 0, -1), "
    "  redis.call('LRANGE', KEYS[3], 0, -1), dead}";

/* KEYS: seen, order. */
static const char cluster__members_lua[] =
    CLUSTER_PRELUDE
    "return {1, redis.call('ZRANGE', KEYS[2], 0, -1), {}, dead}";

/* KEYS: seen, order. ARGV: ttl, names... Members that expired (a node
 * cut off for longer than the ttl) come back without a join notice. */
static const char cluster__heartbeat_lua[] =
    CLUSTER_PRELUDE
    "for i = 2, #ARGV do "
    "  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) "
    "  if not redis.call('ZSCORE', KEYS[2], ARGV[i]) then "
    "    redis.call('ZADD', KEYS[2], order_at(), ARGV[i]) end end "
    "return {1, {}, {}, dead}";

/* KEYS: seen, order. ARGV: name. */
static const char cluster__leave_lua[] =
    "redis.call('ZREM', KEYS[1], ARGV[1]) "
    "redis.call('ZREM', KEYS[2], ARGV[1]) return 1";

/* KEYS: history. ARGV: message, how many to keep. */
static const char cluster__remember_lua[] =
    "redis.call('RPUSH', KEYS[1], ARGV[1]) "
    "redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1) return 1";

typedef struct {
  cluster_cb cb;
  void* arg;
} cluster_request_t;

/* "chat:{R}:SUFFIX" */
static int cluster__key(char* out, size_t cap, const char* room,
                        size_t room_len, const char* suffix) {
  int n;

  n = snprintf(out, cap, "chat:{%.*s}:%s", (int) room_len, room, suffix);
  return n < 0 || (size_t) n >= cap ? -1 : 0;
}

int cluster_stream_key(char* out, size_t cap, const char* room,
                       size_t room_len) {
  return cluster__key(out, cap, room, room_len, "stream");
}

static int cluster__list(const redisReply* r, cluster_list_t* list) {
  size_t i;

  list->items = NULL;
  list->count = 0;
  if (r->type != REDIS_REPLY_ARRAY)
    return -1;
  if (r->elements == 0)
    return 0;
  list->items = mem_calloc(r->elements, sizeof(*list->items));
  if (list->items == NULL)
    return -1;
  for (i = 0; i < r->elements; i++) {
    if (r->element[i]->type != REDIS_REPLY_STRING)
      return -1;
    list->items[i].str = r->element[i]->str;
    list->items[i].len = r->element[i]->len;
  }
  list->count = r->elements;
  return 0;
}

static void cluster__on_reply(ws_redis_bus_t* bus,
                              const struct redisReply* r, void* priv) {
  cluster_request_t* req;
  cluster_reply_t reply;

  (void) bus;
  req = priv;
  memset(&reply, 0, sizeof(reply));
  reply.status = -1;
  if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 4 &&
      r->element[0]->type == REDIS_REPLY_INTEGER &&
      cluster__list(r->element[1], &reply.members) == 0 &&
      cluster__list(r->element[2], &reply.history) == 0 &&
      cluster__list(r->element[3], &reply.dead) == 0)
    reply.status = (int) r->element[0]->integer;
  else if (r != NULL && r->type == REDIS_REPLY_ERROR)
    fprintf(stderr, "redis: %s\n", r->str);
  if (reply.status < 0) {
    mem_free(reply.members.items);
    mem_free(reply.history.items);
    mem_free(reply.dead.items);
    memset(&reply, 0, sizeof(reply));
    reply.status = -1;
  }
  req->cb(req->arg, &reply);
  mem_free(reply.members.items);
  mem_free(reply.history.items);
  mem_free(reply.dead.items);
  mem_free(req);
}

/* EVAL script with the room's keys (the first nkeys of seen, order,
 * history) and args. */
static int cluster__eval(ws_redis_bus_t* bus, const char* script,
                         const char* room, size_t room_len, int nkeys,
                         const cluster_str_t* args, size_t nargs,
                         cluster_cb cb, void* arg) {
  static const char* const suffixes[3] = { "seen", "order", "history" };
  char keys[3][CLUSTER_KEY_MAX];
  cluster_request_t* req;
  const char** argv;
  size_t* lens;
  char numkeys[4];
  size_t argc;
  size_t i;
  int err;

  argc = 3 + (size_t) nkeys + nargs;
  argv = mem_calloc(argc, sizeof(*argv));
  lens = mem_calloc(argc, sizeof(*lens));
  req = cb != NULL ? mem_calloc(1, sizeof(*req)) : NULL;
  if (argv == NULL || lens == NULL || (cb != NULL && req == NULL)) {
    err = WS_ENOMEM;
    goto done;
  }
  snprintf(numkeys, sizeof(numkeys), "%d", nkeys);
  argv[0] = "EVAL";
  lens[0] = 4;
  argv[1] = script;
  lens[1] = strlen(script);
  argv[2] = numkeys;
  lens[2] = strlen(numkeys);
  for (i = 0; i < (size_t) nkeys; i++) {
    if (cluster__key(keys[i], sizeof(keys[i]), room, room_len,
                     suffixes[i]) != 0) {
      err = WS_EINVAL;
      goto done;
    }
    argv[3 + i] = keys[i];
    lens[3 + i] = strlen(keys[i]);
  }
  for (i = 0; i < nargs; i++) {
    argv[3 + nkeys + i] = args[i].str;
    lens[3 + nkeys + i] = args[i].len;
  }
  if (req != NULL) {
    req->cb = cb;
    req->arg = arg;
  }
  err = ws_redis_command(bus, req != NULL ? cluster__on_reply : NULL, req,
                         (int) argc, argv, lens);
  if (err == 0)
    req = NULL;
done:
  mem_free(req);
  mem_free(argv);
  mem_free(lens);
  return err;
}

static cluster_str_t cluster__int(char* buf, size_t cap, int64_t v) {
  cluster_str_t s;

  snprintf(buf, cap, "%lld", (long long) v);
  s.str = buf;
  s.len = strlen(buf);
  return s;
}

int cluster_join(ws_redis_bus_t* bus, const char* room, size_t room_len,
                 const char* name, size_t name_len, int64_t ttl_ms,
                 cluster_cb cb, void* arg) {
  cluster_str_t args[2];
  char ttl[24];

  args[0].str = name;
  args[0].len = name_len;
  args[1] = cluster__int(ttl, sizeof(ttl), ttl_ms);
  return cluster__eval(bus, cluster__join_lua, room, room_len, 3, args, 2,
                       cb, arg);
}

int cluster_members(ws_redis_bus_t* bus, const char* room, size_t room_len,
                    cluster_cb cb, void* arg) {
  return cluster__eval(bus, cluster__members_lua, room, room_len, 2, NULL, 0,
                       cb, arg);
}

int cluster_heartbeat(ws_redis_bus_t* bus, const char* room,
                      size_t room_len, const cluster_str_t* names,
                      size_t count, int64_t ttl_ms, cluster_cb cb,
                      void* arg) {
  cluster_str_t* args;
  char ttl[24];
  int err;

  args = mem_calloc(count + 1, sizeof(*args));
  if (args == NULL)
    return WS_ENOMEM;
  args[0] = cluster__int(ttl, sizeof(ttl), ttl_ms);
  if (count > 0)
    memcpy(args + 1, names, count * sizeof(*names));
  err = cluster__eval(bus, cluster__heartbeat_lua, room, room_len, 2, args,
                      count + 1, cb, arg);
  mem_free(args);
  return err;
}

int cluster_leave(ws_redis_bus_t* bus, const char* room, size_t room_len,
                  const char* name, size_t name_len) {
  cluster_str_t arg;

  arg.str = name;
  arg.len = name_len;
  return cluster__eval(bus, cluster__leave_lua, room, room_len, 2, &arg, 1,
                       NULL, NULL);
}

int cluster_remember(ws_redis_bus_t* bus, const char* room, size_t room_len,
                     const char* message, size_t len) {
  cluster_str_t args[2];
  char keep[24];
  char key[CLUSTER_KEY_MAX];
  const char* argv[6];
  size_t lens[6];

  /* The history key is KEYS[1] here. */
  if (cluster__key(key, sizeof(key), room, room_len, "history") != 0)
    return WS_EINVAL;
  args[0].str = message;
  args[0].len = len;
  args[1] = cluster__int(keep, sizeof(keep), CHAT_HISTORY_MAX);
  argv[0] = "EVAL";
  argv[1] = cluster__remember_lua;
  argv[2] = "1";
  argv[3] = key;
  argv[4] = args[0].str;
  argv[5] = args[1].str;
  lens[0] = 4;
  lens[1] = strlen(cluster__remember_lua);
  lens[2] = 1;
  lens[3] = strlen(key);
  lens[4] = args[0].len;
  lens[5] = args[1].len;
  return ws_redis_command(bus, NULL, NULL, 6, argv, lens);
}
#endif /* CHAT_WITH_REDIS */
