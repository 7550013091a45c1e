/* permessage-deflate for the tests: connections that negotiated it,
 * compressed frames made and server frames read with zlib itself. Tests
 * that include this return test_skip() without zlib (DEFLATE_REQUIRE). */
#ifndef UVWS_TEST_DEFLATE_UTIL_H
#define UVWS_TEST_DEFLATE_UTIL_H

#include "harness.h"

#ifdef UVWS_HAVE_ZLIB
#include <zlib.h>
#define DEFLATE_REQUIRE()                                                     \
  do {                                                                        \
  } while (0)
#else
#define DEFLATE_REQUIRE() return test_skip("built without zlib")
#endif

#define DEFLATE_OFFER "Sec-WebSocket-Extensions: permessage-deflate\r\n"

/* An upgrade request with more header lines (each ending in CRLF). */
static inline size_t deflate_upgrade(char* out, size_t cap,
                                     const char* headers) {
  int n;

  n = snprintf(out, cap,
               "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n%s\r\n",
               headers);
  ASSERT(n > 0 && (size_t) n < cap);
  return (size_t) n;
}

/* Opens a detached connection whose request has headers; the response
 * head goes to head (NUL-terminated). */
static inline ws_conn_t* deflate_open(ws_server_t* server,
                                      const char* headers, char* head,
                                      size_t cap) {
  char request[1024];
  ws_conn_t* conn;
  size_t n;

  conn = harness_conn(server);
  harness_feed(conn, request, deflate_upgrade(request, sizeof(request),
                                              headers), 0);
  n = harness_take(conn, (unsigned char*) head, cap - 1);
  head[n] = '\0';
  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  return conn;
}

/* The value of the response's Sec-WebSocket-Extensions, or "" if none. */
static inline const char* deflate_answer(const char* head, char* out,
                                         size_t cap) {
  const char* p;
  size_t n;

  out[0] = '\0';
  p = strstr(head, "Sec-WebSocket-Extensions: ");
  if (p == NULL)
    return out;
  p += strlen("Sec-WebSocket-Extensions: ");
  n = strcspn(p, "\r");
  ASSERT_LT(n, cap);
  memcpy(out, p, n);
  out[n] = '\0';
  return out;
}

/* A client frame (masked) with RSV1 set if rsv1. */
static inline size_t deflate_frame(unsigned char* buf, size_t at, int fin,
                                   int rsv1, unsigned int opcode,
                                   const void* payload, size_t len) {
  size_t end;

  end = harness_frame(buf, at, fin, opcode, payload, len);
  if (rsv1)
    buf[at] |= 0x40;
  return end;
}

/* One frame a server sent, parsed from out. */
typedef struct {
  int fin;
  int rsv1;
  unsigned int opcode;
  const unsigned char* payload;
  size_t len;
  size_t total;  /* header and payload */
} deflate_sent_t;

static inline void deflate_parse(const unsigned char* out, size_t len,
                                 deflate_sent_t* f) {
  size_t h;
  size_t i;
  uint64_t n;

  ASSERT_GE(len, 2);
  f->fin = (out[0] & 0x80) != 0;
  f->rsv1 = (out[0] & 0x40) != 0;
  f->opcode = out[0] & 0x0f;
  ASSERT_EQ(0, out[1] & 0x80);
  n = out[1] & 0x7f;
  h = 2;
  if (n == 126) {
    n = ((uint64_t) out[2] << 8) | out[3];
    h = 4;
  } else if (n == 127) {
    for (n = 0, i = 0; i < 8; i++)
      n = (n << 8) | out[2 + i];
    h = 10;
  }
  ASSERT_LE(h + n, len);
  f->payload = out + h;
  f->len = (size_t) n;
  f->total = h + (size_t) n;
}

#ifdef UVWS_HAVE_ZLIB
/* Raw deflate with a sync flush, its empty block taken off (RFC 7692
 * section 7.2.1); returns the length. A z_stream may be given to keep
 * the context (NULL: a new one). */
static inline size_t deflate_compress_with(z_stream* z, const void* in,
                                           size_t len, unsigned char* out,
                                           size_t cap) {
  z->next_in = (Bytef*) in;
  z->avail_in = (uInt) len;
  z->next_out = out;
  z->avail_out = (uInt) cap;
  ASSERT_EQ(Z_OK, deflate(z, Z_SYNC_FLUSH));
  ASSERT_EQ(0, z->avail_in);
  ASSERT(z->avail_out > 0);
  len = cap - z->avail_out;
  ASSERT_GE(len, 4);
  ASSERT_MEM_EQ("\x00\x00\xff\xff", out + len - 4, 4);
  return len - 4;
}

static inline size_t deflate_compress(const void* in, size_t len,
                                      unsigned char* out, size_t cap) {
  z_stream z;
  size_t n;

  memset(&z, 0, sizeof(z));
  ASSERT_EQ(Z_OK, deflateInit2(&z, 9, Z_DEFLATED, -15, 9,
                               Z_DEFAULT_STRATEGY));
  n = deflate_compress_with(&z, in, len, out, cap);
  deflateEnd(&z);
  return n;
}

/* Inflates a message's payload (the tail added back); returns the
 * length. z may keep the context (NULL: a new stream of 15 bits). */
static inline size_t deflate_inflate_with(z_stream* z, const void* in,
                                          size_t len, unsigned char* out,
                                          size_t cap) {
  static const unsigned char tail[4] = { 0, 0, 0xff, 0xff };
  size_t n;
  int r;

  z->next_in = (Bytef*) in;
  z->avail_in = (uInt) len;
  z->next_out = out;
  z->avail_out = (uInt) cap;
  r = inflate(z, Z_SYNC_FLUSH);
  ASSERT(r == Z_OK || r == Z_BUF_ERROR);
  ASSERT_EQ(0, z->avail_in);
  z->next_in = (Bytef*) tail;
  z->avail_in = 4;
  r = inflate(z, Z_SYNC_FLUSH);
  ASSERT(r == Z_OK || r == Z_BUF_ERROR);
  ASSERT_EQ(0, z->avail_in);
  n = cap - z->avail_out;
  return n;
}

static inline size_t deflate_inflate(const void* in, size_t len,
                                     unsigned char* out, size_t cap) {
  z_stream z;
  size_t n;

  memset(&z, 0, sizeof(z));
  ASSERT_EQ(Z_OK, inflateInit2(&z, -15));
  n = deflate_inflate_with(&z, in, len, out, cap);
  inflateEnd(&z);
  return n;
}
#endif

#endif /* UVWS_TEST_DEFLATE_UTIL_H */
