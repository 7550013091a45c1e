/* Where a server's connections go: accepting one from a listener (or a
 * hand-over), max_connections counted over every loop of the server, and
 * the group of servers that one server spans on several loops
 * (ws_server_attach()). The server that listens hands accepted sockets
 * round robin to the loops attached to it, over one IPC pipe per loop
 * (uv_write2(), libuv's way of moving a socket between loops), and keeps
 * its own share. The byte written with each socket says how to serve it:
 * 0 plaintext, k over TLS with the group's k-th TLS context. The pipes are socket pairs (uv_socketpair()), so
 * attaching is for Unix only for now: on Windows an IPC pipe between two
 * loops of one process needs a named pipe, bound and connected. */
#include "uvws_int.h"

#include <stdatomic.h>
#include <string.h>

/* The most TLS contexts (of TLS listeners) whose connections go to other
 * loops; a listener past them keeps its connections on its own loop. */
#define WS__GROUP_TLS_MAX 32
/* Hand-over bytes read before their sockets. */
#define WS__CHANNEL_TAGS 64

struct ws__group_s {
  uv_mutex_t lock;
  /* Guarded by lock: the loops' servers by index, NULL once closed. Of
   * another loop's server, only its mailbox's slot is read. */
  ws_server_t* members[WS__GROUP_MAX];
  unsigned int count;           /* attached so far, the first included */
  unsigned int live;            /* not closed yet */
  int closing;
  ws_server_close_cb close_cb;
  atomic_size_t conns;          /* connections on every loop */
  /* Guarded by lock: the listening loop's ends of the channels made by
   * ws_server_attach(), for it to open at its next accept. */
  uv_os_sock_t pending_socks[WS__GROUP_MAX];
  unsigned int pending_indexes[WS__GROUP_MAX];
  unsigned int pending_count;
  atomic_int pending;           /* pending_count > 0 */
  ws__list_t shared_rooms;      /* guarded by lock */
  /* Guarded by lock: the TLS contexts connections were handed over with,
   * a reference to each, kept until the group ends. */
  ws__tls_ctx_t* tls[WS__GROUP_TLS_MAX];
  unsigned int tls_count;
  atomic_size_t takeovers;      /* connections keeping deflate contexts */
};

/* One end of the IPC pipe between the listening loop and another. */
struct ws__channel_s {
  uv_pipe_t pipe;
  ws_server_t* server;          /* the server whose loop this end is on */
  /* The receiving end: hand-over bytes whose sockets are not taken yet. */
  unsigned char tags[WS__CHANNEL_TAGS];
  unsigned int tag_count;
  int dead;                     /* a hand-over failed: send no more */
};

/* A socket on its way to another loop: closed here once written. */
typedef struct {
  uv_write_t req;
  uv_tcp_t tcp;
  ws_server_t* server;
  ws__channel_t* channel;
  char tag;                     /* the hand-over byte */
} ws__handover_t;

int ws__group_new(ws_server_t* first) {
  ws__group_t* group;

  group = ws__calloc(1, sizeof(*group));
  if (group == NULL)
    return WS_ENOMEM;
  if (uv_mutex_init(&group->lock) != 0) {
    ws__free(group);
    return WS_ENOMEM;
  }
  group->members[0] = first;
  ws__list_init(&group->shared_rooms);
  group->count = 1;
  group->live = 1;
  first->group = group;
  first->group_index = 0;
  first->hub.takeovers = &group->takeovers;
  return 0;
}

static void ws__group_free(ws__group_t* group) {
  unsigned int i;

  for (i = 0; i < group->tls_count; i++)
    ws__tls_ctx_unref(group->tls[i]);
  uv_mutex_destroy(&group->lock);
  ws__free(group);
}

/* ---- Counting connections ---- */

