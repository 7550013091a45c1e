/* wslay event contexts hold two 4 KiB buffers each, so connections borrow
 * one only while they need it: while a fragmented message or a close
 * handshake is under way, or during one call that feeds whole frames.
 * They do not buffer data messages: recv.c assembles those. */
#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

/* Free contexts kept for reuse; more are freed when returned. */
#define WS__ENGINE_POOL_MAX 64

static ssize_t ws__engine_recv(wslay_event_context_ptr ctx, uint8_t* buf,
                               size_t len, int flags, void* user_data) {
  ws__engine_t* engine;

  (void) flags;
  engine = user_data;
  if (engine->in_len == 0) {
    wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    return -1;
  }
  if (len > engine->in_len)
    len = engine->in_len;
  memcpy(buf, engine->in, len);
  engine->in += len;
  engine->in_len -= len;
  return (ssize_t) len;
}

static ssize_t ws__engine_send(wslay_event_context_ptr ctx,
                               const uint8_t* data, size_t len, int flags,
                               void* user_data) {
  ws__engine_t* engine;

  ws_conn_t* conn;

  (void) flags;
  engine = user_data;
  conn = engine->conn;
  /* What wslay writes for us counts against the queue limit too. */
  if (!ws__conn_queue_has_room(conn, len)) {
    ws__conn_fail_later(conn, WS_EQUEUEFULL);
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  if (ws__outq_append(&conn->out, data, len, NULL, 0) != 0) {
    ws__conn_fail_later(conn, WS_ENOMEM);
    wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
  }
  return (ssize_t) len;
}

static void ws__engine_on_frame_start(
    wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_start_arg* arg, void* user_data) {
  ws__engine_t* engine;

  (void) ctx;
  engine = user_data;
  engine->data_frame = !(arg->opcode & 0x08);
}

/* wslay does not buffer data frames (no_buffering): their payload comes
 * here, unmasked and checked, for the connection to assemble. */
static void ws__engine_on_frame_chunk(
    wslay_event_context_ptr ctx,
    const struct wslay_event_on_frame_recv_chunk_arg* arg, void* user_data) {
  ws__engine_t* engine;

  (void) ctx;
  engine = user_data;
  if (engine->data_frame)
    ws__conn_on_wslay_chunk(engine->conn, arg->data, arg->data_length);
}

static void ws__engine_on_msg(wslay_event_context_ptr ctx,
                              const struct wslay_event_on_msg_recv_arg* arg,
                              void* user_data) {
  ws__engine_t* engine;

  (void) ctx;
  engine = user_data;
  ws__conn_on_wslay_message(engine->conn, arg);
}

/* Masking keys for the close frames wslay writes for a client. */
static int ws__engine_genmask(wslay_event_context_ptr ctx, uint8_t* buf,
                              size_t len, void* user_data) {
  ws__engine_t* engine;
  unsigned char key[4];
  size_t n;

  (void) ctx;
  engine = user_data;
  for (; len > 0; buf += n, len -= n) {
    engine->conn->hub->role->mask_key(engine->conn, key);
    n = len < sizeof(key) ? len : sizeof(key);
    memcpy(buf, key, n);
  }
  return 0;
}

static const struct wslay_event_callbacks ws__engine_callbacks = {
  ws__engine_recv, ws__engine_send, ws__engine_genmask,
  ws__engine_on_frame_start, ws__engine_on_frame_chunk, NULL,
  ws__engine_on_msg
};

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
    if (hub->role->wslay_init(&engine->ctx, &ws__engine_callbacks,
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
  return engine;
}

void ws__engine_return(ws__hub_t* hub, ws__engine_t* engine) {
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
