/* libFuzzer target: a whole connection, without a socket, fed arbitrary
 * bytes. The first byte picks how: bit 0 prepends a valid handshake (so
 * the rest is frames), bits 1-4 set the size of each read, bit 5 makes it
 * a client's connection, already open (so the rest is server frames). */
#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

static const char upgrade[] =
    "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

static void echo(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                 size_t len) {
  ws_conn_send(conn, opcode, data, len);
  if (len > 0 && ((const unsigned char*) data)[0] == 'C')
    ws_conn_close(conn, 4000, "asked", 5);
  if (len > 0 && ((const unsigned char*) data)[0] == 'P')
    ws_conn_ping(conn, data, len > 125 ? 125 : len);
}

static void drain(ws_conn_t* conn) {
  if (ws__conn_has_busy(conn))
    ws__outq_consume(&conn->busy->out, conn->busy->out.bytes);
  ws__conn_flush(conn);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static uv_loop_t loop;
  unsigned char* copy;
  static int ready;
  ws_client_options_t client_options;
  ws_client_callbacks_t client_cb;
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_client_t* client;
  ws_server_t* server;
  ws_conn_t* conn;
  size_t step;
  size_t n;

  if (size == 0)
    return 0;
  copy = malloc(size + sizeof(upgrade));
  if (copy == NULL)
    return 0;
  if (!ready) {
    uv_loop_init(&loop);
    ready = 1;
  }
  ws_server_options_init(&options);
  options.max_message_size = 64 * 1024;
  options.max_header_size = 1024;
  options.max_queued_bytes = 256 * 1024;
  memset(&cb, 0, sizeof(cb));
  cb.on_message = echo;
  client = NULL;
  server = NULL;
  if (data[0] & 0x20) {
    ws_client_options_init(&client_options);
    client_options.max_message_size = options.max_message_size;
    client_options.max_queued_bytes = options.max_queued_bytes;
    memset(&client_cb, 0, sizeof(client_cb));
    client_cb.on_message = echo;
    if (ws_client_new(&client, &loop, &client_options, &client_cb) != 0)
      abort();
    /* A client is its hub: the same struct, first. */
    conn = ws__conn_new((ws__hub_t*) client);
    conn->detached = 1;
    ws__conn_open(conn);
  } else {
    if (ws_server_new(&server, &loop, &options, &cb) != 0)
      abort();
    conn = ws__conn_new(&server->hub);
    conn->detached = 1;
  }
  step = ((data[0] >> 1) & 15) + 1;
  step = step == 16 ? size : step * step;
  if ((data[0] & 0x21) == 1) {
    memcpy(copy, upgrade, sizeof(upgrade) - 1);
    ws__conn_feed(conn, copy, sizeof(upgrade) - 1);
    drain(conn);
  }
  data++;
  size--;
  while (size > 0 && conn->state != WS__CONN_CLOSED) {
    n = size < step ? size : step;
    /* The connection unmasks in place: give it a copy, as the server's
     * read buffer is. */
    memcpy(copy, data, n);
    ws__conn_feed(conn, copy, n);
    drain(conn);
    data += n;
    size -= n;
  }
  ws__conn_abort(conn, WS_ESHUTDOWN);
  ws__conn_free(conn);
  if (client != NULL)
    ws_client_close(client, NULL);
  else
    ws_server_close(server, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  free(copy);
  return 0;
}
