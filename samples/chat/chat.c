/* Rooms, members and history for the chat sample (the protocol is in
 * chat.h). Each member is one connection, found with ws_conn_get_data().
 * On one loop each room wraps a ws_room_t, whose member list is the only
 * one kept. Across loops (chat_span_loops()) it wraps a ws_shared_room_t
 * and keeps its members' names itself; the chat's lock then orders every
 * join, message and leave, so that each loop's mailbox gets the room's
 * broadcasts in the order of its history. */
#include "chat.h"

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "mem.h"
#include "target.h"
#ifdef CHAT_WITH_REDIS
#include "cluster.h"
#endif

typedef struct chat_room_s chat_room_t;
typedef struct chat_member_s chat_member_t;

struct chat_member_s {
  chat_t* chat;
  ws_conn_t* conn;
  chat_room_t* room;       /* NULL until joined, and for a refused client */
  target_status_t status;  /* what on_handshake made of the target */
  target_t target;         /* room and name */
#ifdef CHAT_WITH_REDIS
  int pending;             /* answers from Redis it waits for */
  int closed;              /* its connection is gone: free on the last */
  int in_cluster;          /* its name is in Redis */
#endif
};

typedef struct {
  char str[TARGET_NAME_MAX + 1];
  size_t len;
} chat_name_t;

/* One message object, exactly as it was broadcast. */
typedef struct {
  char* data;
  size_t len;
} chat_entry_t;

struct chat_room_s {
  chat_t* chat;
  ws_room_t* ws;            /* on one loop */
  ws_shared_room_t* shared; /* across loops, instead */
  chat_name_t* names;       /* with shared: the members, in join order */
  size_t name_count;
  size_t name_cap;
  chat_room_t* prev;
  chat_room_t* next;
  char name[TARGET_NAME_MAX + 1];
  size_t name_len;
  /* A ring of the last messages, oldest at history[start]. */
  chat_entry_t history[CHAT_HISTORY_MAX];
  size_t start;
  size_t count;
#ifdef CHAT_WITH_REDIS
  ws_redis_room_t* rroom;  /* the room's stream, with --redis */
#endif
};

struct chat_s {
  /* Held by every callback: the loops of a chat that spans them share
   * everything below. */
  uv_mutex_t lock;
  int spans_loops;
  /* A sample's few rooms: a list, searched by name. */
  chat_room_t* rooms;
#ifdef CHAT_WITH_REDIS
  ws_redis_bus_t* bus;  /* NULL: one node */
  uv_timer_t heartbeat;
  int64_t ttl_ms;
#endif
};

