/* uvws_redis: rooms shared by several processes or hosts, over Redis.
 *
 * An optional part of uvws (the uvws_redis library, CMake target
 * uvws::redis, built where hiredis is found). It uses uvws's public room
 * API only, and hiredis on the same libuv loop.
 *
 * A bus is one node's link to a Redis server: two connections, one that
 * writes (XADD and the application's commands) and one that reads
 * (XREAD BLOCK). A bound room (ws_redis_room_t) ties a ws_room_t to a
 * Redis stream: ws_redis_room_broadcast() delivers to the room's local
 * members at once, as ws_room_broadcast() does, and appends the message to
 * the stream; what other nodes append is broadcast to this node's members
 * (encoded once per node). A node skips its own entries, which it has
 * delivered already.
 *
 * Delivery: every node sees each publisher's messages once and in the
 * order they were published; messages of different publishers may
 * interleave differently on different nodes. While Redis is unreachable,
 * local broadcasts keep working; publishes wait in a bounded queue and
 * are appended, in order, when the bus is up again, and the reader goes
 * on from the last entry it saw, so a node that was away for less than
 * the stream's retention (stream_max_len entries) misses nothing. What is
 * lost past that window, after a Redis restart without persistence, or
 * when the queue is full, is in docs/scale-out.md.
 *
 * Everything is asynchronous: no call waits for Redis. Every function
 * must be called on the loop's thread.
 *
 * Binary compatibility: as uvws.h's, ws_redis_options_t and
 * ws_redis_stats_t travel with the size the program was compiled with
 * (ws_redis_options_init(), ws_redis_bus_new() and ws_redis_bus_stats()
 * are macros that pass it); fields are only appended. The shared library
 * is libuvws_redis.so.0.MINOR, versioned with uvws.
 */
#ifndef UVWS_REDIS_H
#define UVWS_REDIS_H

#include "uvws.h"

