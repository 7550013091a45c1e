/* The raw transport (--raw): a bare TCP connection, no handshake, that
 * sends exactly the masked frames a WebSocket client would and parses the
 * server's frames itself, so that raw libuv servers are measured with the
 * same client. With --no-inflate it starts with an upgrade request that
 * offers permessage-deflate, and hands compressed messages on as they
 * are, not inflated. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* A raw connection: TCP, frames built and parsed here. */
struct raw_s {
  uv_tcp_t tcp;
  uv_connect_t connect;
  bconn_t* c;
  unsigned char* in;       /* a partial frame carried to the next read */
  size_t in_len;
  size_t in_cap;
  unsigned char* out;      /* output gathered during this loop iteration */
  size_t out_len;
  size_t out_cap;
  int writing;             /* a uv_write is in flight */
  int upgrading;           /* --no-inflate: waiting for the 101 */
  struct raw_s* next_dirty;
  int dirty;
  int closing;
};

typedef struct {
  uv_write_t req;
  raw_t* raw;
  size_t len;
  unsigned char data[];
} raw_write_t;

struct sockaddr_storage raw_addrs[MAX_URLS];
struct sockaddr_storage bind_addrs[MAX_URLS];

int parse_raw_url(const char* url, struct sockaddr_storage* addr) {
  char host[128];
  const char* p;
  const char* end;
  size_t n;
  int port;

  if (strncmp(url, "ws://", 5) != 0)
    return -1;
  p = url + 5;
  if (*p == '[') {
    end = strchr(p, ']');
    if (end == NULL)
      return -1;
    n = (size_t) (end - p - 1);
    if (n >= sizeof(host))
      return -1;
    memcpy(host, p + 1, n);
    p = end + 1;
  } else {
    end = p + strcspn(p, ":/");
    n = (size_t) (end - p);
    if (n >= sizeof(host))
      return -1;
    memcpy(host, p, n);
    p = end;
  }
  host[n] = '\0';
  port = 80;
  if (*p == ':')
    port = atoi(p + 1);
  if (uv_ip4_addr(host, port, (struct sockaddr_in*) addr) != 0 &&
      uv_ip6_addr(host, port, (struct sockaddr_in6*) addr) != 0)
    return -1;
  return 0;
}

static uint64_t mask_state = 0x2545f4914f6cdd1dULL;

static void raw_mark_dirty(raw_t* r) {
  worker_t* w;

  if (r->dirty)
    return;
  w = r->c->w;
  r->dirty = 1;
  r->next_dirty = w->dirty;
  w->dirty = r;
}

static unsigned char* raw_reserve(raw_t* r, size_t n) {
  unsigned char* p;
  size_t cap;

  if (r->out_len + n > r->out_cap) {
    cap = r->out_cap ? r->out_cap : 4096;
    while (cap < r->out_len + n)
      cap *= 2;
    p = realloc(r->out, cap);
    if (p == NULL)
      return NULL;
    r->out = p;
    r->out_cap = cap;
  }
  p = r->out + r->out_len;
  r->out_len += n;
  return p;
}

/* Appends one final, masked frame: the bytes a client would send. */
int raw_send(raw_t* r, int opcode, const void* data, size_t len) {
  unsigned char header[14];
  unsigned char key[4];
  const unsigned char* in;
  unsigned char* p;
  size_t h;
  size_t i;

  h = 0;
  header[h++] = (unsigned char) (0x80 | opcode);
  if (len < 126) {
    header[h++] = (unsigned char) (0x80 | len);
  } else if (len < 65536) {
    header[h++] = 0x80 | 126;
    header[h++] = (unsigned char) (len >> 8);
    header[h++] = (unsigned char) len;
  } else {
    header[h++] = 0x80 | 127;
    for (i = 0; i < 8; i++)
      header[h++] = (unsigned char) ((uint64_t) len >> (56 - 8 * i));
  }
  mask_state = mix64(mask_state);
  memcpy(key, &mask_state, 4);
  memcpy(header + h, key, 4);
  h += 4;
  p = raw_reserve(r, h + len);
  if (p == NULL)
    return WS_ENOMEM;
  memcpy(p, header, h);
  p += h;
  in = data;
  for (i = 0; i < len; i++)
    p[i] = in[i] ^ key[i & 3];
  raw_mark_dirty(r);
  return 0;
}

static void raw_on_closed(uv_handle_t* handle) {
  raw_t* r;

  r = (raw_t*) handle;
  if (r->c != NULL) {
    r->c->raw = NULL;
    if (r->c->state == C_CONNECTING)
      conn_on_failed(r->c, r->closing);
    else
      conn_on_closed(r->c, r->c->w->stopping ? NULL : "connection lost");
  }
  free(r->in);
  free(r->out);
  free(r);
}

