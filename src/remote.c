/* Posting to a server's loop from any thread. Each server has a mailbox:
 * a uv_async_t and a short-locked queue, drained on the loop at most
 * max_posts_per_wakeup posts a wake-up. Mailboxes live in a process-wide registry, so that a connection
 * id (the mailbox's slot and a serial number never reused) can be
 * resolved from any thread without touching memory that may be freed:
 * a closed mailbox leaves the registry before its memory goes. */
#include "uvws_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ---- The registry: mailboxes by slot ---- */

static uv_once_t ws__registry_once = UV_ONCE_INIT;
static uv_rwlock_t ws__registry_lock;
static ws__mailbox_t** ws__registry;   /* guarded by ws__registry_lock */
static unsigned int ws__registry_cap;

/* Serial numbers of connection ids: never reused in a process. */
static atomic_uint_fast64_t ws__next_serial;

#define WS__SLOT_MAX 0xffffu
#define WS__SERIAL_MASK ((UINT64_C(1) << 48) - 1)

static void ws__registry_init(void) {
  if (uv_rwlock_init(&ws__registry_lock) != 0)
    abort();
}

/* Takes a free slot for box; WS_ENOMEM if none. Under the write lock. */
static int ws__registry_add(ws__mailbox_t* box) {
  ws__mailbox_t** grown;
  unsigned int cap;
  unsigned int i;

  for (i = 0; i < ws__registry_cap; i++)
    if (ws__registry[i] == NULL)
      break;
  if (i == ws__registry_cap) {
    if (ws__registry_cap > WS__SLOT_MAX)
      return WS_ENOMEM;
    cap = ws__registry_cap != 0 ? ws__registry_cap * 2 : 16;
    if (cap > WS__SLOT_MAX + 1)
      cap = WS__SLOT_MAX + 1;
    /* Not ws__realloc(): the registry outlives any allocator swap. */
    grown = realloc(ws__registry, cap * sizeof(*grown));
    if (grown == NULL)
      return WS_ENOMEM;
    memset(grown + ws__registry_cap, 0,
           (cap - ws__registry_cap) * sizeof(*grown));
    ws__registry = grown;
    ws__registry_cap = cap;
  }
  ws__registry[i] = box;
  box->slot = i;
  return 0;
}

static void ws__mailbox_on_async(uv_async_t* async);

int ws__mailbox_open(ws__mailbox_t* box, ws_server_t* server) {
  int r;

  uv_once(&ws__registry_once, ws__registry_init);
  memset(box, 0, sizeof(*box));
  box->server = server;
  box->tail = &box->head;
  box->ready_tail = &box->ready;
  if (uv_mutex_init(&box->lock) != 0)
    return WS_ENOMEM;
  uv_rwlock_wrlock(&ws__registry_lock);
  r = ws__registry_add(box);
  uv_rwlock_wrunlock(&ws__registry_lock);
  if (r != 0) {
    uv_mutex_destroy(&box->lock);
    return r;
  }
  uv_async_init(server->hub.loop, &box->async, ws__mailbox_on_async);
  /* Posts wake the loop; the mailbox alone does not keep it running. */
  uv_unref((uv_handle_t*) &box->async);
  box->async.data = box;
  server->hub.handle_count++;
  box->open = 1;
  return 0;
}

int ws__post(unsigned int slot, ws__post_t* post) {
  ws__mailbox_t* box;

  uv_once(&ws__registry_once, ws__registry_init);
  post->next = NULL;
  uv_rwlock_rdlock(&ws__registry_lock);
  box = slot < ws__registry_cap ? ws__registry[slot] : NULL;
  if (box == NULL) {
    uv_rwlock_rdunlock(&ws__registry_lock);
    return WS_ECLOSED;
  }
  uv_mutex_lock(&box->lock);
  *box->tail = post;
  box->tail = &post->next;
  uv_mutex_unlock(&box->lock);
  /* Under the read lock: the mailbox cannot leave the registry, so its
   * handle is not closing. libuv coalesces the wake-ups. */
  uv_async_send(&box->async);
  uv_rwlock_rdunlock(&ws__registry_lock);
  return 0;
}

/* Moves every post queued so far behind those ready to run. */
static void ws__mailbox_take(ws__mailbox_t* box) {
  uv_mutex_lock(&box->lock);
  if (box->head != NULL) {
    *box->ready_tail = box->head;
    box->ready_tail = box->tail;
    box->head = NULL;
    box->tail = &box->head;
  }
  uv_mutex_unlock(&box->lock);
}

/* Runs up to max ready posts, in order; returns how many ran. A post that
 * closes the server leaves the rest to the close callback. */
static size_t ws__mailbox_run(ws__mailbox_t* box, size_t max, int status) {
  ws__post_t* post;
  size_t n;

  for (n = 0; n < max && box->ready != NULL; n++) {
    if (status == 0 && !box->open)
      break;
    post = box->ready;
    box->ready = post->next;
    if (box->ready == NULL)
      box->ready_tail = &box->ready;
    post->cb(post, box->server, status);
  }
  return n;
}