#ifdef __cplusplus
extern "C" {
#endif

/* As WS_EXTERN, for this library's own functions: a Windows DLL of
 * uvws_redis exports them and imports uvws's. */
#if defined(_WIN32) && defined(UVWS_SHARED)
#  if defined(BUILDING_UVWS_REDIS)
#    define WS_REDIS_EXTERN __declspec(dllexport)
#  else
#    define WS_REDIS_EXTERN __declspec(dllimport)
#  endif
#elif __GNUC__ >= 4
#  define WS_REDIS_EXTERN __attribute__((visibility("default")))
#else
#  define WS_REDIS_EXTERN
#endif

typedef struct ws_redis_bus_s ws_redis_bus_t;
typedef struct ws_redis_room_s ws_redis_room_t;
/* hiredis's reply, for ws_redis_command(): include <hiredis/hiredis.h>
 * to read it. */
struct redisReply;

/* err is 0 when the bus comes up; when it goes down, why: a libuv or uvws
 * error (WS_ETIMEDOUT, UV_ECONNREFUSED, ...), or WS_EPROTO for an error
 * reply from Redis. */
typedef void (*ws_redis_state_cb)(ws_redis_bus_t* bus, int up, int err);
typedef void (*ws_redis_close_cb)(ws_redis_bus_t* bus);
/* reply is NULL when the connection dropped before the answer came. */
typedef void (*ws_redis_reply_cb)(ws_redis_bus_t* bus,
                                  const struct redisReply* reply, void* arg);

/* Fields are only appended; ws_redis_options_init() gives the defaults.
 * The struct travels with its size (see "Binary compatibility" above). */
typedef struct {
  /* Each stream is trimmed to about this many entries (XADD MAXLEN ~):
   * the retention window of a node that lost Redis. 10000. */
  size_t stream_max_len;
  /* Publishes held while Redis is away or has not acknowledged them yet:
   * at most this many (4096) and this many bytes of payload (16 MiB).
   * A publish past either limit is dropped (the local members still get
   * it) and counted in ws_redis_stats_t.dropped. */
  size_t max_pending;
  size_t max_pending_bytes;
  /* Entries read per XREAD (256), and how long one blocks (1000 ms). */
  size_t read_count;
  uint64_t block_ms;
  /* A connect, or an answer, later than this means the connection is
   * dead: it is dropped and made again. 5000 ms. */
  uint64_t timeout_ms;
  /* Reconnect backoff: from retry_min_ms (100), doubling up to
   * retry_max_ms (5000). */
  uint64_t retry_min_ms;
  uint64_t retry_max_ms;
  /* Called whenever the bus goes up or down (may be NULL). */
  ws_redis_state_cb on_state;
} ws_redis_options_t;

typedef struct {
  uint64_t published;   /* entries Redis acknowledged */
  uint64_t received;    /* other nodes' entries broadcast here */
  uint64_t dropped;     /* publishes refused: the pending queue was full */
  uint64_t duplicates;  /* entries seen twice (a resend) and skipped */
  uint64_t reconnects;  /* times the bus went down */
  size_t pending;       /* publishes not acknowledged yet */
  size_t pending_bytes;
} ws_redis_stats_t;

/* Fills options with the defaults. */
#define ws_redis_options_init(options)                                       \
  ws_redis_options_init_sized((options), sizeof(ws_redis_options_t))
WS_REDIS_EXTERN void ws_redis_options_init_sized(ws_redis_options_t* options,
                                                 size_t size);

/* Starts a bus on loop for the Redis server at url: "redis://HOST:PORT"
 * (port 6379 when left out; HOST an IPv4 address, an IPv6 one in [], or
 * a host name, looked up with uv_getaddrinfo() on every connect) or
 * "unix:/PATH". Connecting goes on in the background: on_state says when
 * the bus is up. options may be NULL. Returns 0, WS_EINVAL (a bad url or
 * option, or options of a newer layout whose unknown fields are not zero)
 * or WS_ENOMEM. */
#define ws_redis_bus_new(bus, loop, url, options)                            \
  ws_redis_bus_new_sized((bus), (loop), (url), (options),                   \
                         sizeof(ws_redis_options_t))
WS_REDIS_EXTERN int ws_redis_bus_new_sized(ws_redis_bus_t** bus,
                                           uv_loop_t* loop, const char* url,
                                           const ws_redis_options_t* options,
                                           size_t options_size);
/* Drops both connections and every bound room (publishes still pending
 * are lost; on_state is not called), then calls cb (may be NULL) from the
 * loop once the bus holds no handle and no memory. Returns 0, or WS_EINVAL
 * for NULL or a bus already closing. */
WS_REDIS_EXTERN int ws_redis_bus_close(ws_redis_bus_t* bus,
                                       ws_redis_close_cb cb);
WS_REDIS_EXTERN int ws_redis_bus_is_up(const ws_redis_bus_t* bus);
/* This node's id, 16 hex digits, random per bus. */
WS_REDIS_EXTERN const char* ws_redis_bus_node_id(const ws_redis_bus_t* bus);
/* Fills stats. Returns 0, or WS_EINVAL (NULL, or a size smaller than the
 * first layout). */
#define ws_redis_bus_stats(bus, stats)                                       \
  ws_redis_bus_stats_sized((bus), (stats), sizeof(ws_redis_stats_t))
WS_REDIS_EXTERN int ws_redis_bus_stats_sized(const ws_redis_bus_t* bus,
                                             ws_redis_stats_t* stats,
                                             size_t size);
WS_REDIS_EXTERN void* ws_redis_bus_get_data(const ws_redis_bus_t* bus);
WS_REDIS_EXTERN void ws_redis_bus_set_data(ws_redis_bus_t* bus, void* data);

/* Sends a command of argc arguments on the writing connection, in order
 * with the publishes, and calls cb (may be NULL) with the answer. Returns
 * 0, WS_EINVAL, WS_ECLOSED while the bus is down, or WS_EQUEUEFULL when
 * max_pending commands and publishes already wait for Redis's answer (cb
 * is then never called). */
WS_REDIS_EXTERN int ws_redis_command(ws_redis_bus_t* bus,
                                     ws_redis_reply_cb cb, void* arg,
                                     int argc, const char** argv,
                                     const size_t* argvlen);

/* Binds room to the stream named key: this node then broadcasts to room
 * what other nodes append to it once the binding is ready (below).
 * Destroy the binding before the room (a server's close destroys its
 * rooms). Returns 0, WS_EINVAL
 * (NULL, an empty key, or a closing bus) or WS_ENOMEM. */
WS_REDIS_EXTERN int ws_redis_room_new(ws_redis_room_t** rroom,
                                      ws_redis_bus_t* bus, ws_room_t* room,
                                      const char* key);
/* Unbinds; the room itself stays. Publishes still pending go out. NULL
 * does nothing. A closed bus has unbound its rooms already: do not call
 * this after ws_redis_bus_close(). */
WS_REDIS_EXTERN void ws_redis_room_destroy(ws_redis_room_t* rroom);
/* ws_room_broadcast() on the local room (except may be NULL), then
 * publishes the message to the other nodes. Returns what
 * ws_room_broadcast() returns; a publish the pending queue has no room
 * for is counted as dropped, not reported here. */
WS_REDIS_EXTERN int ws_redis_room_broadcast(ws_redis_room_t* rroom,
                                            ws_opcode_t opcode,
                                            const void* data, size_t len,
                                            ws_conn_t* except);
WS_REDIS_EXTERN ws_room_t* ws_redis_room_room(const ws_redis_room_t* rroom);
/* 1 once the binding knows where its stream ended when it started
 * reading (it asks Redis when the bus first comes up after
 * ws_redis_room_new()): what other nodes append from then on reaches this
 * node. Before, their entries may be missed. */
WS_REDIS_EXTERN int ws_redis_room_ready(const ws_redis_room_t* rroom);

#ifdef __cplusplus
}
#endif

#endif /* UVWS_REDIS_H */
