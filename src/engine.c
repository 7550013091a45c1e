/* wslay event contexts hold two 4 KiB buffers each, so connections borrow
 * one only while they need it: while a fragmented message or a close
 * handshake is under way, or during one call that feeds whole frames.
 * Their callbacks are the hub's (recv.c's); they do not buffer data
 * messages, which recv.c assembles. */
#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

/* Free contexts kept for reuse; more are freed when returned. */
#define WS__ENGINE_POOL_MAX 64

ws__engine_t* ws__engine_lend(ws__hub_t* hub, ws_conn_t* conn) {
  ws__engine_t* engine;

  engine = hub->free_engines;
  if (engine != NULL) {
    hub->free_engines = engine->next;
    hub->free_engine_count--;
  } else {
    engine = ws__calloc(1, sizeof(*engine));
    if (engine == NULL)
      return NULL;
    if (hub->role->wslay_init(&engine->ctx, hub->io->wslay,
                              engine) != 0) {
      ws__free(engine);
      return NULL;
    }
    wslay_event_config_set_no_buffering(engine->ctx, 1);
    wslay_event_config_set_max_recv_msg_length(
        engine->ctx, hub->options.max_message_size);
  }
  engine->conn = conn;
  engine->next = NULL;
  WS__COUNT(hub, wslay_contexts_in_use);
  return engine;
}

void ws__engine_return(ws__hub_t* hub, ws__engine_t* engine) {
  WS__COUNT_N(hub, wslay_contexts_in_use, -1);
  if (hub->free_engine_count >= WS__ENGINE_POOL_MAX) {
    ws__engine_discard(engine);
    return;
  }
  engine->conn = NULL;
  engine->next = hub->free_engines;
  hub->free_engines = engine;
  hub->free_engine_count++;
}

void ws__engine_discard(ws__engine_t* engine) {
  wslay_event_context_free(engine->ctx);
  ws__free(engine);
}

void ws__engine_pool_free(ws__hub_t* hub) {
  ws__engine_t* engine;

  while ((engine = hub->free_engines) != NULL) {
    hub->free_engines = engine->next;
    ws__engine_discard(engine);
  }
  hub->free_engine_count = 0;
}
