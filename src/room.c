/* Rooms and broadcast: one encoded frame shared by every member's queue. */
#include "uvws_int.h"

#include <string.h>

static void ws__room_end_batch(ws_room_t* room);

int ws_room_new(ws_room_t** proom, ws_server_t* server) {
  ws_room_t* room;

  if (proom == NULL || server == NULL || server->hub.closing)
    return WS_EINVAL;
  room = ws__calloc(1, sizeof(*room));
  if (room == NULL)
    return WS_ENOMEM;
  room->server = server;
  ws__list_init(&room->members);
  ws__list_insert_tail(&server->rooms, &room->node);
  *proom = room;
  return 0;
}

static void ws__member_free(ws__member_t* member) {
  ws_room_t* room;

  room = member->room;
  if (room->cursor == member)
    room->cursor = member->room_node.next == &room->members
                       ? NULL
                       : WS__CONTAINER_OF(member->room_node.next,
                                          ws__member_t, room_node);
  ws__list_remove(&member->room_node);
  ws__list_remove(&member->conn_node);
  room->count--;
  ws__free(member);
}

void ws_room_destroy(ws_room_t* room) {
  if (room == NULL)
    return;
  while (!ws__list_empty(&room->members))
    ws__member_free(WS__CONTAINER_OF(room->members.next, ws__member_t,
                                     room_node));
  if (room->destroyed != NULL)
    *room->destroyed = 1;
  ws__room_end_batch(room);
  ws__list_remove(&room->node);
  ws__free(room);
}

static ws__member_t* ws__room_find(const ws_room_t* room,
                                   const ws_conn_t* conn) {
  const ws__list_t* node;
  ws__member_t* member;

  if (conn->extra == NULL)
    return NULL;
  /* A connection is in few rooms: search its list, not the room's. */
  for (node = conn->extra->rooms.next; node != &conn->extra->rooms;
       node = node->next) {
    member = WS__CONTAINER_OF(node, ws__member_t, conn_node);
    if (member->room == room)
      return member;
  }
  return NULL;
}

int ws_room_join(ws_room_t* room, ws_conn_t* conn) {
  ws__member_t* member;

  /* A room's frames are unmasked: a client's connection (whose server is
   * NULL) cannot join. */
  if (room == NULL || conn == NULL || ws__server_of(conn) != room->server ||
      ws__room_find(room, conn) != NULL)
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  if (ws__conn_extra(conn) == NULL)
    return WS_ENOMEM;
  member = ws__malloc(sizeof(*member));
  if (member == NULL)
    return WS_ENOMEM;
  member->room = room;
  member->conn = conn;
  ws__list_insert_tail(&room->members, &member->room_node);
  ws__list_insert_tail(&conn->extra->rooms, &member->conn_node);
  room->count++;
  return 0;
}

int ws_room_leave(ws_room_t* room, ws_conn_t* conn) {
  ws__member_t* member;

  if (room == NULL || conn == NULL)
    return WS_EINVAL;
  member = ws__room_find(room, conn);
  if (member == NULL)
    return WS_EINVAL;
  ws__member_free(member);
  return 0;
}

int ws_room_contains(const ws_room_t* room, const ws_conn_t* conn) {
  return room != NULL && conn != NULL && ws__room_find(room, conn) != NULL;
}

size_t ws_room_count(const ws_room_t* room) {
  return room != NULL ? room->count : 0;
}

void ws_room_foreach(ws_room_t* room, void (*cb)(ws_conn_t* conn, void* arg),
                     void* arg) {
  ws__member_t* member;
  int destroyed;

  if (room == NULL || cb == NULL || ws__list_empty(&room->members))
    return;
  destroyed = 0;
  room->destroyed = &destroyed;
  /* The cursor moves on when the member it points at leaves. */
  room->cursor = WS__CONTAINER_OF(room->members.next, ws__member_t,
                                  room_node);
  while (room->cursor != NULL) {
    member = room->cursor;
    room->cursor = member->room_node.next == &room->members
                       ? NULL
                       : WS__CONTAINER_OF(member->room_node.next,
                                          ws__member_t, room_node);
    cb(member->conn, arg);
    if (destroyed)
      return;
  }
  room->destroyed = NULL;
}

/* Smallest buffer a room starts for one loop iteration's broadcasts. */
#define WS__BATCH_MIN (16 * 1024)

static void ws__room_end_batch(ws_room_t* room) {
  if (room->batch == NULL)
    return;
  ws__shared_unref(room->batch);
  room->batch = NULL;
  ws__list_remove(&room->batch_node);
}