int ws__group_admit(ws_conn_t* conn, ws_server_t* server) {
  size_t max;
  size_t count;

  conn->counted = 1;
  count = atomic_fetch_add(&server->group->conns, 1) + 1;
  /* Every server of the group has the first one's options. */
  max = server->hub.options.max_connections;
  return max == 0 || count <= max;
}

void ws__group_uncount(ws_conn_t* conn, ws_server_t* server) {
  if (!conn->counted)
    return;
  conn->counted = 0;
  atomic_fetch_sub(&server->group->conns, 1);
}

/* ---- Accepting ---- */

static void ws__on_refused_closed(uv_handle_t* handle) {
  ws__free(handle);
}

void ws__group_refuse_full(ws_conn_t* conn) {
  ws__stats_refused(conn->hub, 503, WS_HANDSHAKE_FULL);
  WS__LOG(conn->hub, WS_LOG_WARN, conn, "handshake refused: 503 (%s)",
          ws_handshake_failure_name(WS_HANDSHAKE_FULL));
  ws__handshake_refuse(conn, 503);
}

/* Takes the connection from stream and serves it on server's loop, over
 * TLS with tls (NULL: plaintext). */
static void ws__group_take(ws_server_t* server, uv_stream_t* stream,
                           ws__tls_ctx_t* tls) {
  ws_conn_t* conn;
  uv_tcp_t* spare;
  int admitted;
  int r;

  conn = server->hub.closing ? NULL : ws__conn_new(&server->hub);
  if (conn == NULL) {
    WS__COUNT(&server->hub, connections_dropped);
    WS__LOG(&server->hub, WS_LOG_WARN, NULL, "connection dropped: %s",
            server->hub.closing ? "server closing" : "out of memory");
    /* Take the connection off the backlog and drop it. */
    spare = ws__malloc(sizeof(*spare));
    if (spare == NULL)
      return;
    uv_tcp_init(server->hub.loop, spare);
    uv_accept(stream, (uv_stream_t*) spare);
    uv_close((uv_handle_t*) spare, ws__on_refused_closed);
    return;
  }
  WS__COUNT(&server->hub, connections_accepted);
  admitted = ws__group_admit(conn, server);
  ws__stream_init_tcp(conn);
  r = uv_accept(stream, ws__conn_stream(conn));
  if (r == 0 && tls != NULL)
    r = ws__tls_start(conn, tls, NULL);
  if (r == 0)
    r = ws__conn_transport(conn)->read_start(conn);
  if (r != 0) {
    ws__conn_abort(conn, r);
    return;
  }
  if (!admitted)
    ws__group_refuse_full(conn);
}

static void ws__handover_closed(uv_handle_t* handle) {
  ws__handover_t* h;
  ws_server_t* server;

  h = handle->data;
  server = h->server;
  ws__free(h);
  server->hub.handle_count--;
  ws__hub_maybe_closed(&server->hub);
}

static void ws__handover_written(uv_write_t* req, int status) {
  ws__handover_t* h;

  h = WS__CONTAINER_OF(req, ws__handover_t, req);
  if (status < 0)
    h->channel->dead = 1; /* the other loop has gone: this one is lost */
  uv_close((uv_handle_t*) &h->tcp, ws__handover_closed);
}

/* The byte that hands a connection over with tls (NULL: 0, plaintext), or
 * -1 if the group holds as many contexts as it may. */
static int ws__group_tls_tag(ws__group_t* group, ws__tls_ctx_t* tls) {
  unsigned int i;
  int tag;

  if (tls == NULL)
    return 0;
  tag = -1;
  uv_mutex_lock(&group->lock);
  for (i = 0; i < group->tls_count && group->tls[i] != tls; i++)
    ;
  if (i == group->tls_count && i < WS__GROUP_TLS_MAX) {
    ws__tls_ctx_ref(tls);
    group->tls[group->tls_count++] = tls;
  }
  if (i < group->tls_count)
    tag = (int) i + 1;
  uv_mutex_unlock(&group->lock);
  return tag;
}