void raw_close(raw_t* r, int error) {
  if (uv_is_closing((uv_handle_t*) &r->tcp))
    return;
  r->closing = error;
  uv_close((uv_handle_t*) &r->tcp, raw_on_closed);
}

static void raw_flush(raw_t* r);

static void raw_on_write(uv_write_t* req, int status) {
  raw_write_t* wr;
  raw_t* r;

  wr = (raw_write_t*) req;
  r = wr->raw;
  free(wr);
  r->writing = 0;
  if (status < 0) {
    raw_close(r, status);
    return;
  }
  if (r->out_len > 0)
    raw_flush(r);
}

static void raw_flush(raw_t* r) {
  raw_write_t* wr;
  uv_buf_t buf;
  int n;

  if (r->writing || r->out_len == 0 ||
      uv_is_closing((uv_handle_t*) &r->tcp))
    return;
  buf = uv_buf_init((char*) r->out, (unsigned int) r->out_len);
  n = uv_try_write((uv_stream_t*) &r->tcp, &buf, 1);
  if (n == UV_EAGAIN)
    n = 0;
  if (n < 0) {
    raw_close(r, n);
    return;
  }
  if ((size_t) n < r->out_len) {
    wr = malloc(sizeof(*wr) + r->out_len - (size_t) n);
    if (wr == NULL) {
      raw_close(r, UV_ENOMEM);
      return;
    }
    wr->raw = r;
    wr->len = r->out_len - (size_t) n;
    memcpy(wr->data, r->out + n, wr->len);
    buf = uv_buf_init((char*) wr->data, (unsigned int) wr->len);
    if (uv_write(&wr->req, (uv_stream_t*) &r->tcp, &buf, 1,
                 raw_on_write) != 0) {
      free(wr);
      raw_close(r, UV_EPIPE);
      return;
    }
    r->writing = 1;
  }
  r->out_len = 0;
}

void worker_on_flush(uv_prepare_t* handle) {
  worker_t* w;
  raw_t* r;

  w = handle->data;
  while ((r = w->dirty) != NULL) {
    w->dirty = r->next_dirty;
    r->dirty = 0;
    raw_flush(r);
  }
}

static void raw_on_alloc(uv_handle_t* handle, size_t suggested,
                         uv_buf_t* buf) {
  worker_t* w;

  (void) suggested;
  w = ((raw_t*) handle)->c->w;
  if (w->read_busy) {
    *buf = uv_buf_init(NULL, 0);
    return;
  }
  w->read_busy = 1;
  *buf = uv_buf_init((char*) w->read_buf, READ_BUF_SIZE);
}

/* Parses whole frames at p; returns the bytes used. */
static size_t raw_parse(raw_t* r, unsigned char* p, size_t len) {
  unsigned char* key;
  uint64_t plen;
  size_t used;
  size_t h;
  size_t i;
  int opcode;

  used = 0;
  while (len - used >= 2 && r->c != NULL && r->c->state == C_OPEN) {
    unsigned char* f = p + used;
    size_t avail = len - used;

    opcode = f[0] & 0x0f;
    plen = f[1] & 0x7f;
    h = 2;
    if (plen == 126) {
      if (avail < 4)
        break;
      plen = ((uint64_t) f[2] << 8) | f[3];
      h = 4;
    } else if (plen == 127) {
      if (avail < 10)
        break;
      plen = 0;
      for (i = 0; i < 8; i++)
        plen = (plen << 8) | f[2 + i];
      h = 10;
    }
    key = NULL;
    if (f[1] & 0x80) {
      key = f + h;
      h += 4;
    }
    if (avail < h || avail - h < plen)
      break;
    if (key != NULL)
      for (i = 0; i < plen; i++)
        f[h + i] ^= key[i & 3];
    used += h + (size_t) plen;
    if (!(f[0] & 0x80)) {
      slot_error(r->c->w, "raw: a fragmented frame (%s%" PRIu64 "%" PRIu64
                 ")", "", 0, 0);
      continue;
    }
    if (opcode == 0x8) {
      raw_close(r, 0);
      break;
    }
    if (opcode == 0x9) {
      raw_send(r, 0xA, f + h, (size_t) plen);
      continue;
    }
    if (opcode == 0xA)
      continue;
    if (f[0] & 0x40)
      conn_on_compressed(r->c, opcode, f + h, (size_t) plen);
    else
      conn_on_message(r->c, opcode, f + h, (size_t) plen);
  }
  return used;
}

static int raw_keep(raw_t* r, const unsigned char* p, size_t n) {
  unsigned char* q;
  size_t cap;

  if (r->in_len + n > r->in_cap) {
    cap = r->in_cap ? r->in_cap : 4096;
    while (cap < r->in_len + n)
      cap *= 2;
    q = realloc(r->in, cap);
    if (q == NULL)
      return -1;
    r->in = q;
    r->in_cap = cap;
  }
  memcpy(r->in + r->in_len, p, n);
  r->in_len += n;
  return 0;
}