static void ws__mailbox_on_async(uv_async_t* async) {
  ws__mailbox_t* box;
  unsigned int max;

  box = async->data;
  max = box->server->hub.options.max_posts_per_wakeup;
  if (max == 0)
    max = WS__POSTS_PER_WAKEUP;
  ws__mailbox_take(box);
  ws__mailbox_run(box, max, 0);
  /* The rest waits for the next turn, after the loop's I/O: a flood of
   * posts cannot starve the connections. Posts made meanwhile wake the
   * loop anyway. */
  if (box->ready != NULL && box->open)
    uv_async_send(&box->async);
}

static void ws__mailbox_on_closed(uv_handle_t* handle) {
  ws__mailbox_t* box;
  ws__hub_t* hub;

  box = handle->data;
  hub = &box->server->hub;
  /* Nothing can be posted any more: what came last is dropped. */
  ws__mailbox_take(box);
  ws__mailbox_run(box, SIZE_MAX, WS_ECLOSED);
  uv_mutex_destroy(&box->lock);
  /* Connections still closing find no table to leave. */
  ws__free(box->ids);
  box->ids = NULL;
  box->id_cap = 0;
  box->id_count = 0;
  hub->handle_count--;
  ws__hub_maybe_closed(hub);
}

void ws__mailbox_close(ws__mailbox_t* box) {
  if (!box->open)
    return;
  box->open = 0;
  /* Once out of the registry, no thread touches the mailbox: senders
   * hold the read lock while they do. */
  uv_rwlock_wrlock(&ws__registry_lock);
  ws__registry[box->slot] = NULL;
  uv_rwlock_wrunlock(&ws__registry_lock);
  /* Posts queued already are dropped from the loop (the close callback),
   * never from inside the caller. */
  uv_close((uv_handle_t*) &box->async, ws__mailbox_on_closed);
}

/* ---- Connection ids: an open-addressing table on the loop ---- */