static int64_t chat__now_ms(void) {
  uv_timeval64_t tv;

  if (uv_gettimeofday(&tv) != 0)
    return 0;
  return (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static chat_t* chat__of(ws_conn_t* conn) {
  return ws_server_get_data(ws_conn_server(conn));
}

/* Closes conn with 1011 when a message could not be built. */
static void chat__out_of_memory(ws_conn_t* conn) {
  static const char reason[] = "out of memory";

  fprintf(stderr, "out of memory: closing a connection\n");
  ws_conn_close(conn, WS_CLOSE_INTERNAL_ERROR, reason, sizeof(reason) - 1);
}

/* Sends buf to conn alone, then frees it. A member whose answers pile up
 * (it asks faster than it reads) is not read from until they drain. */
static void chat__send(ws_conn_t* conn, json_buf_t* buf) {
  static const char slow[] = "slow consumer";
  int err;

  if (buf->failed) {
    chat__out_of_memory(conn);
  } else {
    err = ws_conn_send(conn, WS_OP_TEXT, buf->data, buf->len);
    if (err == 0 && ws_conn_queued_bytes(conn) > CHAT_PAUSE_BYTES) {
      /* This send owes us on_drain, which resumes. */
      ws_conn_pause(conn);
    } else if (err == WS_EQUEUEFULL) {
      /* Room broadcasts filled its queue: it misses nothing silently, as
       * the rooms' WS_SLOW_CLOSE policy says. */
      ws_conn_close(conn, WS_CLOSE_POLICY, slow, sizeof(slow) - 1);
    } else if (err != 0 && err != WS_ECLOSED) {
      /* WS_ECLOSED: the connection is closing and needs nothing more. */
      fprintf(stderr, "send: %s\n", ws_err_name(err));
    }
  }
  json_buf_free(buf);
}

static void chat__send_error(ws_conn_t* conn, const char* error) {
  json_buf_t buf;

  json_buf_init(&buf);
  json_buf_cstr(&buf, "{\"type\":\"error\",\"error\":");
  json_buf_string(&buf, error, strlen(error));
  json_buf_cstr(&buf, "}");
  chat__send(conn, &buf);
}

/* Sends buf to every member of room, encoded once, and keeps buf. */
static void chat__broadcast_keep(chat_room_t* room, const json_buf_t* buf) {
  int r;

  if (buf->failed) {
    fprintf(stderr, "out of memory: a room message is lost\n");
    return;
  }
#ifdef CHAT_WITH_REDIS
  if (room->rroom != NULL)
    r = ws_redis_room_broadcast(room->rroom, WS_OP_TEXT, buf->data, buf->len,
                                NULL);
  else
#endif
  if (room->shared != NULL)
    r = ws_shared_room_broadcast(room->shared, WS_OP_TEXT, buf->data,
                                 buf->len, 0);
  else
    r = ws_room_broadcast(room->ws, WS_OP_TEXT, buf->data, buf->len, NULL);
  if (r < 0)
    fprintf(stderr, "broadcast: %s\n", ws_err_name(r));
}

static void chat__broadcast(chat_room_t* room, json_buf_t* buf) {
  chat__broadcast_keep(room, buf);
  json_buf_free(buf);
}

/* Writes {"type":TYPE,"room":R, which every room message starts with. */
static void chat__begin(json_buf_t* buf, const char* type,
                        const chat_room_t* room) {
  json_buf_init(buf);
  json_buf_cstr(buf, "{\"type\":\"");
  json_buf_cstr(buf, type);
  json_buf_cstr(buf, "\",\"room\":");
  json_buf_string(buf, room->name, room->name_len);
}

/* ---- Rooms ---- */

static chat_room_t* chat__room_find(chat_t* chat, const target_t* target) {
  chat_room_t* room;

  for (room = chat->rooms; room != NULL; room = room->next) {
    if (room->name_len == target->room_len &&
        memcmp(room->name, target->room, target->room_len) == 0)
      return room;
  }
  return NULL;
}

/* How many members the room has (on this node). */
static size_t chat__room_size(const chat_room_t* room) {
  return room->shared != NULL ? room->name_count : ws_room_count(room->ws);
}

static chat_room_t* chat__room_new(chat_t* chat, ws_server_t* server,
                                   const target_t* target) {
  chat_room_t* room;

  room = mem_calloc(1, sizeof(*room));
  if (room == NULL)
    return NULL;
  if (chat->spans_loops) {
    if (ws_shared_room_new(&room->shared, server) != 0) {
      mem_free(room);
      return NULL;
    }
  } else {
    if (ws_room_new(&room->ws, server) != 0) {
      mem_free(room);
      return NULL;
    }
    ws_room_set_data(room->ws, room);
  }
  room->chat = chat;
  memcpy(room->name, target->room, target->room_len + 1);
  room->name_len = target->room_len;
#ifdef CHAT_WITH_REDIS
  if (chat->bus != NULL) {
    char key[64];

    if (cluster_stream_key(key, sizeof(key), room->name, room->name_len) !=
            0 ||
        ws_redis_room_new(&room->rroom, chat->bus, room->ws, key) != 0) {
      ws_room_destroy(room->ws);
      mem_free(room);
      return NULL;
    }
  }
#endif
  room->next = chat->rooms;
  if (chat->rooms != NULL)
    chat->rooms->prev = room;
  chat->rooms = room;
  fprintf(stderr, "room %s: created\n", room->name);
  return room;
}

static void chat__room_free(chat_room_t* room) {
  size_t i;

  fprintf(stderr, "room %s: freed\n", room->name);
  if (room->prev != NULL)
    room->prev->next = room->next;
  else
    room->chat->rooms = room->next;
  if (room->next != NULL)
    room->next->prev = room->prev;
  for (i = 0; i < room->count; i++)
    mem_free(room->history[(room->start + i) % CHAT_HISTORY_MAX].data);
#ifdef CHAT_WITH_REDIS
  ws_redis_room_destroy(room->rroom);
#endif
  ws_room_destroy(room->ws);
  ws_shared_room_destroy(room->shared);
  mem_free(room->names);
  mem_free(room);
}

/* Keeps a message object, which the history now owns. */
static void chat__room_remember(chat_room_t* room, json_buf_t* buf) {
  chat_entry_t* entry;

  if (room->count == CHAT_HISTORY_MAX) {
    entry = &room->history[room->start];
    mem_free(entry->data);
    room->start = (room->start + 1) % CHAT_HISTORY_MAX;
  } else {
    entry = &room->history[(room->start + room->count) % CHAT_HISTORY_MAX];
    room->count++;
  }
  entry->data = buf->data;
  entry->len = buf->len;
  json_buf_init(buf);
}

/* A shared room's member list: name joins it, last. 0 or WS_ENOMEM. */
static int chat__names_add(chat_room_t* room, const char* name,
                           size_t len) {
  chat_name_t* grown;
  size_t cap;

  if (room->name_count == room->name_cap) {
    cap = room->name_cap != 0 ? room->name_cap * 2 : 8;
    grown = mem_realloc(room->names, cap * sizeof(*grown));
    if (grown == NULL)
      return WS_ENOMEM;
    room->names = grown;
    room->name_cap = cap;
  }
  memcpy(room->names[room->name_count].str, name, len);
  room->names[room->name_count].str[len] = '\0';
  room->names[room->name_count].len = len;
  room->name_count++;
  return 0;
}

static void chat__names_remove(chat_room_t* room, const char* name,
                               size_t len) {
  size_t i;

  for (i = 0; i < room->name_count; i++) {
    if (room->names[i].len == len &&
        memcmp(room->names[i].str, name, len) == 0) {
      memmove(&room->names[i], &room->names[i + 1],
              (room->name_count - i - 1) * sizeof(*room->names));
      room->name_count--;
      return;
    }
  }
}

/* ---- What members receive ---- */

typedef struct {
  const target_t* target;
  int taken;
} chat_name_query_t;

static void chat__check_name(ws_conn_t* conn, void* arg) {
  chat_name_query_t* q;
  chat_member_t* m;

  q = arg;
  m = ws_conn_get_data(conn);
  if (m->target.name_len == q->target->name_len &&
      memcmp(m->target.name, q->target->name, q->target->name_len) == 0)
    q->taken = 1;
}

typedef struct {
  json_buf_t* buf;
  int first;
} chat_list_t;

static void chat__list_member(ws_conn_t* conn, void* arg) {
  chat_list_t* list;
  chat_member_t* m;

  list = arg;
  m = ws_conn_get_data(conn);
  if (!list->first)
    json_buf_cstr(list->buf, ",");
  list->first = 0;
  json_buf_string(list->buf, m->target.name, m->target.name_len);
}

static void chat__send_members(chat_member_t* member) {
  chat_list_t list;
  json_buf_t buf;
  size_t i;

  chat__begin(&buf, "members", member->room);
  json_buf_cstr(&buf, ",\"members\":[");
  list.buf = &buf;
  list.first = 1;
  if (member->room->shared != NULL) {
    for (i = 0; i < member->room->name_count; i++) {
      if (i > 0)
        json_buf_cstr(&buf, ",");
      json_buf_string(&buf, member->room->names[i].str,
                      member->room->names[i].len);
    }
  } else {
    ws_room_foreach(member->room->ws, chat__list_member, &list);
  }
  json_buf_cstr(&buf, "]}");
  chat__send(member->conn, &buf);
}

static void chat__send_history(chat_member_t* member) {
  const chat_entry_t* entry;
  chat_room_t* room;
  json_buf_t buf;
  size_t i;

  room = member->room;
  chat__begin(&buf, "history", room);
  json_buf_cstr(&buf, ",\"messages\":[");
  for (i = 0; i < room->count; i++) {
    entry = &room->history[(room->start + i) % CHAT_HISTORY_MAX];
    if (i > 0)
      json_buf_cstr(&buf, ",");
    json_buf_raw(&buf, entry->data, entry->len);
  }
  json_buf_cstr(&buf, "]}");
  chat__send(member->conn, &buf);
}

/* {"type":"join"...} or {"type":"leave"...} to everyone in the room. */
static void chat__notice(chat_room_t* room, const char* type,
                         const char* name, size_t name_len) {
  json_buf_t buf;

  chat__begin(&buf, type, room);
  json_buf_cstr(&buf, ",\"name\":");
  json_buf_string(&buf, name, name_len);
  json_buf_cstr(&buf, ",\"ts\":");
  json_buf_int(&buf, chat__now_ms());
  json_buf_cstr(&buf, "}");
  chat__broadcast(room, &buf);
}

/* A member's message: built once, broadcast once, kept in the history. */
static void chat__post(chat_member_t* member, const char* text, size_t len) {
  chat_room_t* room;
  json_buf_t buf;

  room = member->room;
  chat__begin(&buf, "message", room);
  json_buf_cstr(&buf, ",\"from\":");
  json_buf_string(&buf, member->target.name, member->target.name_len);
  json_buf_cstr(&buf, ",\"text\":");
  json_buf_string(&buf, text, len);
  json_buf_cstr(&buf, ",\"ts\":");
  json_buf_int(&buf, chat__now_ms());
  json_buf_cstr(&buf, "}");
  if (buf.failed) {
    json_buf_free(&buf);
    chat__send_error(member->conn, "out of memory: message not sent");
    return;
  }
#ifdef CHAT_WITH_REDIS
  /* Into the room's history in Redis first: the publish goes on the same
   * connection after it, so a node that has the message, and a member
   * there who answers it, find it in the history already, in order. */
  if (room->rroom != NULL)
    cluster_remember(room->chat->bus, room->name, room->name_len, buf.data,
                     buf.len);
#endif
  chat__broadcast_keep(room, &buf);
  chat__room_remember(room, &buf);
}

/* ---- Refusals ---- */

/* Tells a client why it cannot join, then closes with a 4xxx code. */
static void chat__refuse(chat_member_t* member, uint16_t code,
                         const char* reason, const char* error) {
  fprintf(stderr, "refused %u %s\n", (unsigned) code, reason);
  chat__send_error(member->conn, error);
  ws_conn_close(member->conn, code, reason, strlen(reason));
}

static void chat__refuse_target(chat_member_t* member) {
  switch (member->status) {
    case TARGET_BAD_ROOM:
      chat__refuse(member, CHAT_CLOSE_BAD_ROOM, "invalid room name",
                   "invalid room name: use 1 to 32 bytes of UTF-8 with no "
                   "control or invisible characters");
      break;
    case TARGET_NO_NAME:
      chat__refuse(member, CHAT_CLOSE_NO_NAME, "missing name",
                   "missing name: connect to /ws/ROOM?name=NAME");
      break;
    default:
      chat__refuse(member, CHAT_CLOSE_BAD_NAME, "invalid name",
                   "invalid name: use 1 to 32 bytes of UTF-8 with no "
                   "control or invisible characters");
      break;
  }
}

static void chat__refuse_taken(chat_member_t* member) {
  char error[160];

  snprintf(error, sizeof(error), "name taken: %s is already in room %s",
           member->target.name, member->target.room);
  chat__refuse(member, CHAT_CLOSE_NAME_TAKEN, "name taken", error);
}

/* ---- Callbacks ---- */

static int chat__on_handshake(ws_conn_t* conn, ws_request_t* request) {
  chat_member_t* member;
  target_status_t status;
  target_t target;
  chat_t* chat;

  status = target_parse(ws_request_target(request), &target);
  if (status == TARGET_NOT_FOUND)
    return 404;
  chat = chat__of(conn);
  /* Freed by on_close, which uvws owes every connection accepted here,
   * even one that never gets on_open because its 101 could not be
   * queued. */
  member = mem_calloc(1, sizeof(*member));
  if (member == NULL)
    return 503;
  member->chat = chat;
  member->conn = conn;
  member->status = status;
  member->target = target;
  ws_conn_set_data(conn, member);
  return 0;
}

/* A room with no member left is freed. With --redis, the other nodes
 * still hear that the last one here left. */
static void chat__room_left(chat_room_t* room, const chat_member_t* member) {
  int shared;

  shared = 0;
#ifdef CHAT_WITH_REDIS
  shared = room->rroom != NULL;
#endif
  if (shared || chat__room_size(room) > 0)
    chat__notice(room, "leave", member->target.name, member->target.name_len);
  if (chat__room_size(room) == 0)
    chat__room_free(room);
}

static int chat__name_taken(chat_room_t* room, const char* name,
                            size_t name_len) {
  chat_name_query_t query;
  target_t target;
  size_t i;

  if (room->shared != NULL) {
    for (i = 0; i < room->name_count; i++) {
      if (room->names[i].len == name_len &&
          memcmp(room->names[i].str, name, name_len) == 0)
        return 1;
    }
    return 0;
  }
  memcpy(target.name, name, name_len);
  target.name_len = name_len;
  query.target = &target;
  query.taken = 0;
  ws_room_foreach(room->ws, chat__check_name, &query);
  return query.taken;
}

/* The room for the member's target, made if need be; NULL when out of
 * memory (the member is then closed). */
static chat_room_t* chat__room_for(chat_member_t* member) {
  chat_room_t* room;

  room = chat__room_find(member->chat, &member->target);
  if (room == NULL) {
    room = chat__room_new(member->chat, ws_conn_server(member->conn),
                          &member->target);
    if (room == NULL)
      chat__out_of_memory(member->conn);
  }
  return room;
}

/* A member of a shared room joins its loop's part in order with the
 * room's broadcasts: after those posted before its history was taken,
 * which it has seen there, before any posted after. */
static void chat__on_entered(ws_conn_t* conn, void* arg) {
  chat_member_t* member;
  chat_t* chat;
  int err;

  chat = arg;
  /* NULL: it closed meanwhile, and left. */
  if (conn == NULL)
    return;
  uv_mutex_lock(&chat->lock);
  member = ws_conn_get_data(conn);
  if (member->room != NULL) {
    err = ws_shared_room_join(member->room->shared, conn);
    if (err == WS_ENOMEM)
      chat__out_of_memory(conn);
  }
  uv_mutex_unlock(&chat->lock);
}

/* Joins a shared room: listed now, a member of its loop's part once the
 * broadcasts posted before have been delivered there. */
static int chat__enter_shared(chat_member_t* member, chat_room_t* room) {
  int err;

  err = chat__names_add(room, member->target.name, member->target.name_len);
  if (err != 0)
    return err;
  err = ws_post_call(ws_conn_id(member->conn), chat__on_entered,
                     member->chat);
  if (err != 0)
    chat__names_remove(room, member->target.name, member->target.name_len);
  /* WS_EINVAL: no id, for want of memory. */
  return err == WS_EINVAL ? WS_ENOMEM : err;
}

/* Lets member in once its name is known to be free. */
static int chat__enter(chat_member_t* member, chat_room_t* room) {
  int err;

  if (room->shared != NULL)
    err = chat__enter_shared(member, room);
  else
    err = ws_room_join(room->ws, member->conn);
  if (err != 0) {
    if (chat__room_size(room) == 0)
      chat__room_free(room);
    if (err == WS_ENOMEM)
      chat__out_of_memory(member->conn);
    return err;
  }
  member->room = room;
  fprintf(stderr, "room %s: %s joined (%zu)\n", room->name,
          member->target.name, chat__room_size(room));
  return 0;
}

/* Joins on this node alone: names are unique among its members. */
static void chat__join_local(chat_member_t* member, chat_room_t* room) {
  if (chat__name_taken(room, member->target.name, member->target.name_len)) {
    chat__refuse_taken(member);
    return;
  }
  if (chat__enter(member, room) != 0)
    return;
  chat__send_members(member);
  chat__send_history(member);
  chat__notice(room, "join", member->target.name, member->target.name_len);
}

#ifdef CHAT_WITH_REDIS
static void chat__member_release(chat_member_t* member) {
  if (member->closed && member->pending == 0)
    mem_free(member);
}

/* Names whose node stopped refreshing them: gone, unless one is here
 * (then Redis was away for longer than the ttl, and the next heartbeat
 * puts it back). */
static void chat__announce_dead(chat_room_t* room,
                                const cluster_list_t* dead) {
  size_t i;

  for (i = 0; i < dead->count; i++) {
    if (dead->items[i].len > TARGET_NAME_MAX ||
        chat__name_taken(room, dead->items[i].str, dead->items[i].len))
      continue;
    fprintf(stderr, "room %s: %.*s expired\n", room->name,
            (int) dead->items[i].len, dead->items[i].str);
    chat__notice(room, "leave", dead->items[i].str, dead->items[i].len);
  }
}

static void chat__send_list(chat_member_t* member, const char* type,
                            const char* field, const cluster_list_t* list,
                            int raw) {
  json_buf_t buf;
  size_t i;

  chat__begin(&buf, type, member->room);
  json_buf_cstr(&buf, ",\"");
  json_buf_cstr(&buf, field);
  json_buf_cstr(&buf, "\":[");
  for (i = 0; i < list->count; i++) {
    if (i > 0)
      json_buf_cstr(&buf, ",");
    if (raw)
      json_buf_raw(&buf, list->items[i].str, list->items[i].len);
    else
      json_buf_string(&buf, list->items[i].str, list->items[i].len);
  }
  json_buf_cstr(&buf, "]}");
  chat__send(member->conn, &buf);
}

static void chat__on_joined(void* arg, const cluster_reply_t* reply) {
  chat_member_t* member;
  chat_room_t* room;

  member = arg;
  member->pending--;
  if (member->closed) {
    if (reply->status == 1)
      cluster_leave(member->chat->bus, member->target.room,
                    member->target.room_len, member->target.name,
                    member->target.name_len);
    /* A room made for it alone goes with it. */
    room = chat__room_find(member->chat, &member->target);
    if (room != NULL && ws_room_count(room->ws) == 0)
      chat__room_free(room);
    chat__member_release(member);
    return;
  }
  /* The room may have gone meanwhile, with the last member here. */
  room = chat__room_for(member);
  if (room == NULL)
    return;
  chat__announce_dead(room, &reply->dead);
  if (reply->status < 0) {
    chat__join_local(member, room);
    return;
  }
  if (reply->status == 0) {
    if (ws_room_count(room->ws) == 0)
      chat__room_free(room);
    chat__refuse_taken(member);
    return;
  }
  if (chat__enter(member, room) != 0) {
    cluster_leave(member->chat->bus, member->target.room,
                  member->target.room_len, member->target.name,
                  member->target.name_len);
    return;
  }
  member->in_cluster = 1;
  chat__send_list(member, "members", "members", &reply->members, 0);
  chat__send_list(member, "history", "messages", &reply->history, 1);
  chat__notice(room, "join", member->target.name, member->target.name_len);
}

static void chat__on_members(void* arg, const cluster_reply_t* reply) {
  chat_member_t* member;

  member = arg;
  member->pending--;
  if (member->closed || member->room == NULL) {
    chat__member_release(member);
    return;
  }
  chat__announce_dead(member->room, &reply->dead);
  if (reply->status < 0)
    chat__send_members(member);
  else
    chat__send_list(member, "members", "members", &reply->members, 0);
}

typedef struct {
  chat_t* chat;
  target_t target;  /* the room's name */
} chat_heartbeat_t;

static void chat__on_heartbeat(void* arg, const cluster_reply_t* reply) {
  chat_heartbeat_t* hb;
  chat_room_t* room;

  hb = arg;
  room = chat__room_find(hb->chat, &hb->target);
  if (room != NULL)
    chat__announce_dead(room, &reply->dead);
  mem_free(hb);
}

typedef struct {
  cluster_str_t* names;
  size_t count;
} chat_names_t;

static void chat__collect_name(ws_conn_t* conn, void* arg) {
  chat_member_t* m;
  chat_names_t* names;

  names = arg;
  m = ws_conn_get_data(conn);
  /* Joined while Redis was away: the heartbeat adds it. */
  m->in_cluster = 1;
  names->names[names->count].str = m->target.name;
  names->names[names->count].len = m->target.name_len;
  names->count++;
}

static void chat__heartbeat(uv_timer_t* timer) {
  chat_heartbeat_t* hb;
  chat_names_t names;
  chat_room_t* room;
  chat_t* chat;

  chat = timer->data;
  if (!ws_redis_bus_is_up(chat->bus))
    return;
  for (room = chat->rooms; room != NULL; room = room->next) {
    hb = mem_calloc(1, sizeof(*hb));
    names.names = mem_calloc(ws_room_count(room->ws) + 1,
                             sizeof(*names.names));
    names.count = 0;
    if (hb == NULL || names.names == NULL) {
      mem_free(hb);
      mem_free(names.names);
      continue;
    }
    hb->chat = chat;
    memcpy(hb->target.room, room->name, room->name_len + 1);
    hb->target.room_len = room->name_len;
    ws_room_foreach(room->ws, chat__collect_name, &names);
    if (cluster_heartbeat(chat->bus, room->name, room->name_len, names.names,
                          names.count, chat->ttl_ms, chat__on_heartbeat,
                          hb) != 0)
      mem_free(hb);
    mem_free(names.names);
  }
}

/* Asks Redis whether the name is free; 0 if the answer will come. */
static int chat__join_cluster(chat_member_t* member) {
  chat_t* chat;

  chat = member->chat;
  if (chat->bus == NULL ||
      cluster_join(chat->bus, member->target.room, member->target.room_len,
                   member->target.name, member->target.name_len,
                   chat->ttl_ms, chat__on_joined, member) != 0)
    return -1;
  member->pending++;
  return 0;
}
#endif

static void chat__open(chat_member_t* member) {
  chat_room_t* room;

  if (member->status != TARGET_OK) {
    chat__refuse_target(member);
    return;
  }
  /* Made first, so that its stream's binding asks Redis where to start
   * reading before the join does: the member misses nothing once in. */
  room = chat__room_for(member);
  if (room == NULL)
    return;
#ifdef CHAT_WITH_REDIS
  if (chat__join_cluster(member) == 0)
    return;
#endif
  chat__join_local(member, room);
}

static void chat__on_open(ws_conn_t* conn) {
  chat_member_t* member;

  member = ws_conn_get_data(conn);
  uv_mutex_lock(&member->chat->lock);
  chat__open(member);
  uv_mutex_unlock(&member->chat->lock);
}

/* The member list: the room's, across nodes, with --redis. */
static void chat__ask_members(chat_member_t* member) {
#ifdef CHAT_WITH_REDIS
  if (member->in_cluster &&
      cluster_members(member->chat->bus, member->room->name,
                      member->room->name_len, chat__on_members,
                      member) == 0) {
    member->pending++;
    return;
  }
#endif
  chat__send_members(member);
}

/* 1 if the string member m is exactly word (it may hold a NUL). */
static int chat__is(const json_member_t* m, const char* word) {
  return m->str_len == strlen(word) && memcmp(m->str, word, m->str_len) == 0;
}

/* Handles one JSON command from a member. */
static void chat__command(chat_member_t* member, const char* data,
                          size_t len) {
  const json_member_t* type;
  const json_member_t* text;
  json_object_t obj;
  ws_conn_t* conn;
  int err;

  conn = member->conn;
  err = json_parse_object(data, len, &obj);
  switch (err) {
    case JSON_OK:
      break;
    case JSON_ENOTOBJECT:
      chat__send_error(conn, "message must be a JSON object");
      return;
    case JSON_EDUPLICATE:
      chat__send_error(conn, "message has a duplicate key");
      return;
    case JSON_ETOOMANY:
      chat__send_error(conn, "message has too many fields");
      return;
    case JSON_ETOODEEP:
      chat__send_error(conn, "message is nested too deeply");
      return;
    case JSON_ENOMEM:
      chat__out_of_memory(conn);
      return;
    default:
      chat__send_error(conn, "message is not valid JSON");
      return;
  }

  type = json_object_get(&obj, "type");
  if (type == NULL) {
    chat__send_error(conn, "missing \"type\"");
  } else if (type->type != JSON_STRING) {
    chat__send_error(conn, "\"type\" must be a string");
  } else if (chat__is(type, "message")) {
    text = json_object_get(&obj, "text");
    if (text == NULL)
      chat__send_error(conn, "missing \"text\"");
    else if (text->type != JSON_STRING)
      chat__send_error(conn, "\"text\" must be a string");
    else if (text->str_len == 0)
      chat__send_error(conn, "\"text\" is empty");
    else if (text->str_len > CHAT_TEXT_MAX)
      chat__send_error(conn, "\"text\" is longer than 4096 bytes");
    else
      chat__post(member, text->str, text->str_len);
  } else if (chat__is(type, "members")) {
    chat__ask_members(member);
  } else {
    chat__send_error(conn, "unknown type: expected \"message\" or "
                           "\"members\"");
  }
  json_object_free(&obj);
}

static void chat__on_message(ws_conn_t* conn, ws_opcode_t opcode,
                             const void* data, size_t len) {
  static const char reason[] = "binary messages are not supported";
  chat_member_t* member;

  if (opcode != WS_OP_TEXT) {
    ws_conn_close(conn, WS_CLOSE_UNSUPPORTED_DATA, reason,
                  sizeof(reason) - 1);
    return;
  }
  member = ws_conn_get_data(conn);
  uv_mutex_lock(&member->chat->lock);
  /* A refused client is on its way out: it gets nothing more. */
  if (member->room != NULL)
    chat__command(member, data, len);
  uv_mutex_unlock(&member->chat->lock);
}

/* What piled up for a paused member has drained: read it again. */
static void chat__on_drain(ws_conn_t* conn) {
  ws_conn_resume(conn);
}

static void chat__close(chat_member_t* member) {
  chat_room_t* room;

  room = member->room;
  /* uvws has taken conn out of the ws_room_t (or the shared room's part)
   * already. */
  if (room != NULL) {
    if (room->shared != NULL)
      chat__names_remove(room, member->target.name, member->target.name_len);
    fprintf(stderr, "room %s: %s left (%zu)\n", room->name,
            member->target.name, chat__room_size(room));
#ifdef CHAT_WITH_REDIS
    if (member->in_cluster)
      cluster_leave(member->chat->bus, room->name, room->name_len,
                    member->target.name, member->target.name_len);
#endif
    chat__room_left(room, member);
  }
#ifdef CHAT_WITH_REDIS
  member->closed = 1;
  member->room = NULL;
  if (member->pending > 0)
    return;
#endif
  mem_free(member);
}

static void chat__on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  chat_member_t* member;
  chat_t* chat;

  (void) info;
  member = ws_conn_get_data(conn);
  if (member == NULL)
    return;
  chat = member->chat;
  uv_mutex_lock(&chat->lock);
  chat__close(member);
  uv_mutex_unlock(&chat->lock);
}

/* ---- Set-up ---- */

int chat_new(chat_t** chat) {
  *chat = mem_calloc(1, sizeof(**chat));
  if (*chat == NULL)
    return WS_ENOMEM;
  if (uv_mutex_init(&(*chat)->lock) != 0) {
    mem_free(*chat);
    *chat = NULL;
    return WS_ENOMEM;
  }
  return 0;
}

void chat_span_loops(chat_t* chat) {
  chat->spans_loops = 1;
}

void chat_free(chat_t* chat) {
  if (chat == NULL)
    return;
  /* Every member has left by now, and so every room is gone; this is for
   * a chat whose server never closed. A closed server has freed its
   * shared rooms. */
  while (chat->rooms != NULL) {
    chat->rooms->shared = NULL;
    chat__room_free(chat->rooms);
  }
  uv_mutex_destroy(&chat->lock);
  mem_free(chat);
}

#ifdef CHAT_WITH_REDIS
int chat_use_redis(chat_t* chat, uv_loop_t* loop, ws_redis_bus_t* bus,
                   int64_t ttl_ms) {
  uint64_t every;
  int err;

  err = uv_timer_init(loop, &chat->heartbeat);
  if (err != 0)
    return err;
  chat->heartbeat.data = chat;
  chat->bus = bus;
  chat->ttl_ms = ttl_ms;
  every = (uint64_t) ttl_ms / 3;
  if (every == 0)
    every = 1;
  return uv_timer_start(&chat->heartbeat, chat__heartbeat, every, every);
}

void chat_stop_redis(chat_t* chat) {
  if (chat->bus != NULL)
    uv_close((uv_handle_t*) &chat->heartbeat, NULL);
}
#endif

void chat_set_callbacks(ws_server_callbacks_t* callbacks) {
  callbacks->on_handshake = chat__on_handshake;
  callbacks->on_open = chat__on_open;
  callbacks->on_message = chat__on_message;
  callbacks->on_close = chat__on_close;
  callbacks->on_drain = chat__on_drain;
}