/* Accepts from the listener into a socket that goes to channel's loop,
 * with its hand-over byte; 0, or an error and nothing was accepted. */
static int ws__group_hand_over(ws_server_t* server, uv_stream_t* listener,
                               ws__channel_t* channel, int tag) {
  ws__handover_t* h;
  uv_buf_t buf;
  int r;

  h = ws__malloc(sizeof(*h));
  if (h == NULL)
    return WS_ENOMEM;
  h->server = server;
  h->channel = channel;
  uv_tcp_init(server->hub.loop, &h->tcp);
  h->tcp.data = h;
  server->hub.handle_count++;
  r = uv_accept(listener, (uv_stream_t*) &h->tcp);
  if (r != 0) {
    uv_close((uv_handle_t*) &h->tcp, ws__handover_closed);
    return r;
  }
  h->tag = (char) tag;
  buf = uv_buf_init(&h->tag, 1);
  r = uv_write2(&h->req, (uv_stream_t*) &channel->pipe, &buf, 1,
                (uv_stream_t*) &h->tcp, ws__handover_written);
  if (r != 0) {
    channel->dead = 1;
    uv_close((uv_handle_t*) &h->tcp, ws__handover_closed);
  }
  return 0;
}

/* ---- The channels ---- */

static void ws__channel_closed(uv_handle_t* handle) {
  ws__channel_t* channel;
  ws_server_t* server;

  channel = handle->data;
  server = channel->server;
  ws__free(channel);
  server->hub.handle_count--;
  ws__hub_maybe_closed(&server->hub);
}

static void ws__channel_close(ws__channel_t* channel) {
  if (!uv_is_closing((uv_handle_t*) &channel->pipe))
    uv_close((uv_handle_t*) &channel->pipe, ws__channel_closed);
}

#ifndef _WIN32
/* The receiving end: an attached loop (Unix only for now). */

/* The TLS context of a hand-over byte; 0 if the byte names none. */
static int ws__group_tls_of(ws__group_t* group, unsigned char tag,
                            ws__tls_ctx_t** tls) {
  int ok;

  *tls = NULL;
  if (tag == 0)
    return 1;
  uv_mutex_lock(&group->lock);
  ok = tag <= group->tls_count;
  if (ok)
    *tls = group->tls[tag - 1];
  uv_mutex_unlock(&group->lock);
  return ok;
}

static void ws__channel_alloc(uv_handle_t* handle, size_t suggested,
                              uv_buf_t* buf) {
  ws__channel_t* channel;

  (void) suggested;
  channel = handle->data;
  *buf = uv_buf_init((char*) channel->tags + channel->tag_count,
                     WS__CHANNEL_TAGS - channel->tag_count);
}

static void ws__channel_read(uv_stream_t* stream, ssize_t nread,
                             const uv_buf_t* buf) {
  ws__channel_t* channel;
  ws__tls_ctx_t* tls;
  unsigned int taken;
  uv_pipe_t* pipe;

  (void) buf;
  channel = stream->data;
  pipe = &channel->pipe;
  if (nread < 0) {
    /* The listening loop closed its end. */
    ws__channel_close(channel);
    return;
  }
  channel->tag_count += (unsigned int) nread;
  /* Each socket came with one byte, in order. */
  for (taken = 0;
       taken < channel->tag_count && uv_pipe_pending_count(pipe) > 0;
       taken++) {
    if (uv_pipe_pending_type(pipe) != UV_TCP ||
        !ws__group_tls_of(channel->server->group, channel->tags[taken],
                          &tls)) {
      ws__channel_close(channel);
      return;
    }
    ws__group_take(channel->server, stream, tls);
  }
  channel->tag_count -= taken;
  memmove(channel->tags, channel->tags + taken, channel->tag_count);
  /* Bytes no socket comes with: not our loops' hand-overs. */
  if (channel->tag_count == WS__CHANNEL_TAGS)
    ws__channel_close(channel);
}
#endif