static size_t ws__id_home(const ws__mailbox_t* box, ws_conn_id_t id) {
  return (size_t) ((id * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
         (box->id_cap - 1);
}

static void ws__ids_put(ws__mailbox_t* box, ws_conn_t* conn) {
  size_t i;

  i = ws__id_home(box, ws__conn_id_of(conn));
  while (box->ids[i] != NULL)
    i = (i + 1) & (box->id_cap - 1);
  box->ids[i] = conn;
  box->id_count++;
}

static int ws__ids_grow(ws__mailbox_t* box) {
  ws_conn_t** old;
  size_t old_cap;
  size_t i;

  old = box->ids;
  old_cap = box->id_cap;
  box->id_cap = old_cap != 0 ? old_cap * 2 : 64;
  box->ids = ws__calloc(box->id_cap, sizeof(*box->ids));
  if (box->ids == NULL) {
    box->ids = old;
    box->id_cap = old_cap;
    return WS_ENOMEM;
  }
  box->id_count = 0;
  for (i = 0; i < old_cap; i++)
    if (old[i] != NULL)
      ws__ids_put(box, old[i]);
  ws__free(old);
  return 0;
}

static size_t ws__ids_index(const ws__mailbox_t* box, ws_conn_id_t id) {
  size_t i;

  if (box->id_cap == 0)
    return SIZE_MAX;
  for (i = ws__id_home(box, id); box->ids[i] != NULL;
       i = (i + 1) & (box->id_cap - 1))
    if (ws__conn_id_of(box->ids[i]) == id)
      return i;
  return SIZE_MAX;
}

ws_conn_t* ws__mailbox_find(const ws__mailbox_t* box, ws_conn_id_t id) {
  size_t i;

  i = ws__ids_index(box, id);
  return i == SIZE_MAX ? NULL : box->ids[i];
}

void ws__mailbox_forget(ws__mailbox_t* box, ws_conn_t* conn) {
  size_t mask;
  size_t home;
  size_t i;
  size_t j;

  i = ws__conn_id_of(conn) != 0 ? ws__ids_index(box, ws__conn_id_of(conn))
                                 : SIZE_MAX;
  if (i == SIZE_MAX)
    return;
  /* Backward-shift deletion: every entry stays reachable from its home. */
  mask = box->id_cap - 1;
  box->ids[i] = NULL;
  box->id_count--;
  for (j = (i + 1) & mask; box->ids[j] != NULL; j = (j + 1) & mask) {
    home = ws__id_home(box, ws__conn_id_of(box->ids[j]));
    if (((j - home) & mask) >= ((j - i) & mask)) {
      box->ids[i] = box->ids[j];
      box->ids[j] = NULL;
      i = j;
    }
  }
}

ws_conn_id_t ws_conn_id(ws_conn_t* conn) {
  ws_server_t* server;
  ws__mailbox_t* box;
  uint64_t serial;

  if (conn == NULL)
    return 0;
  if (ws__conn_id_of(conn) != 0)
    return conn->extra->id;
  server = ws__server_of(conn);
  if (server == NULL || conn->state == WS__CONN_CLOSED ||
      ws__conn_extra(conn) == NULL)
    return 0;
  box = &server->mailbox;
  if (!box->open ||
      ((box->id_count + 1) * 2 > box->id_cap && ws__ids_grow(box) != 0))
    return 0;
  serial = (atomic_fetch_add(&ws__next_serial, 1) + 1) & WS__SERIAL_MASK;
  conn->extra->id = ((ws_conn_id_t) box->slot << 48) | serial;
  ws__ids_put(box, conn);
  return conn->extra->id;
}

/* ---- Sending, pinging and closing through an id ---- */

typedef enum { WS__POST_SEND, WS__POST_PING, WS__POST_CLOSE } ws__post_kind_t;

typedef struct {
  ws__post_t post;
  ws_conn_id_t id;
  ws__post_kind_t kind;
  unsigned int arg;          /* the opcode, or the close code */
  size_t len;
  unsigned char data[1];
} ws__conn_post_t;

static void ws__conn_post_cb(ws__post_t* post, ws_server_t* server,
                             int status) {
  ws__conn_post_t* p;
  ws_conn_t* conn;
  int r;

  p = (ws__conn_post_t*) post;
  r = status;
  if (r == 0) {
    conn = ws__mailbox_find(&server->mailbox, p->id);
    if (conn == NULL)
      r = WS_ECLOSED;
    else if (p->kind == WS__POST_SEND)
      r = ws_conn_send(conn, (ws_opcode_t) p->arg, p->data, p->len);
    else if (p->kind == WS__POST_PING)
      r = ws_conn_ping(conn, p->data, p->len);
    else
      r = ws_conn_close(conn, (uint16_t) p->arg, (const char*) p->data,
                        p->len);
  }
  if (r != 0 && server->callbacks.on_post_dropped != NULL)
    server->callbacks.on_post_dropped(server, p->id, r);
  ws__free(p);
}

static int ws__post_conn(ws_conn_id_t id, ws__post_kind_t kind,
                         unsigned int arg, const void* data, size_t len) {
  ws__conn_post_t* p;
  int r;

  if (id == 0 || (data == NULL && len > 0) ||
      len > SIZE_MAX - sizeof(*p))
    return WS_EINVAL;
  p = ws__malloc(sizeof(*p) + len);
  if (p == NULL)
    return WS_ENOMEM;
  p->post.cb = ws__conn_post_cb;
  p->id = id;
  p->kind = kind;
  p->arg = arg;
  p->len = len;
  if (len > 0)
    memcpy(p->data, data, len);
  r = ws__post(WS__ID_SLOT(id), &p->post);
  if (r != 0)
    ws__free(p);
  return r;
}

int ws_post_send(ws_conn_id_t id, ws_opcode_t opcode, const void* data,
                 size_t len) {
  if (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY)
    return WS_EINVAL;
  return ws__post_conn(id, WS__POST_SEND, (unsigned int) opcode, data, len);
}

int ws_post_ping(ws_conn_id_t id, const void* data, size_t len) {
  if (len > 125)
    return WS_EINVAL;
  return ws__post_conn(id, WS__POST_PING, 0, data, len);
}

int ws_post_close(ws_conn_id_t id, uint16_t code, const char* reason,
                  size_t reason_len) {
  if (!ws__close_code_sendable(code) || reason_len > 123 ||
      (reason == NULL && reason_len > 0) ||
      !ws__utf8_valid((const unsigned char*) reason, reason_len))
    return WS_EINVAL;
  return ws__post_conn(id, WS__POST_CLOSE, code, reason, reason_len);
}

/* ---- Running a function on a connection's loop ---- */

typedef struct {
  ws__post_t post;
  ws_conn_id_t id;
  ws_post_call_cb cb;
  void* arg;
} ws__call_post_t;

static void ws__call_post_cb(ws__post_t* post, ws_server_t* server,
                             int status) {
  ws__call_post_t* p;
  ws_conn_t* conn;

  p = (ws__call_post_t*) post;
  conn = status == 0 ? ws__mailbox_find(&server->mailbox, p->id) : NULL;
  p->cb(conn, p->arg);
  ws__free(p);
}

int ws_post_call(ws_conn_id_t id, ws_post_call_cb cb, void* arg) {
  ws__call_post_t* p;
  int r;

  if (id == 0 || cb == NULL)
    return WS_EINVAL;
  p = ws__malloc(sizeof(*p));
  if (p == NULL)
    return WS_ENOMEM;
  p->post.cb = ws__call_post_cb;
  p->id = id;
  p->cb = cb;
  p->arg = arg;
  r = ws__post(WS__ID_SLOT(id), &p->post);
  if (r != 0)
    ws__free(p);
  return r;
}
