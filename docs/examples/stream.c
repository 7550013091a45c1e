/* Streams a large message to every client as fast as each one reads it,
 * in fragments, with on_drain: no message is built whole, and a slow
 * reader holds at most max_queued_bytes. */
#include <stdio.h>
#include <string.h>
#include <uvws.h>

#define TOTAL (64 * 1024 * 1024) /* bytes each client gets */
#define PIECE (64 * 1024)

typedef struct {
  size_t sent;
} stream_t;

static char piece[PIECE];

/* Sends pieces until the message is done or the queue is full. */
static void pump(ws_conn_t* conn) {
  stream_t* s;
  size_t n;
  int r;

  s = ws_conn_get_data(conn);
  while (s->sent < TOTAL) {
    n = TOTAL - s->sent < PIECE ? TOTAL - s->sent : PIECE;
    r = ws_conn_send_fragment(conn, piece, n, s->sent + n == TOTAL);
    if (r == WS_EQUEUEFULL)
      return; /* on_drain calls pump() again */
    if (r != 0) {
      ws_conn_close(conn, WS_CLOSE_INTERNAL_ERROR, NULL, 0);
      return;
    }
    s->sent += n;
  }
}

static void on_open(ws_conn_t* conn) {
  static stream_t streams[1024];
  static size_t next;

  streams[next % 1024].sent = 0;
  ws_conn_set_data(conn, &streams[next++ % 1024]);
  if (ws_conn_send_begin(conn, WS_OP_BINARY) == 0)
    pump(conn);
}

static void on_drain(ws_conn_t* conn) {
  pump(conn);
}

int main(void) {
  uv_loop_t* loop = uv_default_loop();
  ws_server_callbacks_t callbacks = { 0 };
  ws_server_options_t options;
  ws_server_t* server;
  int err;

  memset(piece, 'x', sizeof(piece));
  ws_server_options_init(&options);
  options.max_queued_bytes = 1 << 20; /* what one slow reader may cost */
  callbacks.on_open = on_open;
  callbacks.on_drain = on_drain;
  if ((err = ws_server_new(&server, loop, &options, &callbacks)) != 0 ||
      (err = ws_server_listen(server, "127.0.0.1", 8080)) != 0) {
    fprintf(stderr, "stream: %s\n", ws_strerror(err));
    return 1;
  }
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop);
}
