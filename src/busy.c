/* A connection's busy state (ws__busy_t), lent from the hub's pool while
 * the connection has output, a frame or message under way, or a ping or
 * pong waiting, so that an idle connection keeps none of it. An echo
 * takes one from the pool and gives it back within the same read. */
#include "uvws_int.h"

#define WS__BUSY_POOL_MIN 64

const ws__busy_t ws__conn_no_busy;

ws__busy_t* ws__busy_lend(ws__hub_t* hub, ws_conn_t* conn) {
  ws__busy_t* busy;

  busy = hub->free_busy;
  if (busy != NULL) {
    hub->free_busy = busy->next;
    hub->free_busy_count--;
    busy->next = NULL;
  } else {
    busy = ws__calloc(1, sizeof(*busy));
    if (busy == NULL)
      return NULL;
  }
  busy->conn = conn;
  busy->out.spare = &hub->spare_seg;
  return busy;
}

/* The pool keeps no more than there are connections, 64 at least: a
 * broadcast lends one to every member, then takes them all back. */
static int ws__busy_pool_full(const ws__hub_t* hub) {
  return hub->free_busy_count >= WS__BUSY_POOL_MIN &&
         hub->free_busy_count >= hub->conn_count;
}

void ws__busy_return(ws__hub_t* hub, ws__busy_t* busy) {
  if (ws__busy_pool_full(hub)) {
    ws__free(busy);
    return;
  }
  /* Everything else is zero or unlinked once nothing needs it. */
  busy->conn = NULL;
  busy->out.consumed = 0;
  busy->ping_sent = 0;
  busy->ping_consumed = 0;
  busy->pong_end = 0;
  busy->drain_mark = 0;
  busy->next = hub->free_busy;
  hub->free_busy = busy;
  hub->free_busy_count++;
}

void ws__busy_pool_trim(ws__hub_t* hub) {
  ws__busy_t* busy;

  while (hub->free_busy_count > WS__BUSY_POOL_MIN &&
         hub->free_busy_count > hub->conn_count) {
    busy = hub->free_busy;
    hub->free_busy = busy->next;
    hub->free_busy_count--;
    ws__free(busy);
  }
}

void ws__busy_pool_free(ws__hub_t* hub) {
  ws__busy_t* busy;

  while ((busy = hub->free_busy) != NULL) {
    hub->free_busy = busy->next;
    ws__free(busy);
  }
  hub->free_busy_count = 0;
}
