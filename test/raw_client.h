/* A raw TCP client on the test's own loop, for integration tests over
 * loopback: it writes exact bytes and keeps every byte it reads. */
#ifndef UVWS_TEST_RAW_CLIENT_H
#define UVWS_TEST_RAW_CLIENT_H

#include "harness.h"

/* Runs the loop until cond holds; fails after seconds. */
#define RUN_UNTIL_LONG(loop, cond, seconds)                                   \
  do {                                                                        \
    uint64_t raw__start = uv_hrtime();                                        \
    while (!(cond)) {                                                         \
      uv_run((loop), UV_RUN_ONCE);                                            \
      if (uv_hrtime() - raw__start > (uint64_t) (seconds) * 1000000000u)      \
        TEST__FAIL("timed out waiting for %s", #cond);                        \
    }                                                                         \
  } while (0)

#define RUN_UNTIL(loop, cond) RUN_UNTIL_LONG(loop, cond, 10)

typedef struct {
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  unsigned char* in;
  size_t in_len;
  size_t in_cap;
  int connected;
  int eof;          /* the server closed (EOF or reset) */
  int closed;       /* our handle's close callback ran */
  int reading;
} raw_client_t;

static inline void raw__alloc(uv_handle_t* handle, size_t size,
                              uv_buf_t* buf) {
  raw_client_t* c;

  c = handle->data;
  if (c->in_cap - c->in_len < 65536) {
    c->in_cap = c->in_cap * 2 + 65536;
    c->in = realloc(c->in, c->in_cap);
    ASSERT_NOT_NULL(c->in);
  }
  (void) size;
  *buf = uv_buf_init((char*) c->in + c->in_len,
                     (unsigned int) (c->in_cap - c->in_len));
}

static inline void raw__read(uv_stream_t* stream, ssize_t nread,
                             const uv_buf_t* buf) {
  raw_client_t* c;

  (void) buf;
  c = stream->data;
  if (nread > 0)
    c->in_len += (size_t) nread;
  else if (nread < 0)
    c->eof = 1;
}

static inline void raw__connected(uv_connect_t* req, int status) {
  raw_client_t* c;

  c = req->data;
  ASSERT_EQ(0, status);
  c->connected = 1;
}

/* Connects, without reading: call raw_start_reading() to read. */
static inline void raw_connect(uv_loop_t* loop, raw_client_t* c,
                               const char* host, int port) {
  struct sockaddr_storage addr;

  memset(c, 0, sizeof(*c));
  if (uv_ip4_addr(host, port, (struct sockaddr_in*) &addr) != 0)
    ASSERT_EQ(0, uv_ip6_addr(host, port, (struct sockaddr_in6*) &addr));
  ASSERT_EQ(0, uv_tcp_init(loop, &c->tcp));
  c->tcp.data = c;
  c->connect_req.data = c;
  ASSERT_EQ(0, uv_tcp_connect(&c->connect_req, &c->tcp,
                              (const struct sockaddr*) &addr,
                              raw__connected));
  /* Windows refuses reads and writes before the connection is up. */
  RUN_UNTIL(loop, c->connected);
}

static inline void raw_start_reading(raw_client_t* c) {
  ASSERT_EQ(0, uv_read_start((uv_stream_t*) &c->tcp, raw__alloc, raw__read));
  c->reading = 1;
}

static inline void raw__written(uv_write_t* req, int status) {
  (void) status; /* the server may already have closed */
  free(req);
}

/* Writes a copy of data to any stream. */
static inline void raw_write_stream(uv_stream_t* stream, const void* data,
                                    size_t len) {
  uv_write_t* req;
  uv_buf_t buf;

  req = malloc(sizeof(*req) + len);
  ASSERT_NOT_NULL(req);
  memcpy(req + 1, data, len);
  buf = uv_buf_init((char*) (req + 1), (unsigned int) len);
  ASSERT_EQ(0, uv_write(req, stream, &buf, 1, raw__written));
}

static inline void raw_write(raw_client_t* c, const void* data, size_t len) {
  raw_write_stream((uv_stream_t*) &c->tcp, data, len);
}

static inline void raw__closed(uv_handle_t* handle) {
  raw_client_t* c;

  c = handle->data;
  c->closed = 1;
  free(c->in);
  c->in = NULL;
}

static inline void raw_close(raw_client_t* c) {
  uv_close((uv_handle_t*) &c->tcp, raw__closed);
}



/* The offset just past the HTTP response head, or 0 if not complete. */
static inline size_t raw_head_len(const raw_client_t* c) {
  size_t i;

  for (i = 0; i + 4 <= c->in_len; i++)
    if (memcmp(c->in + i, "\r\n\r\n", 4) == 0)
      return i + 4;
  return 0;
}

/* Whether the bytes read contain needle. */
static inline int raw_has(const raw_client_t* c, const void* needle,
                          size_t len) {
  size_t i;

  for (i = 0; i + len <= c->in_len; i++)
    if (memcmp(c->in + i, needle, len) == 0)
      return 1;
  return 0;
}

static inline void raw_handshake(raw_client_t* c) {
  raw_write(c, HARNESS_UPGRADE, sizeof(HARNESS_UPGRADE) - 1);
}

#endif /* UVWS_TEST_RAW_CLIENT_H */