static void ws__close_sock(uv_os_sock_t sock) {
#ifdef _WIN32
  (void) sock;
#else
  uv_fs_t req;

  /* A socket is a file descriptor: a synchronous uv_fs_close(). */
  uv_fs_close(NULL, &req, sock, NULL);
  uv_fs_req_cleanup(&req);
#endif
}

/* A channel end on server's loop, open on sock (which it owns from now
 * on, even on failure: closing the handle closes it). */
static int ws__channel_open(ws_server_t* server, uv_os_sock_t sock,
                            ws__channel_t** pchannel) {
  ws__channel_t* channel;
  int r;

  channel = ws__calloc(1, sizeof(*channel));
  if (channel == NULL) {
    ws__close_sock(sock);
    return WS_ENOMEM;
  }
  channel->server = server;
  uv_pipe_init(server->hub.loop, &channel->pipe, 1);
  channel->pipe.data = channel;
  server->hub.handle_count++;
  r = uv_pipe_open(&channel->pipe, (uv_file) sock);
  if (r != 0) {
    ws__close_sock(sock);
    ws__channel_close(channel);
    return r;
  }
  *pchannel = channel;
  return 0;
}

/* On the listening loop: opens the ends of the channels attached loops
 * made since the last accept. */
static void ws__group_open_pending(ws_server_t* server) {
  ws__group_t* group;
  ws__channel_t* channel;
  uv_os_sock_t socks[WS__GROUP_MAX];
  unsigned int indexes[WS__GROUP_MAX];
  unsigned int n;
  unsigned int i;

  group = server->group;
  uv_mutex_lock(&group->lock);
  n = group->pending_count;
  memcpy(socks, group->pending_socks, n * sizeof(socks[0]));
  memcpy(indexes, group->pending_indexes, n * sizeof(indexes[0]));
  group->pending_count = 0;
  atomic_store(&group->pending, 0);
  uv_mutex_unlock(&group->lock);
  for (i = 0; i < n; i++) {
    if (server->hub.closing || ws__channel_open(server, socks[i],
                                                 &channel) != 0) {
      if (server->hub.closing)
        ws__close_sock(socks[i]);
      continue; /* that loop reads the end of its channel */
    }
    server->channels[indexes[i] - 1] = channel;
    if (indexes[i] > server->channel_count)
      server->channel_count = indexes[i];
  }
}

void ws__group_accept(ws_server_t* server, uv_stream_t* listener,
                      ws__tls_ctx_t* tls) {
  ws__channel_t* channel;
  unsigned int n;
  unsigned int i;
  int tag;

  if (server->group_index == 0 && atomic_load(&server->group->pending))
    ws__group_open_pending(server);
  /* Round robin over this loop (0) and the loops attached to it (1 ..
   * channel_count), skipping channels that broke. Only the first server
   * hands over: an attached one that listens keeps what it accepts. */
  tag = server->group_index == 0 && server->channel_count > 0
            ? ws__group_tls_tag(server->group, tls)
            : -1;
  for (n = 0; tag >= 0 && n <= server->channel_count; n++) {
    i = server->next_loop++ % (server->channel_count + 1);
    if (i == 0 || server->hub.closing)
      break;
    channel = server->channels[i - 1];
    if (channel != NULL && !channel->dead &&
        ws__group_hand_over(server, listener, channel, tag) == 0)
      return;
  }
  ws__group_take(server, listener, tls);
}

/* ---- The group ---- */

