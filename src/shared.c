/* Rooms across the loops of a server (ws_server_attach()): a shared room
 * has a part on each loop, an ordinary room of that loop's server, which
 * its members join from their own loop. A broadcast, from any thread,
 * encodes the frame once and posts one reference to it to each loop; the
 * loop delivers it to its part's members as a local broadcast does (in
 * order with each member's other output, the slow-consumer policy
 * applied). A frame of up to 4 KiB is copied once per loop into the
 * part's buffer of that loop iteration, so that a burst of broadcasts
 * takes one segment in each member's queue, as local ones do; a larger
 * one is shared as it is. The frame is freed once every loop is done with
 * it: its loops count down atomically, and each loop counts its own
 * members' references without atomics. */
#include "uvws_int.h"

#include <stdatomic.h>
#include <string.h>

struct ws_shared_room_s {
  ws__group_t* group;
  ws__list_t node;                    /* the group's shared rooms */
  /* parts[i] is touched only on loop i. */
  ws_room_t* parts[WS__GROUP_MAX];
  atomic_size_t refs;                 /* destroy posts still to run */
};

int ws_shared_room_new(ws_shared_room_t** proom, ws_server_t* server) {
  ws_shared_room_t* room;

  if (proom == NULL || server == NULL)
    return WS_EINVAL;
  room = ws__calloc(1, sizeof(*room));
  if (room == NULL)
    return WS_ENOMEM;
  room->group = server->group;
  ws__group_lock(room->group);
  ws__list_insert_tail(ws__group_shared_rooms(room->group), &room->node);
  ws__group_unlock(room->group);
  *proom = room;
  return 0;
}

void ws__shared_rooms_free(ws__group_t* group) {
  ws__list_t* list;
  ws_shared_room_t* room;

  list = ws__group_shared_rooms(group);
  while (!ws__list_empty(list)) {
    room = WS__CONTAINER_OF(list->next, ws_shared_room_t, node);
    ws__list_remove(&room->node);
    ws__free(room);
  }
}

static void ws__shared_room_unref(ws_shared_room_t* room) {
  if (atomic_fetch_sub(&room->refs, 1) == 1)
    ws__free(room);
}

typedef struct {
  ws__post_t post;
  ws_shared_room_t* room;
  unsigned int index;
} ws__part_post_t;

/* On loop index: its part goes (unless the server closed, and its rooms
 * with it). */
static void ws__part_destroy_cb(ws__post_t* post, ws_server_t* server,
                                int status) {
  ws__part_post_t* p;

  (void) server;
  p = (ws__part_post_t*) post;
  if (status == 0) {
    ws_room_destroy(p->room->parts[p->index]);
    p->room->parts[p->index] = NULL;
  }
  ws__shared_room_unref(p->room);
  ws__free(p);
}

void ws_shared_room_destroy(ws_shared_room_t* room) {
  unsigned int slots[WS__GROUP_MAX];
  unsigned int indexes[WS__GROUP_MAX];
  ws__part_post_t* p;
  unsigned int n;
  unsigned int i;

  if (room == NULL)
    return;
  ws__group_lock(room->group);
  ws__list_remove(&room->node);
  ws__group_unlock(room->group);
  n = ws__group_slots(room->group, slots, indexes);
  /* One reference for each loop's post, and one for this call. */
  atomic_store(&room->refs, (size_t) n + 1);
  for (i = 0; i < n; i++) {
    /* A part that cannot be destroyed now (no memory, or its server is
     * closing) goes with its server. */
    p = ws__malloc(sizeof(*p));
    if (p != NULL) {
      p->post.cb = ws__part_destroy_cb;
      p->room = room;
      p->index = indexes[i];
      if (ws__post(slots[i], &p->post) == 0)
        continue;
      ws__free(p);
    }
    ws__shared_room_unref(room);
  }
  ws__shared_room_unref(room);
}

/* The part on conn's loop, or NULL if conn is not the group's. */
static ws_room_t** ws__shared_room_part(ws_shared_room_t* room,
                                        const ws_conn_t* conn) {
  ws_server_t* server;

  server = ws__server_of(conn);
  if (server == NULL || server->group != room->group)
    return NULL;
  return &room->parts[server->group_index];
}

int ws_shared_room_join(ws_shared_room_t* room, ws_conn_t* conn) {
  ws_room_t** part;
  int r;

  if (room == NULL || conn == NULL)
    return WS_EINVAL;
  part = ws__shared_room_part(room, conn);
  if (part == NULL)
    return WS_EINVAL;
  if (!ws__conn_is_open(conn))
    return WS_ECLOSED;
  if (*part == NULL) {
    r = ws_room_new(part, ws__server_of(conn));
    if (r != 0)
      return r;
  }
  return ws_room_join(*part, conn);
}

