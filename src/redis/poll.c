/* hiredis's event hooks on a uv_poll_t, one per connection.
 *
 * Not hiredis's own adapters/libuv.h: the one Debian 12 ships (0.14.1)
 * drops a poll error on the floor (a refused connect or a reset
 * connection then hangs for ever, since libuv has stopped the poll), and
 * frees its handle with no way to learn when it is gone, which a bus
 * needs to know before it may say it is closed. */
#include "redis_int.h"

#include <stdlib.h>

typedef struct {
  uv_poll_t handle;
  redisAsyncContext* ac;  /* NULL once hiredis let go of it */
  ws__redis_closed_cb on_closed;
  void* arg;
  int events;
} ws__redis_poll_t;

static void ws__redis_poll_cb(uv_poll_t* handle, int status, int events) {
  ws__redis_poll_t* p;

  p = handle->data;
  /* On an error libuv has stopped the poll: let hiredis try both ways,
   * which makes it meet the error and drop the connection. */
  if (status < 0)
    events = p->events;
  if (p->ac != NULL && (events & UV_READABLE))
    redisAsyncHandleRead(p->ac);
  if (p->ac != NULL && (events & UV_WRITABLE))
    redisAsyncHandleWrite(p->ac);
}

static void ws__redis_poll_update(ws__redis_poll_t* p) {
  if (p->events != 0)
    uv_poll_start(&p->handle, p->events, ws__redis_poll_cb);
  else
    uv_poll_stop(&p->handle);
}

static void ws__redis_add_read(void* privdata) {
  ws__redis_poll_t* p;

  p = privdata;
  p->events |= UV_READABLE;
  ws__redis_poll_update(p);
}

static void ws__redis_del_read(void* privdata) {
  ws__redis_poll_t* p;

  p = privdata;
  p->events &= ~UV_READABLE;
  ws__redis_poll_update(p);
}

static void ws__redis_add_write(void* privdata) {
  ws__redis_poll_t* p;

  p = privdata;
  p->events |= UV_WRITABLE;
  ws__redis_poll_update(p);
}

static void ws__redis_del_write(void* privdata) {
  ws__redis_poll_t* p;

  p = privdata;
  p->events &= ~UV_WRITABLE;
  ws__redis_poll_update(p);
}

static void ws__redis_poll_closed(uv_handle_t* handle) {
  ws__redis_closed_cb on_closed;
  ws__redis_poll_t* p;
  void* arg;

  p = handle->data;
  on_closed = p->on_closed;
  arg = p->arg;
  free(p);
  on_closed(arg);
}

static void ws__redis_cleanup(void* privdata) {
  ws__redis_poll_t* p;

  p = privdata;
  p->ac = NULL;
  uv_close((uv_handle_t*) &p->handle, ws__redis_poll_closed);
}

int ws__redis_attach(redisAsyncContext* ac, uv_loop_t* loop,
                     ws__redis_closed_cb on_closed, void* arg) {
  ws__redis_poll_t* p;
  int err;

  p = calloc(1, sizeof(*p));
  if (p == NULL)
    return WS_ENOMEM;
  err = uv_poll_init(loop, &p->handle, ac->c.fd);
  if (err != 0) {
    free(p);
    return err;
  }
  p->handle.data = p;
  p->ac = ac;
  p->on_closed = on_closed;
  p->arg = arg;
  ac->ev.data = p;
  ac->ev.addRead = ws__redis_add_read;
  ac->ev.delRead = ws__redis_del_read;
  ac->ev.addWrite = ws__redis_add_write;
  ac->ev.delWrite = ws__redis_del_write;
  ac->ev.cleanup = ws__redis_cleanup;
  return 0;
}