int ws__group_attach(ws_server_t* first, ws_server_t* server) {
#ifdef _WIN32
  (void) first;
  (void) server;
  return UV_ENOTSUP;
#else
  ws__channel_t* channel;
  ws__group_t* group;
  uv_os_sock_t socks[2];
  unsigned int index;
  int r;

  group = first->group;
  /* A socket pair: this loop reads one end, the listening loop opens the
   * other at its next accept. */
  r = uv_socketpair(SOCK_STREAM, 0, socks, 0, 0);
  if (r != 0)
    return r;
  r = ws__channel_open(server, socks[1], &channel);
  if (r == 0) {
    server->channels[0] = channel; /* closes with the server */
    r = uv_read_start((uv_stream_t*) &channel->pipe, ws__channel_alloc,
                      ws__channel_read);
  }
  if (r != 0) {
    ws__close_sock(socks[0]);
    return r;
  }
  uv_mutex_lock(&group->lock);
  if (group->closing || group->members[0] == NULL) {
    r = WS_ESHUTDOWN;
  } else if (group->count == WS__GROUP_MAX) {
    r = WS_EINVAL;
  } else {
    index = group->count++;
    group->members[index] = server;
    group->live++;
    group->pending_socks[group->pending_count] = socks[0];
    group->pending_indexes[group->pending_count] = index;
    group->pending_count++;
    atomic_store(&group->pending, 1);
  }
  uv_mutex_unlock(&group->lock);
  if (r != 0) {
    ws__close_sock(socks[0]);
    return r; /* the channel closes with the server */
  }
  server->group = group;
  server->group_index = index;
  server->hub.takeovers = &group->takeovers;
  return 0;
#endif
}

unsigned int ws__group_begin_close(ws_server_t* server,
                                   ws_server_close_cb cb,
                                   unsigned int* slots) {
  ws__group_t* group;
  unsigned int n;
  unsigned int i;

  group = server->group;
  n = 0;
  uv_mutex_lock(&group->lock);
  if (!group->closing) {
    group->closing = 1;
    group->close_cb = cb;
    for (i = 0; i < group->count; i++)
      if (i != server->group_index && group->members[i] != NULL)
        slots[n++] = group->members[i]->mailbox.slot;
  }
  uv_mutex_unlock(&group->lock);
  return n;
}

void ws__group_close_channels(ws_server_t* server) {
  ws__group_t* group;
  unsigned int i;

  /* The first server's closes the ends it has not opened yet. */
  group = server->group;
  if (group != NULL && server->group_index == 0) {
    uv_mutex_lock(&group->lock);
    for (i = 0; i < group->pending_count; i++)
      ws__close_sock(group->pending_socks[i]);
    group->pending_count = 0;
    uv_mutex_unlock(&group->lock);
  }

  for (i = 0; i < WS__GROUP_MAX; i++) {
    if (server->channels[i] != NULL)
      ws__channel_close(server->channels[i]);
    server->channels[i] = NULL;
  }
}

int ws__group_closed(ws_server_t* server, ws_server_close_cb* cb) {
  ws__group_t* group;
  int last;

  group = server->group;
  uv_mutex_lock(&group->lock);
  group->members[server->group_index] = NULL;
  last = --group->live == 0;
  *cb = group->close_cb;
  uv_mutex_unlock(&group->lock);
  return last;
}

void ws__group_destroy(ws__group_t* group) {
  ws__group_free(group);
}

unsigned int ws__group_slots(ws__group_t* group, unsigned int* slots,
                             unsigned int* indexes) {
  unsigned int n;
  unsigned int i;

  n = 0;
  uv_mutex_lock(&group->lock);
  for (i = 0; i < group->count; i++) {
    if (group->members[i] == NULL)
      continue;
    slots[n] = group->members[i]->mailbox.slot;
    indexes[n] = i;
    n++;
  }
  uv_mutex_unlock(&group->lock);
  return n;
}

ws__list_t* ws__group_shared_rooms(ws__group_t* group) {
  return &group->shared_rooms;
}

void ws__group_lock(ws__group_t* group) {
  uv_mutex_lock(&group->lock);
}

void ws__group_unlock(ws__group_t* group) {
  uv_mutex_unlock(&group->lock);
}
