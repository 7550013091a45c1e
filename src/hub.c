/* The hub: what a server and a client share. The loop, the read buffer
 * every connection reads into, the flush of all pending output before
 * each poll, the wslay pool, the timer wheel, the connection list, and
 * closing the handles once the connections are gone. */
#include "uvws_int.h"

#include <signal.h>
#include <string.h>

/* One read buffer serves every connection: libuv reads one socket at a
 * time, and each read is fully consumed before the next. */
#define WS__READ_BUF_SIZE (64 * 1024)

static int ws__options_valid(const ws_server_options_t* o) {
  return o->max_message_size > 0 && o->max_message_size <= WS_MAX_LIMIT &&
         o->max_queued_bytes > 0 && o->max_queued_bytes <= WS_MAX_LIMIT &&
         o->max_header_size >= 64 &&
         o->backlog > 0 && (o->ping_interval == 0 || o->pong_timeout > 0) &&
         o->drain_low_water < o->max_queued_bytes &&
         (o->deflate == 0 || o->deflate == 1) &&
         (o->deflate_window_bits == 0 ||
          (o->deflate_window_bits >= 8 && o->deflate_window_bits <= 15)) &&
         o->deflate_mem_level >= 0 && o->deflate_mem_level <= 9;
}

/* A tick a tenth of the shortest timeout keeps each within 10% of its value
 * without waking the loop more than needed. */
static uint64_t ws__wheel_tick(const ws_server_options_t* o) {
  uint64_t shortest;
  uint64_t values[5];
  int i;

  values[0] = o->handshake_timeout;
  values[1] = o->idle_timeout;
  values[2] = o->ping_interval;
  values[3] = o->pong_timeout;
  values[4] = o->close_timeout;
  shortest = 0;
  for (i = 0; i < 5; i++)
    if (values[i] != 0 && (shortest == 0 || values[i] < shortest))
      shortest = values[i];
  shortest /= 10;
  if (shortest < 5)
    return 5;
  return shortest > 1000 ? 1000 : shortest;
}

/* A write to a peer that has gone raises SIGPIPE, whose default action
 * kills the process; libuv does not prevent it on Linux. Ignore it, unless
 * the program chose what to do with it. Once per process: loops on other
 * threads may make hubs at the same time. */
static uv_once_t ws__sigpipe_once = UV_ONCE_INIT;

static void ws__ignore_sigpipe(void) {
#ifdef SIGPIPE
  void (*old)(int);

  old = signal(SIGPIPE, SIG_IGN);
  if (old != SIG_DFL && old != SIG_ERR)
    signal(SIGPIPE, old);
#endif
}

static void ws__hub_on_prepare(uv_prepare_t* prepare);

int ws__hub_init(ws__hub_t* hub, uv_loop_t* loop, const ws__role_t* role,
                 const ws__io_t* io, const ws_server_options_t* options) {
  hub->options = *options;
  if (!ws__options_valid(&hub->options))
    return WS_EINVAL;
  if (hub->options.log_level == 0)
    hub->options.log_level = WS_LOG_INFO;
  hub->drain_low_water = hub->options.drain_low_water != 0
                             ? hub->options.drain_low_water
                             : hub->options.max_queued_bytes / 4;
  hub->read_buf_size = WS__READ_BUF_SIZE;
  hub->read_buf = ws__malloc(hub->read_buf_size);
  if (hub->read_buf == NULL)
    return WS_ENOMEM;
  uv_once(&ws__sigpipe_once, ws__ignore_sigpipe);
  hub->loop = loop;
  hub->role = role;
  hub->io = io;
  hub->data = options->data;
  ws__list_init(&hub->conns);
  ws__list_init(&hub->dirty);
  ws__list_init(&hub->deferred);
  ws__wheel_init(&hub->wheel, ws__wheel_tick(&hub->options));
  uv_timer_init(loop, &hub->wheel.timer);
  uv_prepare_init(loop, &hub->flush);
  ws__list_init(&hub->tls_warm);
  uv_timer_init(loop, &hub->tls_idle);
  uv_unref((uv_handle_t*) &hub->tls_idle);
  hub->handle_count = 3;
  return 0;
}

uv_buf_t ws__hub_read_buf(ws__hub_t* hub) {
  /* Lent already only if a callback runs a nested loop: read nothing. */
  if (hub->read_buf_busy)
    return uv_buf_init(NULL, 0);
  hub->read_buf_busy = 1;
  return uv_buf_init((char*) hub->read_buf, (unsigned int) hub->read_buf_size);
}