/* Room for a frame of len bytes at the end of this iteration's buffer. */
static int ws__room_reserve(ws_room_t* room, size_t len) {
  size_t cap;

  if (room->batch != NULL && room->batch_cap - room->batch->len >= len)
    return 0;
  ws__room_end_batch(room);
  cap = len > WS__BATCH_MIN ? len : WS__BATCH_MIN;
  room->batch = ws__shared_new(cap);
  if (room->batch == NULL)
    return WS_ENOMEM;
  room->batch->len = 0;
  room->batch_cap = cap;
  ws__list_insert_tail(&room->server->batching_rooms, &room->batch_node);
  ws__hub_schedule_flush(&room->server->hub);
  return 0;
}

/* Counts a broadcast: queued for queued members, slow for slow ones. */
static void ws__room_count(ws_room_t* room, unsigned int opcode, size_t len,
                           int queued, int slow) {
#ifndef WS__NO_COUNTERS
  ws__hub_t* hub;

  hub = &room->server->hub;
  WS__COUNT_N(hub, messages_out, queued);
  WS__COUNT_N(hub, message_bytes_out, (uint64_t) len * (uint64_t) queued);
  WS__COUNT_N(hub, frames_out[ws__frame_kind(opcode)], queued);
  room->stats.broadcasts++;
  room->stats.deliveries += (uint64_t) queued;
  room->stats.bytes += len;
  if (hub->options.slow_policy == WS_SLOW_SKIP)
    room->stats.skips += (uint64_t) slow;
  else
    room->stats.slow_closes += (uint64_t) slow;
#else
  (void) room;
  (void) opcode;
  (void) len;
  (void) queued;
  (void) slow;
#endif
}

/* How a member gets a broadcast of len bytes. */
typedef enum {
  WS__SHARE_PLAIN,      /* the uncompressed frame */
  WS__SHARE_COMPRESSED, /* the frame compressed once for every member */
  WS__SHARE_OWN         /* its own: it keeps its compression context, or
                           compresses with a smaller window */
} ws__share_t;

static ws__share_t ws__member_share(const ws_conn_t* conn, size_t len) {
  if (!ws__deflate_wanted(conn, len))
    return WS__SHARE_PLAIN;
  return ws__deflate_shares(conn) ? WS__SHARE_COMPRESSED : WS__SHARE_OWN;
}

/* Whether a member (but except) takes the frame compressed once. */
static int ws__room_wants_compressed(const ws_room_t* room, size_t len,
                                     const ws_conn_t* except) {
  const ws__list_t* node;
  const ws_conn_t* conn;

  if (!room->server->hub.options.deflate)
    return 0;
  for (node = room->members.next; node != &room->members; node = node->next) {
    conn = WS__CONTAINER_OF(node, ws__member_t, room_node)->conn;
    if (conn != except && ws__conn_is_open(conn) &&
        ws__member_share(conn, len) == WS__SHARE_COMPRESSED)
      return 1;
  }
  return 0;
}

/* Writes a server's frame at out; returns its length. */
static size_t ws__room_frame(unsigned char* out, unsigned int opcode,
                             const void* data, size_t len) {
  size_t n;

  n = ws__frame_header(out, opcode, len, NULL);
  out[0] |= opcode & WS__FRAME_RSV1;
  if (len > 0)
    memcpy(out + n, data, len);
  return n + len;
}

/* Queues the broadcast on one member: frame_len bytes of shared at frame,
 * or with frame NULL a frame of its own made from data. 1 if queued, -1
 * if the member is slow, 0 if it is dropped for lack of memory. */
static int ws__room_queue(ws_conn_t* conn, ws__shared_t* shared,
                          unsigned char* frame, size_t frame_len,
                          const void* data, size_t len,
                          unsigned int opcode) {
  ws__outq_t* q;
  int r;

  if (!ws__conn_queue_has_room(conn, frame_len)) {
    ws__conn_on_slow(conn);
    return -1;
  }
  q = ws__conn_data_queue(conn);
  if (frame == NULL)
    r = ws__conn_queue_message(conn, q, opcode, data, len);
  else if (q == NULL)
    r = WS_ENOMEM;
  else
    r = ws__outq_append_shared(q, shared, frame, frame_len);
  if (r != 0) {
    /* No member misses a message silently: this one is dropped. */
    ws__conn_fail_later(conn, WS_ENOMEM);
    return 0;
  }
  ws__conn_mark_dirty(conn);
  ws__conn_note_queued(conn);
  return 1;
}

