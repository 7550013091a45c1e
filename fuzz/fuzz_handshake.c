/* libFuzzer target: a server connection's opening handshake, without a
 * socket, fed in pieces whose size the first byte picks. on_handshake
 * reads every accessor of the request and picks a subprotocol; on_http
 * answers. Whatever the bytes, a refusal is a 4xx or 5xx. */
#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

static void read_request(const ws_request_t* req) {
  const char* name;
  const char* value;
  size_t i;

  (void) ws_request_method(req);
  (void) ws_request_target(req);
  (void) ws_request_header(req, "Sec-WebSocket-Protocol");
  for (i = 0; i < ws_request_header_count(req); i++)
    if (ws_request_header_at(req, i, &name, &value) != 0 ||
        strlen(name) > 512 || strlen(value) > 512)
      abort();
}

static int on_handshake(ws_conn_t* conn, ws_request_t* req) {
  (void) conn;
  read_request(req);
  ws_request_select_subprotocol(req, "chat");
  ws_request_add_header(req, "X-Fuzz", "1");
  return 0;
}

static void on_http(ws_conn_t* conn, ws_request_t* req) {
  (void) conn;
  read_request(req);
  ws_request_respond(req, 200, "text/plain", "ok", 2);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static uv_loop_t loop;
  static int loop_ready;
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  unsigned char copy[64];
  size_t step;
  size_t n;

  if (size == 0)
    return 0;
  if (!loop_ready) {
    uv_loop_init(&loop);
    loop_ready = 1;
  }
  step = (size_t) data[0] % 64 + 1;
  data++;
  size--;
  ws_server_options_init(&options);
  options.max_header_size = 512;
  memset(&cb, 0, sizeof(cb));
  cb.on_handshake = on_handshake;
  cb.on_http = on_http;
  if (ws_server_new(&server, &loop, &options, &cb) != 0)
    abort();
  conn = ws__conn_new(&server->hub);
  conn->detached = 1;
  while (size > 0 && conn->state == WS__CONN_HANDSHAKE) {
    n = size < step ? size : step;
    memcpy(copy, data, n);
    ws__conn_feed(conn, copy, n);
    data += n;
    size -= n;
  }
  /* Draining after a 101: accepted, then bytes after the head that are no
   * valid frame, answered with a close. */
  if (conn->state == WS__CONN_DRAIN && conn->busy->out.head != NULL &&
      memcmp(conn->busy->out.head->base, "HTTP/1.1 ", 9) == 0 &&
      memcmp(conn->busy->out.head->base + 9, "101 ", 4) != 0 &&
      conn->busy->out.head->base[9] != '2' &&
      conn->busy->out.head->base[9] != '4' &&
      conn->busy->out.head->base[9] != '5')
    abort();
  ws__conn_abort(conn, WS_ESHUTDOWN);
  ws__conn_free(conn);
  ws_server_close(server, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  return 0;
}
