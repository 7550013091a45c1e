/* The chat protocol: rooms, their members and their history, on uvws.
 *
 * A client joins room R as N by opening a WebSocket to /ws/R?name=N (both
 * percent-decoded; see target.h for what a valid name is). Other paths are
 * refused with 404 at the handshake. A bad room, a missing, bad or taken
 * name is refused after the upgrade, so that a browser can read why: the
 * client gets {"type":"error","error":"..."} and then a close with one of
 * the codes below.
 *
 * On joining, the new member gets, in this order:
 *   {"type":"members","room":R,"members":[N1,N2,...]}   (join order, self
 *                                                        included)
 *   {"type":"history","room":R,"messages":[M1,...]}     (the last 50)
 * and then every member, the new one included, gets
 *   {"type":"join","room":R,"name":N,"ts":MS}
 * When a member's connection closes the others get
 *   {"type":"leave","room":R,"name":N,"ts":MS}
 *
 * A member sends JSON objects:
 *   {"type":"message","text":T}   T is 1 to 4096 bytes once decoded
 *   {"type":"members"}            asks for the member list again
 * A message goes to every member, the sender included, with one room
 * broadcast, as
 *   {"type":"message","room":R,"from":N,"text":T,"ts":MS}
 * (MS is milliseconds since the Unix epoch) and the same bytes are kept in
 * the room's history. Anything else gets {"type":"error","error":"..."} to
 * the sender only, and the connection stays. A binary message closes the
 * connection with 1003. A member that asks faster than it reads the
 * answers is slowed down: the server stops reading it until they drain. A room is created by its first member and freed,
 * history included, when its last member leaves.
 *
 * With chat_use_redis() (uvws-chat --redis URL) the rooms are shared by
 * every chat process on that Redis: names are unique across them, the
 * member list (join order) and the history are the room's, and a member
 * of another process that crashed gets a leave notice once its presence
 * expires. The history then stays in Redis when a room empties.
 */
#ifndef CHAT_CHAT_H
#define CHAT_CHAT_H

#include "uvws.h"

#define CHAT_TEXT_MAX 4096 /* bytes of UTF-8 in one message's text */
#define CHAT_HISTORY_MAX 50
/* The largest WebSocket message to accept (else 1009): 4096 bytes of text
 * written as \u escapes take 24 KiB, so this leaves room for any valid
 * message and turns away only junk. */
#define CHAT_MAX_MESSAGE_SIZE (64 * 1024)
/* A member whose own answers (member lists, errors) leave more than this
 * queued is not read from until its queue is down to it again: the
 * server's drain_low_water. */
#define CHAT_PAUSE_BYTES (1024 * 1024)

/* Close codes the chat server sends after refusing a client. The reason
 * in the close frame is the short form shown here. */
enum {
  CHAT_CLOSE_BAD_ROOM = 4000,   /* "invalid room name" */
  CHAT_CLOSE_NO_NAME = 4001,    /* "missing name" */
  CHAT_CLOSE_BAD_NAME = 4002,   /* "invalid name" */
  CHAT_CLOSE_NAME_TAKEN = 4003  /* "name taken" (names are unique per room,
                                   compared byte for byte) */
};
/* Besides these: 1003 "binary messages are not supported", 1011 when the
 * server runs out of memory, and the library's own codes (1001 on
 * shutdown, 1008 for a member too slow to read, 1009 past
 * CHAT_MAX_MESSAGE_SIZE, 1002/1007 for protocol errors). */

typedef struct chat_s chat_t;

/* Returns 0, or WS_ENOMEM. */
int chat_new(chat_t** chat);
/* Frees the chat. Call it after the server has closed: by then every
 * member has left and every room is gone. */
void chat_free(chat_t* chat);
/* The server spans several loops (ws_server_attach()), each on its own
 * thread, all sharing this chat: its rooms, their member lists and
 * histories are then the whole server's, each room a ws_shared_room_t
 * and the chat's state under its lock. Call before the server listens;
 * not with chat_use_redis(). */
void chat_span_loops(chat_t* chat);
/* Fills in on_handshake, on_open, on_message, on_close and on_drain. The
 * server's data must be the chat_t (ws_server_set_data()), and its
 * drain_low_water CHAT_PAUSE_BYTES. */
void chat_set_callbacks(ws_server_callbacks_t* callbacks);

#ifdef CHAT_WITH_REDIS
#include "uvws_redis.h"

/* Shares the rooms with the other chat processes on bus (cluster.h):
 * messages, joins and leaves go through each room's stream, and names
 * are unique, the member list and the history are the room's, across
 * nodes. A member's presence lasts ttl_ms unless its node refreshes it
 * (every ttl_ms / 3), which bounds how long a crashed node's members stay
 * listed. While Redis is away the chat works as one node. Call before
 * the server listens. Returns 0, or a libuv error. */
int chat_use_redis(chat_t* chat, uv_loop_t* loop, ws_redis_bus_t* bus,
                   int64_t ttl_ms);
/* Stops refreshing presence: call once the server has closed, before
 * closing the bus. */
void chat_stop_redis(chat_t* chat);
#endif

#endif /* CHAT_CHAT_H */
