/* The hub's pool of busy states (ws__busy_t), which conn.c lends to its
 * connections while they have output, a frame or message under way, or a
 * ping or pong waiting, so that an idle connection keeps none of it. An
 * echo takes one from the pool and gives it back within the same read. */
#include "uvws_int.h"

const ws__busy_t ws__conn_no_busy;

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
