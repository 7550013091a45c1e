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
 * members' references without atomics.
 *
 * With permessage-deflate, a broadcast is compressed once, on the
 * broadcasting thread (with a stream the room keeps between broadcasts),
 * once a member that shares compressed frames has joined on any loop:
 * the compressed frame travels with the plain one, and each loop gives
 * each member the one it takes (members that keep a context compress
 * their own there). */
#include "uvws_int.h"

#include <stdatomic.h>
#include <string.h>

struct ws_shared_room_s {
  ws__group_t* group;
  ws__list_t node;                    /* the group's shared rooms */
  /* parts[i] is touched only on loop i. */
  ws_room_t* parts[WS__GROUP_MAX];
  atomic_size_t refs;                 /* destroy posts still to run */
  /* permessage-deflate: the server's options (for its window, memory
   * level and threshold), whether to compress, and the stream. */
  ws_server_options_t options;
  atomic_int compress;                /* a member shares compressed frames */
  _Atomic(ws__zstream_t*) deflater;   /* kept between broadcasts */
  atomic_uint_least64_t deflate_calls;
};

int ws_shared_room_new(ws_shared_room_t** proom, ws_server_t* server) {
  ws_shared_room_t* room;

  if (proom == NULL || server == NULL)
    return WS_EINVAL;
  room = ws__calloc(1, sizeof(*room));
  if (room == NULL)
    return WS_ENOMEM;
  room->group = server->group;
  /* Every server of the group has the first one's options. */
  room->options = server->hub.options;
  ws__group_lock(room->group);
  ws__list_insert_tail(ws__group_shared_rooms(room->group), &room->node);
  ws__group_unlock(room->group);
  *proom = room;
  return 0;
}

static void ws__shared_room_free(ws_shared_room_t* room) {
  ws__deflater_free(atomic_load(&room->deflater));
  ws__free(room);
}

void ws__shared_rooms_free(ws__group_t* group) {
  ws__list_t* list;
  ws_shared_room_t* room;

  list = ws__group_shared_rooms(group);
  while (!ws__list_empty(list)) {
    room = WS__CONTAINER_OF(list->next, ws_shared_room_t, node);
    ws__list_remove(&room->node);
    ws__shared_room_free(room);
  }
}

static void ws__shared_room_unref(ws_shared_room_t* room) {
  if (atomic_fetch_sub(&room->refs, 1) == 1)
    ws__shared_room_free(room);
}

uint64_t ws__shared_room_deflate_calls(ws_shared_room_t* room) {
  return atomic_load(&room->deflate_calls);
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
  r = ws_room_join(*part, conn);
  /* From now on broadcasts are compressed (never stopped: the member may
   * leave, another comes). */
  if (r == 0 && ws__deflate_shares(conn))
    atomic_store_explicit(&room->compress, 1, memory_order_relaxed);
  return r;
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

/* One allocation: the frames and a reference for each loop. */
struct ws__xframe_s {
  atomic_size_t loops;       /* references of loops not done with it */
  ws_shared_room_t* room;
  ws_conn_id_t except;
  ws__frames_t frames;       /* z after plain, in the same allocation */
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
  if (frame->frames.plain_len + frame->frames.z_len <= WS__ROOM_COPY_MAX &&
      ws__room_broadcast_frame(part, &frame->frames, except) != WS_ENOMEM) {
    ws__frame_unref(frame);
    return;
  }
  ref->local.refcount = 1;
  ref->local.len = 0;
  ref->local.release = ws__frame_ref_release;
  ws__room_deliver(part, &ref->local, &frame->frames, except);
  ws__shared_unref(&ref->local);
}

/* Compresses a broadcast once for the members that share compressed
 * frames, if one has joined: *out is a new allocation, or NULL (none, or
 * it would not be smaller). 0 or WS_ENOMEM. */
static int ws__shared_room_compress(ws_shared_room_t* room, const void* data,
                                    size_t len, unsigned char** out,
                                    size_t* out_len) {
  ws__zstream_t* s;
  int r;

  *out = NULL;
  if (!room->options.deflate ||
      !atomic_load_explicit(&room->compress, memory_order_relaxed) ||
      !ws__deflate_worth(&room->options, len))
    return 0;
  /* The room's stream, unless another thread's broadcast has it. */
  s = atomic_exchange(&room->deflater, NULL);
  if (s == NULL)
    s = ws__deflater_new(ws__deflate_window_bits(&room->options),
                         ws__deflate_mem_level(&room->options));
  if (s == NULL)
    return WS_ENOMEM;
  r = ws__deflate_detached(s, data, len, out, out_len);
  atomic_fetch_add(&room->deflate_calls, 1);
  ws__deflater_free(atomic_exchange(&room->deflater, s));
  return r < 0 ? r : 0;
}

int ws_shared_room_broadcast(ws_shared_room_t* room, ws_opcode_t opcode,
                             const void* data, size_t len,
                             ws_conn_id_t except) {
  unsigned int slots[WS__GROUP_MAX];
  unsigned int indexes[WS__GROUP_MAX];
  ws__xframe_t* frame;
  ws__frame_ref_t* ref;
  unsigned char* z;
  ws__frames_t* f;
  size_t zlen;
  size_t size;
  unsigned int n;
  unsigned int i;
  int r;

  if (room == NULL || (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY) ||
      (data == NULL && len > 0) || len > WS_MAX_LIMIT)
    return WS_EINVAL;
  n = ws__group_slots(room->group, slots, indexes);
  if (n == 0)
    return WS_ECLOSED;
  zlen = 0;
  r = ws__shared_room_compress(room, data, len, &z, &zlen);
  if (r != 0)
    return r;
  size = offsetof(ws__xframe_t, refs) + n * sizeof(ws__frame_ref_t);
  frame = ws__malloc(size + WS__MAX_HEADER + len +
                     (z != NULL ? WS__MAX_HEADER + zlen : 0));
  if (frame == NULL) {
    ws__free(z);
    return WS_ENOMEM;
  }
  frame->room = room;
  frame->except = except;
  frame->count = n;
  f = &frame->frames;
  f->plain = (unsigned char*) frame + size;
  f->plain_len = ws__frame_header(f->plain, (unsigned int) opcode, len, NULL);
  if (len > 0)
    memcpy(f->plain + f->plain_len, data, len);
  f->plain_len += len;
  f->z = NULL;
  f->z_len = 0;
  if (z != NULL) {
    f->z = f->plain + f->plain_len;
    f->z_len = ws__frame_header(f->z, (unsigned int) opcode, zlen, NULL);
    f->z[0] |= WS__FRAME_RSV1;
    memcpy(f->z + f->z_len, z, zlen);
    f->z_len += zlen;
    ws__free(z);
  }
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
