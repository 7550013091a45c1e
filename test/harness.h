/* Drives a connection without a socket: bytes in, bytes out, and a log of
 * the callbacks an echo server gets. For the unit tests only. */
#ifndef UVWS_TEST_HARNESS_H
#define UVWS_TEST_HARNESS_H

#include "test.h"
#include "uvws_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HARNESS_UPGRADE                                                      \
  "GET /chat?room=1 HTTP/1.1\r\n"                                            \
  "Host: server.example.com\r\n"                                             \
  "Upgrade: websocket\r\n"                                                   \
  "Connection: Upgrade\r\n"                                                  \
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"                          \
  "Sec-WebSocket-Version: 13\r\n"                                            \
  "\r\n"

#define HARNESS_101                                                          \
  "HTTP/1.1 101 Switching Protocols\r\n"                                     \
  "Upgrade: websocket\r\n"                                                   \
  "Connection: Upgrade\r\n"                                                  \
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"                   \
  "\r\n"

typedef struct {
  char log[1 << 20];
  size_t log_len;
  int open_count;
  int close_count;
  ws_close_info_t last_close; /* reason points into last_reason */
  char last_reason[123];
} harness_log_t;

static harness_log_t harness;

static inline void harness_logf(const char* fmt, ...) {
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(harness.log + harness.log_len,
                sizeof(harness.log) - harness.log_len, fmt, ap);
  va_end(ap);
  ASSERT(n >= 0 && (size_t) n < sizeof(harness.log) - harness.log_len);
  harness.log_len += (size_t) n;
}

static inline void harness_on_open(ws_conn_t* conn) {
  (void) conn;
  harness.open_count++;
}

/* Echoes every message and logs "T:<len>:<text>|" or "B:<len>|". */
static inline void harness_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                               const void* data, size_t len) {
  if (opcode == WS_OP_TEXT)
    harness_logf("T:%lu:%.*s|", (unsigned long) len,
                 (int) (len > 64 ? 64 : len), (const char*) data);
  else
    harness_logf("B:%lu|", (unsigned long) len);
  ASSERT_EQ(0, ws_conn_send(conn, opcode, data, len));
}

static inline void harness_on_close(ws_conn_t* conn,
                                    const ws_close_info_t* info) {
  (void) conn;
  harness.close_count++;
  harness.last_close = *info;
  /* info->reason lives only as long as the connection. */
  memcpy(harness.last_reason, info->reason, info->reason_len);
  harness.last_close.reason = harness.last_reason;
  harness_logf("close:%u:%s|", info->code, info->clean ? "clean" : "unclean");
}

static inline ws_server_callbacks_t harness_callbacks(void) {
  ws_server_callbacks_t cb;

  memset(&cb, 0, sizeof(cb));
  cb.on_open = harness_on_open;
  cb.on_message = harness_on_message;
  cb.on_close = harness_on_close;
  return cb;
}

static inline ws_server_t* harness_server(uv_loop_t* loop,
                                   const ws_server_options_t* options,
                                   const ws_server_callbacks_t* cb) {
  ws_server_t* server;

  memset(&harness, 0, sizeof(harness));
  ASSERT_EQ(0, ws_server_new(&server, loop, options, cb));
  return server;
}

static inline ws_conn_t* harness_conn(ws_server_t* server) {
  ws_conn_t* conn;

  conn = ws__conn_new(&server->hub);
  ASSERT(conn != NULL);
  conn->detached = 1;
  return conn;
}

static inline void harness_feed(ws_conn_t* conn, const void* data,
                                size_t len, size_t step);
static inline size_t harness_take(ws_conn_t* conn, unsigned char* out,
                                  size_t cap);

/* A connection past its handshake, the 101 taken. */
static inline ws_conn_t* harness_open(ws_server_t* server) {
  static const char upgrade[] = HARNESS_UPGRADE;
  unsigned char out[512];
  ws_conn_t* conn;

  conn = harness_conn(server);
  harness_feed(conn, upgrade, sizeof(upgrade) - 1, 0);
  ASSERT_LT(0, harness_take(conn, out, sizeof(out)));
  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  return conn;
}

/* Feeds len bytes in pieces of at most step bytes (0: all at once). The
 * connection unmasks frames in place, as it does in the server's read
 * buffer, so each piece is a copy: data stays as it was. */
static inline void harness_feed(ws_conn_t* conn, const void* data, size_t len,
                                size_t step) {
  const unsigned char* p;
  unsigned char* copy;
  size_t n;

  p = data;
  if (step == 0)
    step = len;
  copy = malloc(step > 0 ? step : 1);
  ASSERT_NOT_NULL(copy);
  while (len > 0 && conn->state != WS__CONN_CLOSED) {
    n = len < step ? len : step;
    memcpy(copy, p, n);
    ws__conn_feed(conn, copy, n);
    ws__conn_flush(conn);
    p += n;
    len -= n;
  }
  free(copy);
}

/* Takes everything queued for sending; returns its length. */
static inline size_t harness_take(ws_conn_t* conn, unsigned char* out,
                                  size_t cap) {
  const ws__seg_t* seg;
  size_t len;

  len = 0;
  for (seg = conn->busy->out.head; seg != NULL; seg = seg->next) {
    ASSERT(len + seg->len <= cap);
    memcpy(out + len, seg->base, seg->len);
    len += seg->len;
  }
  if (ws__conn_has_busy(conn))
    ws__outq_consume(&conn->busy->out, conn->busy->out.bytes);
  ws__conn_flush(conn);
  return len;
}

/* What the server keeps for reuse once it has written anything: its one
 * spare output segment and its pool of busy states. */
static inline size_t harness_spare_bytes(const ws_server_t* server) {
  return (server->hub.spare_seg != NULL ? sizeof(ws__seg_t) + WS__SEG_MIN
                                         : 0) +
         server->hub.free_busy_count * sizeof(ws__busy_t);
}

/* Ends the connection (if still up) and frees it. */
static inline void harness_free(ws_conn_t* conn) {
  ws__conn_abort(conn, WS_ESHUTDOWN);
  ws__conn_free(conn);
}

static inline void harness_close_server(uv_loop_t* loop, ws_server_t* server) {
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(loop, UV_RUN_DEFAULT));
  /* No handle may be left behind: close nothing on the server's behalf. */
  ASSERT_EQ(0, uv_loop_close(loop));
}

/* Appends a masked client frame to buf; returns the new length. */
static inline size_t harness_frame(unsigned char* buf, size_t at, int fin,
                            unsigned int opcode, const void* payload,
                            size_t len) {
  static const unsigned char key[4] = { 0x37, 0xfa, 0x21, 0x3d };
  const unsigned char* p;
  size_t i;

  p = payload;
  buf[at++] = (unsigned char) ((fin ? 0x80 : 0) | opcode);
  if (len < 126) {
    buf[at++] = (unsigned char) (0x80 | len);
  } else if (len <= 0xffff) {
    buf[at++] = 0x80 | 126;
    buf[at++] = (unsigned char) (len >> 8);
    buf[at++] = (unsigned char) len;
  } else {
    buf[at++] = 0x80 | 127;
    for (i = 0; i < 8; i++)
      buf[at++] = (unsigned char) ((uint64_t) len >> (56 - 8 * i));
  }
  memcpy(buf + at, key, 4);
  at += 4;
  for (i = 0; i < len; i++)
    buf[at + i] = p[i] ^ key[i % 4];
  return at + len;
}

#endif /* UVWS_TEST_HARNESS_H */