int ws__room_deliver(ws_room_t* room, ws__shared_t* shared,
                     const ws__frames_t* frames, const ws_conn_t* except) {
  const unsigned char* payload;
  ws__frame_t header;
  ws__list_t* node;
  ws_conn_t* conn;
  ws__share_t share;
  size_t len;
  int queued;
  int slow;
  int r;

  /* The plain frame is one of ours: its header parses. */
  ws__frame_parse(frames->plain, frames->plain_len, &header);
  payload = frames->plain + header.header_len;
  len = (size_t) header.payload_len;
  queued = 0;
  slow = 0;
  /* Nothing here calls back into user code, so the room and its members
   * cannot change under this loop. */
  for (node = room->members.next; node != &room->members; node = node->next) {
    conn = WS__CONTAINER_OF(node, ws__member_t, room_node)->conn;
    if (conn == except || !ws__conn_is_open(conn))
      continue;
    share = ws__member_share(conn, len);
    if (share == WS__SHARE_OWN)
      r = ws__room_queue(conn, NULL, NULL, WS__MAX_HEADER + len, payload, len,
                         header.opcode);
    else if (share == WS__SHARE_COMPRESSED && frames->z != NULL)
      r = ws__room_queue(conn, shared, frames->z, frames->z_len, NULL, 0, 0);
    else
      r = ws__room_queue(conn, shared, frames->plain, frames->plain_len,
                         NULL, 0, 0);
    if (r > 0)
      queued++;
    else if (r < 0)
      slow++;
  }
  ws__room_count(room, header.opcode, len, queued, slow);
  return queued;
}

int ws_room_broadcast(ws_room_t* room, ws_opcode_t opcode, const void* data,
                      size_t len, ws_conn_t* except) {
  const unsigned char* z;
  ws__frames_t frames;
  size_t zlen;
  int r;

  if (room == NULL || (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY) ||
      (data == NULL && len > 0) || len > WS_MAX_LIMIT)
    return WS_EINVAL;
  if (room->count == 0)
    return 0;
  /* Compressed once, for every member that resets its context. */
  zlen = 0;
  z = NULL;
  if (ws__room_wants_compressed(room, len, except)) {
    r = ws__deflate_message(&room->server->hub, NULL, data, len, &z, &zlen);
    if (r < 0)
      return WS_ENOMEM;
    if (r > 0)
      z = NULL; /* no smaller: every member gets the plain frame */
  }
  if (ws__room_reserve(room, WS__MAX_HEADER + len +
                                 (z != NULL ? WS__MAX_HEADER + zlen : 0)) !=
      0)
    return WS_ENOMEM;
  frames.plain = room->batch->data + room->batch->len;
  frames.plain_len = ws__room_frame(frames.plain, (unsigned int) opcode, data,
                                    len);
  room->batch->len += frames.plain_len;
  frames.z = NULL;
  frames.z_len = 0;
  if (z != NULL) {
    frames.z = room->batch->data + room->batch->len;
    frames.z_len = ws__room_frame(frames.z,
                                  (unsigned int) opcode | WS__FRAME_RSV1, z,
                                  zlen);
    room->batch->len += frames.z_len;
  }
  return ws__room_deliver(room, room->batch, &frames, except);
}

int ws__room_broadcast_frame(ws_room_t* room, const ws__frames_t* frames,
                             const ws_conn_t* except) {
  ws__frames_t copy;

  if (room->count == 0)
    return 0;
  if (ws__room_reserve(room, frames->plain_len + frames->z_len) != 0)
    return WS_ENOMEM;
  copy.plain = room->batch->data + room->batch->len;
  copy.plain_len = frames->plain_len;
  memcpy(copy.plain, frames->plain, frames->plain_len);
  room->batch->len += frames->plain_len;
  copy.z = NULL;
  copy.z_len = 0;
  if (frames->z != NULL) {
    copy.z = room->batch->data + room->batch->len;
    copy.z_len = frames->z_len;
    memcpy(copy.z, frames->z, frames->z_len);
    room->batch->len += frames->z_len;
  }
  return ws__room_deliver(room, room->batch, &copy, except);
}

void ws__server_end_batches(ws_server_t* server) {
  while (!ws__list_empty(&server->batching_rooms))
    ws__room_end_batch(WS__CONTAINER_OF(server->batching_rooms.next,
                                        ws_room_t, batch_node));
}

ws_server_t* ws_room_server(const ws_room_t* room) {
  return room->server;
}

void* ws_room_get_data(const ws_room_t* room) {
  return room->data;
}

void ws_room_set_data(ws_room_t* room, void* data) {
  room->data = data;
}

void ws__conn_leave_rooms(ws_conn_t* conn) {
  if (conn->extra == NULL)
    return;
  while (!ws__list_empty(&conn->extra->rooms))
    ws__member_free(WS__CONTAINER_OF(conn->extra->rooms.next, ws__member_t,
                                     conn_node));
}

void ws__server_destroy_rooms(ws_server_t* server) {
  while (!ws__list_empty(&server->rooms))
    ws_room_destroy(WS__CONTAINER_OF(server->rooms.next, ws_room_t, node));
}