void ws__hub_return_read_buf(ws__hub_t* hub, const char* base) {
  if (base == (const char*) hub->read_buf)
    hub->read_buf_busy = 0;
}

void ws__hub_schedule_flush(ws__hub_t* hub) {
  if (!uv_is_active((uv_handle_t*) &hub->flush))
    uv_prepare_start(&hub->flush, ws__hub_on_prepare);
}

void ws__hub_defer(ws__hub_t* hub, ws__deferred_t* deferred) {
  if (ws__list_linked(&deferred->node))
    return;
  ws__list_insert_tail(&hub->deferred, &deferred->node);
  ws__hub_schedule_flush(hub);
}

static void ws__hub_run_deferred(ws__hub_t* hub) {
  ws__deferred_t* deferred;

  while (!ws__list_empty(&hub->deferred)) {
    deferred = WS__CONTAINER_OF(hub->deferred.next, ws__deferred_t, node);
    ws__list_remove(&deferred->node);
    deferred->cb(deferred);
  }
}

static void ws__hub_on_prepare(uv_prepare_t* prepare) {
  ws__hub_t* hub;

  hub = WS__CONTAINER_OF(prepare, ws__hub_t, flush);
  /* What the flush calls back may defer more: run it before the poll. */
  do {
    ws__hub_run_deferred(hub);
    hub->io->on_flush(hub);
  } while (!ws__list_empty(&hub->deferred));
  if (hub->role->flushed != NULL)
    hub->role->flushed(hub);
  uv_prepare_stop(&hub->flush);
}

static void ws__on_hub_handle_closed(uv_handle_t* handle) {
  ws__hub_t* hub;

  hub = handle->data;
  hub->handle_count--;
  ws__hub_maybe_closed(hub);
}

void ws__hub_maybe_closed(ws__hub_t* hub) {
  if (!hub->closing || hub->conn_count > 0)
    return;
  if (!uv_is_closing((uv_handle_t*) &hub->flush)) {
    hub->flush.data = hub;
    hub->wheel.timer.data = hub;
    uv_close((uv_handle_t*) &hub->flush, ws__on_hub_handle_closed);
    uv_close((uv_handle_t*) &hub->wheel.timer, ws__on_hub_handle_closed);
    hub->tls_idle.data = hub;
    uv_close((uv_handle_t*) &hub->tls_idle, ws__on_hub_handle_closed);
    if (hub->close_deadline != 0) {
      hub->close_timer.data = hub;
      uv_close((uv_handle_t*) &hub->close_timer, ws__on_hub_handle_closed);
    }
    return;
  }
  if (hub->handle_count > 0)
    return;
  ws__engine_pool_free(hub);
  ws__busy_pool_free(hub);
  ws__deflate_pool_free(hub);
  ws__outq_free_spare(&hub->spare_seg);
  ws__free(hub->read_buf);
  hub->read_buf = NULL;
  hub->role->hub_closed(hub); /* frees the hub */
}

/* The deadline passed: every connection left hears it, as from the wheel
 * (it is each one's next deadline now), and is dropped. */
static void ws__hub_on_close_deadline(uv_timer_t* timer) {
  ws__list_t* node;
  ws__list_t* next;
  ws__hub_t* hub;
  uint64_t now;

  hub = WS__CONTAINER_OF(timer, ws__hub_t, close_timer);
  now = uv_now(hub->loop);
  for (node = hub->conns.next; node != &hub->conns; node = next) {
    next = node->next;
    hub->io->on_deadline(WS__CONTAINER_OF(node, ws_conn_t, node), now);
  }
}

int ws__hub_close_within(ws__hub_t* hub, uint64_t timeout) {
  uint64_t now;
  int r;

  r = uv_timer_init(hub->loop, &hub->close_timer);
  if (r != 0)
    return r;
  hub->handle_count++;
  now = uv_now(hub->loop);
  /* The farthest deadline is "never", not a wrap into the past. */
  hub->close_deadline = timeout < UINT64_MAX - now ? now + timeout
                                                   : UINT64_MAX;
  return uv_timer_start(&hub->close_timer, ws__hub_on_close_deadline,
                        timeout, 0);
}

void ws__hub_close(ws__hub_t* hub) {
  hub->closing = 1;
  ws__hub_maybe_closed(hub);
}
