/* libFuzzer target: the inflate path of permessage-deflate. A server's
 * connection negotiates deflate, then gets the input as the compressed
 * payload of one message: byte 0 picks text or binary (bit 0), how many
 * fragments (bits 1-3) and the size of each read (bits 4-7); every message
 * delivered is echoed, so it is compressed again. A small
 * max_message_size makes bombs stop early. */
#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

static const char upgrade[] =
    "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";

static void echo(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                 size_t len) {
  ws_conn_send(conn, opcode, data, len);
}

static void drain(ws_conn_t* conn) {
  if (ws__conn_has_busy(conn))
    ws__outq_consume(&conn->busy->out, conn->busy->out.bytes);
  ws__conn_flush(conn);
}

/* Appends a masked client frame (key 0: the payload as it is). */
static size_t frame(unsigned char* out, int fin, int rsv1,
                    unsigned int opcode, const uint8_t* payload, size_t len) {
  size_t h;

  out[0] = (unsigned char) ((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode);
  if (len < 126) {
    out[1] = (unsigned char) (0x80 | len);
    h = 2;
  } else {
    out[1] = 0x80 | 126;
    out[2] = (unsigned char) (len >> 8);
    out[3] = (unsigned char) len;
    h = 4;
  }
  memset(out + h, 0, 4);
  memcpy(out + h + 4, payload, len);
  return h + 4 + len;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static uv_loop_t loop;
  static int ready;
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  unsigned char* wire;
  unsigned int fragments;
  unsigned int opcode;
  size_t piece;
  size_t step;
  size_t len;
  size_t off;
  size_t n;
  size_t i;

  if (size == 0 || size > 65535)
    return 0;
  if (!ready) {
    uv_loop_init(&loop);
    ready = 1;
  }
  opcode = (data[0] & 1) ? WS__OP_TEXT : WS__OP_BINARY;
  fragments = ((data[0] >> 1) & 7) + 1;
  step = ((data[0] >> 4) & 15) * 64;
  data++;
  size--;
  wire = malloc(sizeof(upgrade) + size + fragments * 8 + 8);
  if (wire == NULL)
    return 0;
  ws_server_options_init(&options);
  options.max_message_size = 256 * 1024;
  options.max_queued_bytes = 1024 * 1024;
  options.deflate = 1;
  memset(&cb, 0, sizeof(cb));
  cb.on_message = echo;
  if (ws_server_new(&server, &loop, &options, &cb) != 0)
    abort();
  conn = ws__conn_new(&server->hub);
  conn->detached = 1;
  memcpy(wire, upgrade, sizeof(upgrade) - 1);
  ws__conn_feed(conn, wire, sizeof(upgrade) - 1);
  drain(conn);
  if (!conn->pmd)
    abort();
  len = 0;
  off = 0;
  piece = size / fragments;
  for (i = 0; i < fragments; i++) {
    n = i + 1 == fragments ? size - off : piece;
    len += frame(wire + len, i + 1 == fragments, i == 0,
                 i == 0 ? opcode : WS__OP_CONTINUATION, data + off, n);
    off += n;
  }
  if (step == 0)
    step = len;
  for (off = 0; off < len && conn->state != WS__CONN_CLOSED; off += n) {
    n = len - off < step ? len - off : step;
    ws__conn_feed(conn, wire + off, n);
    drain(conn);
  }
  ws__conn_abort(conn, WS_ESHUTDOWN);
  ws__conn_free(conn);
  ws_server_close(server, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  free(wire);
  return 0;
}
