/* What chat rooms keep in Redis when several chat processes share them
 * (uvws-chat --redis URL): who is in a room, in join order, and its last
 * CHAT_HISTORY_MAX messages. Messages, joins and leaves travel on the
 * room's stream through uvws_redis (chat.c binds each room).
 *
 * For room R the keys are
 *   chat:{R}:seen     sorted set: name -> when its presence expires (ms)
 *   chat:{R}:order    sorted set: name -> when it joined (ms)
 *   chat:{R}:history  list of message objects, oldest first
 *   chat:{R}:stream   the room's stream (uvws_redis)
 * Each node refreshes its members' expiry every ttl/3; a node that dies
 * stops doing so, and the first script to run after the expiry removes
 * its members and returns their names, which that node announces as
 * leaves. Times are Redis's own clock (TIME), so hosts need not agree. */
#ifndef CHAT_CLUSTER_H
#define CHAT_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "uvws_redis.h"

typedef struct {
  const char* str;
  size_t len;
} cluster_str_t;

typedef struct {
  cluster_str_t* items;
  size_t count;
} cluster_list_t;

/* An answer: status is 1 (joined, or done), 0 (the name is taken) or
 * negative (Redis is away or answered something unexpected: the lists are
 * then empty). dead: names whose presence ran out, to announce as left.
 * Valid only during the callback. */
typedef struct {
  int status;
  cluster_list_t members;
  cluster_list_t history;
  cluster_list_t dead;
} cluster_reply_t;

typedef void (*cluster_cb)(void* arg, const cluster_reply_t* reply);

/* Each returns 0, or an error (WS_ECLOSED while the bus is down): then cb
 * is never called. room and name are not NUL-terminated. */

/* Adds name unless some node's live member has it; the answer has the
 * members (self included) and the history. */
int cluster_join(ws_redis_bus_t* bus, const char* room, size_t room_len,
                 const char* name, size_t name_len, int64_t ttl_ms,
                 cluster_cb cb, void* arg);
/* The room's live members, in join order. */
int cluster_members(ws_redis_bus_t* bus, const char* room, size_t room_len,
                    cluster_cb cb, void* arg);
/* Refreshes this node's members (names) for ttl_ms more. */
int cluster_heartbeat(ws_redis_bus_t* bus, const char* room,
                      size_t room_len, const cluster_str_t* names,
                      size_t count, int64_t ttl_ms, cluster_cb cb,
                      void* arg);
/* Removes name. No answer. */
int cluster_leave(ws_redis_bus_t* bus, const char* room, size_t room_len,
                  const char* name, size_t name_len);
/* Appends a message object to the history, which keeps the last
 * CHAT_HISTORY_MAX. No answer. */
int cluster_remember(ws_redis_bus_t* bus, const char* room, size_t room_len,
                     const char* message, size_t len);
/* Writes the room's stream key, "chat:{R}:stream", into out (NUL-ended);
 * returns 0, or -1 if out is too small. */
int cluster_stream_key(char* out, size_t cap, const char* room,
                       size_t room_len);

#endif /* CHAT_CLUSTER_H */