int ws_shared_room_leave(ws_shared_room_t* room, ws_conn_t* conn) {
  ws_room_t** part;

  if (room == NULL || conn == NULL)
    return WS_EINVAL;
  part = ws__shared_room_part(room, conn);
  if (part == NULL || *part == NULL)
    return WS_EINVAL;
  return ws_room_leave(*part, conn);
}

int ws_shared_room_contains(ws_shared_room_t* room, const ws_conn_t* conn) {
  ws_room_t** part;

  if (room == NULL || conn == NULL)
    return 0;
  part = ws__shared_room_part(room, conn);
  return part != NULL && ws_room_contains(*part, conn);
}

/* ---- Broadcast ---- */

typedef struct ws__xframe_s ws__xframe_t;

/* One loop's reference to a frame: the post that takes it there, and the
 * loop's own count of its members' references. */
typedef struct {
  ws__post_t post;
  ws__shared_t local;
  ws__xframe_t* frame;
  unsigned int index;
} ws__frame_ref_t;

/* One allocation: the frame and a reference for each loop. */
struct ws__xframe_s {
  atomic_size_t loops;       /* references of loops not done with it */
  ws_shared_room_t* room;
  ws_conn_id_t except;
  unsigned char* bytes;
  size_t len;
  unsigned int count;
  ws__frame_ref_t refs[1];
};

static void ws__frame_unref(ws__xframe_t* frame) {
  if (atomic_fetch_sub(&frame->loops, 1) == 1)
    ws__free(frame);
}

/* The loop's last member has written (or dropped) the frame. */
static void ws__frame_ref_release(ws__shared_t* local) {
  ws__frame_unref(WS__CONTAINER_OF(local, ws__frame_ref_t, local)->frame);
}

static void ws__frame_deliver_cb(ws__post_t* post, ws_server_t* server,
                                 int status) {
  ws__frame_ref_t* ref;
  const ws_conn_t* except;
  ws__xframe_t* frame;
  ws_room_t* part;

  ref = WS__CONTAINER_OF(post, ws__frame_ref_t, post);
  frame = ref->frame;
  part = status == 0 ? frame->room->parts[ref->index] : NULL;
  if (part == NULL || part->count == 0) {
    ws__frame_unref(frame);
    return;
  }
  except = frame->except != 0
               ? ws__mailbox_find(&server->mailbox, frame->except)
               : NULL;
  /* A small frame is copied into the part's buffer of this iteration:
   * with the others there, it costs each member no segment of its own. A
   * large one (or one the buffer has no memory for) is shared as it is,
   * this loop's members counting their references to it without
   * atomics. */
  if (frame->len <= WS__ROOM_COPY_MAX &&
      ws__room_broadcast_frame(part, frame->bytes, frame->len, except) !=
          WS_ENOMEM) {
    ws__frame_unref(frame);
    return;
  }
  ref->local.refcount = 1;
  ref->local.len = 0;
  ref->local.release = ws__frame_ref_release;
  ws__room_deliver(part, &ref->local, frame->bytes, frame->len, except);
  ws__shared_unref(&ref->local);
}

int ws_shared_room_broadcast(ws_shared_room_t* room, ws_opcode_t opcode,
                             const void* data, size_t len,
                             ws_conn_id_t except) {
  unsigned int slots[WS__GROUP_MAX];
  unsigned int indexes[WS__GROUP_MAX];
  ws__xframe_t* frame;
  ws__frame_ref_t* ref;
  size_t size;
  unsigned int n;
  unsigned int i;

  if (room == NULL || (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY) ||
      (data == NULL && len > 0) || len > WS_MAX_LIMIT)
    return WS_EINVAL;
  n = ws__group_slots(room->group, slots, indexes);
  if (n == 0)
    return WS_ECLOSED;
  size = offsetof(ws__xframe_t, refs) + n * sizeof(ws__frame_ref_t);
  frame = ws__malloc(size + WS__MAX_HEADER + len);
  if (frame == NULL)
    return WS_ENOMEM;
  frame->room = room;
  frame->except = except;
  frame->count = n;
  frame->bytes = (unsigned char*) frame + size;
  frame->len = ws__frame_header(frame->bytes, (unsigned int) opcode, len,
                                NULL);
  if (len > 0)
    memcpy(frame->bytes + frame->len, data, len);
  frame->len += len;
  atomic_store(&frame->loops, (size_t) n + 1);
  for (i = 0; i < n; i++) {
    ref = &frame->refs[i];
    ref->post.cb = ws__frame_deliver_cb;
    ref->frame = frame;
    ref->index = indexes[i];
    if (ws__post(slots[i], &ref->post) != 0)
      ws__frame_unref(frame); /* that loop's server is closing */
  }
  ws__frame_unref(frame);
  return 0;
}