/* --no-inflate: the response's head, in r->in. 1 once it is whole (its
 * bytes taken off), 0 while it is not, -1 if it is not a 101. */
static int raw_upgraded(raw_t* r) {
  size_t head;

  for (head = 4; head <= r->in_len; head++)
    if (memcmp(r->in + head - 4, "\r\n\r\n", 4) == 0)
      break;
  if (head > r->in_len)
    return r->in_len > 16384 ? -1 : 0;
  if (r->in_len < 12 || memcmp(r->in, "HTTP/1.1 101", 12) != 0)
    return -1;
  memmove(r->in, r->in + head, r->in_len - head);
  r->in_len -= head;
  r->upgrading = 0;
  return 1;
}

static void raw_on_read(uv_stream_t* stream, ssize_t nread,
                        const uv_buf_t* buf) {
  raw_t* r;
  worker_t* w;
  size_t used;
  int up;

  r = (raw_t*) stream;
  w = r->c->w;
  if (buf->base == (char*) w->read_buf)
    w->read_busy = 0;
  if (nread < 0) {
    raw_close(r, (int) nread);
    return;
  }
  if (nread == 0)
    return;
  if (r->upgrading) {
    if (raw_keep(r, (unsigned char*) buf->base, (size_t) nread) != 0) {
      raw_close(r, UV_ENOMEM);
      return;
    }
    up = raw_upgraded(r);
    if (up < 0)
      raw_close(r, UV_EPROTO);
    if (up <= 0)
      return;
    conn_on_open(r->c);
    nread = 0;
  }
  if (r->in_len > 0) {
    if (nread > 0 &&
        raw_keep(r, (unsigned char*) buf->base, (size_t) nread) != 0) {
      raw_close(r, UV_ENOMEM);
      return;
    }
    used = raw_parse(r, r->in, r->in_len);
    if (used > 0) {
      memmove(r->in, r->in + used, r->in_len - used);
      r->in_len -= used;
    }
    return;
  }
  used = raw_parse(r, (unsigned char*) buf->base, (size_t) nread);
  if (used < (size_t) nread &&
      !uv_is_closing((uv_handle_t*) &r->tcp) &&
      raw_keep(r, (unsigned char*) buf->base + used,
               (size_t) nread - used) != 0)
    raw_close(r, UV_ENOMEM);
}

/* The upgrade request of --no-inflate: permessage-deflate without context
 * takeover, so that the server compresses a broadcast once for all. */
static void raw_upgrade(raw_t* r) {
  static const char request[] =
      "GET / HTTP/1.1\r\nHost: uvws-bench\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Extensions: permessage-deflate; "
      "server_no_context_takeover; client_no_context_takeover\r\n\r\n";
  unsigned char* p;

  p = raw_reserve(r, sizeof(request) - 1);
  if (p == NULL) {
    raw_close(r, UV_ENOMEM);
    return;
  }
  memcpy(p, request, sizeof(request) - 1);
  r->upgrading = 1;
  raw_mark_dirty(r);
}

static void raw_on_connect(uv_connect_t* req, int status) {
  raw_t* r;

  r = req->data;
  if (status < 0) {
    raw_close(r, status);
    return;
  }
  uv_tcp_nodelay(&r->tcp, 1);
  if (uv_read_start((uv_stream_t*) &r->tcp, raw_on_alloc, raw_on_read) != 0) {
    raw_close(r, UV_EIO);
    return;
  }
  if (o.no_inflate) {
    raw_upgrade(r);
    return;
  }
  conn_on_open(r->c);
}

int raw_start(bconn_t* c) {
  const struct sockaddr* dest;
  worker_t* w;
  raw_t* r;
  int err;

  w = c->w;
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return UV_ENOMEM;
  r->c = c;
  c->raw = r;
  uv_tcp_init(&w->loop, &r->tcp);
  if (o.bind_count > 0) {
    err = uv_tcp_bind(&r->tcp,
                      (const struct sockaddr*) &bind_addrs[c->id %
                                                           o.bind_count],
                      0);
    if (err != 0) {
      r->c = NULL;
      c->raw = NULL;
      uv_close((uv_handle_t*) &r->tcp, raw_on_closed);
      return err;
    }
  }
  dest = (const struct sockaddr*) &raw_addrs[c->id % o.url_count];
  r->connect.data = r;
  err = uv_tcp_connect(&r->connect, &r->tcp, dest, raw_on_connect);
  if (err != 0) {
    r->c = NULL;
    c->raw = NULL;
    uv_close((uv_handle_t*) &r->tcp, raw_on_closed);
    return err;
  }
  return 0;
}
