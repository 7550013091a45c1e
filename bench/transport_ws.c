/* The WebSocket transport: ws_client_t's callbacks, handed on to conn.c. */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static void ws_on_open(ws_conn_t* conn) {
  bconn_t* c;

  c = ws_conn_get_data(conn);
  c->ws = conn;
  conn_on_open(c);
}

static void ws_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                          const void* data, size_t len) {
  conn_on_message(ws_conn_get_data(conn), (int) opcode, data, len);
}

static void ws_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  char why[160];
  bconn_t* c;

  c = ws_conn_get_data(conn);
  c->ws = NULL;
  snprintf(why, sizeof(why), "closed by the server: %u %.*s %s",
           (unsigned) info->code, (int) info->reason_len,
           info->reason != NULL ? info->reason : "",
           info->error ? ws_err_name(info->error) : "");
  conn_on_closed(c, c->w->stopping ? NULL : why);
}

static void ws_on_connect_error(ws_conn_t* conn, int error) {
  bconn_t* c;

  c = ws_conn_get_data(conn);
  c->ws = NULL;
  conn_on_failed(c, error);
}

void transport_ws_callbacks(ws_client_callbacks_t* cb) {
  memset(cb, 0, sizeof(*cb));
  cb->on_open = ws_on_open;
  cb->on_message = ws_on_message;
  cb->on_close = ws_on_close;
  cb->on_connect_error = ws_on_connect_error;
}
