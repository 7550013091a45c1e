/* permessage-deflate (RFC 7692) on zlib: compressing messages and
 * inflating them. A connection whose peer resets its context after each
 * message (and ours, which resets by default) borrows a stream from the
 * hub for one message, as it borrows a wslay context: an idle connection
 * holds none. A connection that keeps a context (up to
 * deflate_max_takeover of them, counted over every loop of a server)
 * keeps its streams until it is freed. A shared room's broadcast is
 * compressed on the broadcasting thread, with a stream of the room's.
 * Built without zlib (UVWS_WITH_ZLIB=OFF), nothing is ever negotiated and
 * these functions are never reached. */
#include "uvws_int.h"

#include <string.h>

#ifdef UVWS_HAVE_ZLIB

#include <zlib.h>

struct ws__zstream_s {
  z_stream z;
  struct ws__zstream_s* next; /* the hub's free list */
  int bits;                   /* the window it was made with */
  int ended;                  /* inflating: the data had a final block */
};

/* Free streams a hub keeps; only one of each is in use at a time. */
#define WS__ZPOOL_MAX 2
/* The hub's buffer for a compressed message stays allocated up to this. */
#define WS__ZBUF_KEEP (64 * 1024)
/* Inflated bytes are handed to the sink in pieces of this size. */
#define WS__INFLATE_CHUNK (16 * 1024)

static const unsigned char ws__deflate_tail[4] = { 0x00, 0x00, 0xff, 0xff };

int ws__deflate_available(void) {
  return 1;
}

static voidpf ws__zalloc(voidpf opaque, uInt items, uInt size) {
  (void) opaque;
  if (size != 0 && items > (size_t) -1 / size)
    return Z_NULL;
  return ws__malloc((size_t) items * size);
}

static void ws__zfree(voidpf opaque, voidpf p) {
  (void) opaque;
  ws__free(p);
}

int ws__deflate_window_bits(const ws_server_options_t* options) {
  return options->deflate_window_bits != 0 ? options->deflate_window_bits
                                           : 15;
}

int ws__deflate_mem_level(const ws_server_options_t* options) {
  return options->deflate_mem_level != 0 ? options->deflate_mem_level : 8;
}

int ws__deflate_worth(const ws_server_options_t* options, size_t len) {
  return len >= (options->deflate_threshold != 0 ? options->deflate_threshold
                                                 : 64);
}

static int ws__hub_window_bits(const ws__hub_t* hub) {
  return ws__deflate_window_bits(&hub->options);
}

/* zlib's raw deflate has no 256-byte window: a peer that asked for one
 * (8 bits) gets 9-bit streams with no back reference but to the byte
 * before (run-length only), which any window holds. */
ws__zstream_t* ws__deflater_new(int bits, int mem_level) {
  ws__zstream_t* s;

  s = ws__calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  s->z.zalloc = ws__zalloc;
  s->z.zfree = ws__zfree;
  s->bits = bits;
  if (deflateInit2(&s->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                   -(bits < 9 ? 9 : bits), mem_level,
                   bits < 9 ? Z_RLE : Z_DEFAULT_STRATEGY) != Z_OK) {
    ws__free(s);
    return NULL;
  }
  return s;
}

static ws__zstream_t* ws__inflater_new(int bits) {
  ws__zstream_t* s;

  s = ws__calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  s->z.zalloc = ws__zalloc;
  s->z.zfree = ws__zfree;
  s->bits = bits;
  if (inflateInit2(&s->z, -bits) != Z_OK) {
    ws__free(s);
    return NULL;
  }
  return s;
}

void ws__deflater_free(ws__zstream_t* s) {
  if (s == NULL)
    return;
  deflateEnd(&s->z);
  ws__free(s);
}

static void ws__inflater_free(ws__zstream_t* s) {
  if (s == NULL)
    return;
  inflateEnd(&s->z);
  ws__free(s);
}

static size_t ws__pool_count(const ws__zstream_t* s) {
  size_t n;

  for (n = 0; s != NULL; s = s->next)
    n++;
  return n;
}

void ws__deflate_pool_free(ws__hub_t* hub) {
  ws__zstream_t* s;

  while ((s = hub->free_deflaters) != NULL) {
    hub->free_deflaters = s->next;
    ws__deflater_free(s);
  }
  while ((s = hub->free_inflaters) != NULL) {
    hub->free_inflaters = s->next;
    ws__inflater_free(s);
  }
  ws__free(hub->zbuf);
  hub->zbuf = NULL;
  hub->zbuf_cap = 0;
}

/* A server's places are its group's, which its loops take at once. */
static atomic_size_t* ws__takeovers(ws__hub_t* hub) {
  return hub->takeovers != NULL ? hub->takeovers : &hub->takeover_count;
}

int ws__takeover_take(ws__hub_t* hub) {
  atomic_size_t* count;
  size_t max;
  size_t n;

  count = ws__takeovers(hub);
  max = hub->options.deflate_max_takeover;
  n = atomic_load(count);
  do {
    if (n >= max)
      return 0;
  } while (!atomic_compare_exchange_weak(count, &n, n + 1));
  return 1;
}

void ws__takeover_give(ws__hub_t* hub) {
  atomic_fetch_sub(ws__takeovers(hub), 1);
}

/* The window bits conn compresses with, and its peer. */
static int ws__conn_tx_bits(const ws_conn_t* conn) {
  return 8 + (int) conn->pmd_tx_window;
}

static int ws__conn_rx_bits(const ws_conn_t* conn) {
  return 8 + (int) conn->pmd_rx_window;
}

void ws__deflate_conn_start(ws_conn_t* conn, const ws__pmd_params_t* params) {
  /* In the connection's own bits: an idle connection with deflate is as
   * small as one without. */
  conn->pmd = 1;
  conn->pmd_tx_window = (unsigned int) (params->tx_bits - 8) & 7;
  conn->pmd_rx_window = (unsigned int) (params->rx_bits - 8) & 7;
  conn->pmd_tx_keep = params->tx_keep != 0;
  conn->pmd_rx_keep = params->rx_keep != 0;
}

void ws__deflate_conn_free(ws_conn_t* conn) {
  if (!conn->pmd)
    return;
  if (conn->pmd_tx_keep || conn->pmd_rx_keep)
    ws__takeover_give(conn->hub);
  if (conn->busy->inflater != NULL)
    ws__inflate_done(conn);
  if (conn->extra != NULL) {
    ws__deflater_free(conn->extra->deflater);
    conn->extra->deflater = NULL;
    ws__inflater_free(conn->extra->inflater);
    conn->extra->inflater = NULL;
  }
  conn->pmd = 0;
}

int ws__deflate_wanted(const ws_conn_t* conn, size_t len) {
  return conn->pmd && ws__deflate_worth(&conn->hub->options, len);
}

int ws__deflate_shares(const ws_conn_t* conn) {
  return conn->pmd && !conn->pmd_tx_keep &&
         ws__conn_tx_bits(conn) == ws__hub_window_bits(conn->hub);
}

/* ---- Compressing ---- */

static int ws__zbuf_reserve(unsigned char** buf, size_t* cap, size_t need) {
  unsigned char* p;

  if (*cap >= need)
    return 0;
  p = ws__realloc(*buf, need);
  if (p == NULL)
    return WS_ENOMEM;
  *buf = p;
  *cap = need;
  return 0;
}

/* The stream a message to conn (NULL: a shared one) is compressed with. */
static ws__zstream_t* ws__deflater_take(ws__hub_t* hub, ws_conn_t* conn) {
  ws__conn_extra_t* extra;
  ws__zstream_t* s;
  int bits;

  if (conn != NULL && conn->pmd_tx_keep) {
    extra = ws__conn_extra(conn);
    if (extra == NULL)
      return NULL;
    if (extra->deflater == NULL)
      extra->deflater = ws__deflater_new(
          ws__conn_tx_bits(conn), ws__deflate_mem_level(&hub->options));
    return extra->deflater;
  }
  bits = conn != NULL ? ws__conn_tx_bits(conn) : ws__hub_window_bits(hub);
  s = hub->free_deflaters;
  if (s != NULL && s->bits == bits) {
    hub->free_deflaters = s->next;
    return s;
  }
  return ws__deflater_new(bits, ws__deflate_mem_level(&hub->options));
}

static void ws__deflater_give(ws__hub_t* hub, ws_conn_t* conn,
                              ws__zstream_t* s) {
  if (conn != NULL && conn->pmd_tx_keep)
    return;
  if (s->bits != ws__hub_window_bits(hub) ||
      ws__pool_count(hub->free_deflaters) >= WS__ZPOOL_MAX ||
      deflateReset(&s->z) != Z_OK) {
    ws__deflater_free(s);
    return;
  }
  s->next = hub->free_deflaters;
  hub->free_deflaters = s;
}

/* zlib counts in uInt: huge messages go through in pieces. */
#define WS__ZPIECE ((size_t) 1 << 30)

static size_t ws__zmin(size_t a, size_t b) {
  return a < b ? a : b;
}

/* What deflating len bytes may take at most, with the flush's empty
 * stored block. */
static size_t ws__deflate_bound(ws__zstream_t* s, size_t len) {
  size_t bound;

  bound = ws__zmin(len, WS__ZPIECE);
  return deflateBound(&s->z, (uLong) bound) + (len - bound) + len / 1000 +
         64;
}

/* Deflates len bytes at data with a sync flush into *buf (of *cap bytes,
 * grown if a kept context's flush needs more than the bound); returns the
 * bytes written, or 0 if out of memory. */
static size_t ws__deflate_run(ws__zstream_t* s, const void* data, size_t len,
                              unsigned char** buf, size_t* cap) {
  size_t piece;
  size_t used;
  size_t left;
  int flush;
  int r;

  used = 0;
  left = len;
  s->z.next_in = (Bytef*) data;
  for (;;) {
    if (*cap - used < 64 && ws__zbuf_reserve(buf, cap, *cap * 2) != 0)
      return 0;
    piece = ws__zmin(left, WS__ZPIECE);
    s->z.avail_in = (uInt) piece;
    s->z.next_out = *buf + used;
    s->z.avail_out = (uInt) ws__zmin(*cap - used, WS__ZPIECE);
    flush = piece == left ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    r = deflate(&s->z, flush);
    left -= piece - s->z.avail_in;
    used = (size_t) (s->z.next_out - *buf);
    if (r != Z_OK && r != Z_BUF_ERROR)
      return 0;
    if (flush == Z_SYNC_FLUSH && left == 0 && s->z.avail_out > 0)
      return used;
  }
}

int ws__deflate_message(ws__hub_t* hub, ws_conn_t* conn, const void* data,
                        size_t len, const unsigned char** out,
                        size_t* out_len) {
  ws__zstream_t* s;
  size_t n;
  int keep;

  if (hub->zbuf_cap > WS__ZBUF_KEEP) {
    ws__free(hub->zbuf);
    hub->zbuf = NULL;
    hub->zbuf_cap = 0;
  }
  s = ws__deflater_take(hub, conn);
  if (s == NULL)
    return WS_ENOMEM;
  keep = conn != NULL && conn->pmd_tx_keep;
  if (len > WS_MAX_LIMIT ||
      ws__zbuf_reserve(&hub->zbuf, &hub->zbuf_cap,
                       ws__deflate_bound(s, len)) != 0) {
    ws__deflater_give(hub, conn, s);
    return WS_ENOMEM;
  }
  n = ws__deflate_run(s, data, len, &hub->zbuf, &hub->zbuf_cap);
  ws__deflater_give(hub, conn, s);
  hub->deflate_calls++;
  /* The flush's empty block ends every message; RFC 7692 takes it off. */
  if (n < 4 || memcmp(hub->zbuf + n - 4, ws__deflate_tail, 4) != 0)
    return WS_ENOMEM;
  *out = hub->zbuf;
  *out_len = n - 4;
  if (!keep && *out_len >= len)
    return 1;
  WS__COUNT(hub, messages_deflated);
  WS__COUNT_N(hub, deflate_bytes_in, len);
  WS__COUNT_N(hub, deflate_bytes_out, *out_len);
  return 0;
}

int ws__deflate_detached(ws__zstream_t* s, const void* data, size_t len,
                         unsigned char** out, size_t* out_len) {
  unsigned char* buf;
  size_t cap;
  size_t n;

  *out = NULL;
  cap = 0;
  buf = NULL;
  if (len > WS_MAX_LIMIT ||
      ws__zbuf_reserve(&buf, &cap, ws__deflate_bound(s, len)) != 0)
    return WS_ENOMEM;
  n = ws__deflate_run(s, data, len, &buf, &cap);
  if (deflateReset(&s->z) != Z_OK ||
      n < 4 || memcmp(buf + n - 4, ws__deflate_tail, 4) != 0) {
    ws__free(buf);
    return WS_ENOMEM;
  }
  if (n - 4 >= len) {
    ws__free(buf);
    return 1;
  }
  *out = buf;
  *out_len = n - 4;
  return 0;
}

/* ---- Inflating ---- */

/* Where conn's inflating stream is kept: the extra state's if the peer
 * keeps its context, else the busy state's while a message is read. NULL
 * if out of memory. */
static ws__zstream_t** ws__inflater_slot(ws_conn_t* conn) {
  ws__conn_extra_t* extra;
  ws__busy_t* busy;

  if (conn->pmd_rx_keep) {
    extra = ws__conn_extra(conn);
    return extra != NULL ? &extra->inflater : NULL;
  }
  busy = ws__conn_busy(conn);
  return busy != NULL ? &busy->inflater : NULL;
}

static ws__zstream_t* ws__inflater_take(ws_conn_t* conn) {
  ws__zstream_t** slot;
  ws__hub_t* hub;
  ws__zstream_t* s;

  slot = ws__inflater_slot(conn);
  if (slot == NULL)
    return NULL;
  if (*slot != NULL)
    return *slot;
  hub = conn->hub;
  if (conn->pmd_rx_keep) {
    s = ws__inflater_new(ws__conn_rx_bits(conn) < 9 ? 9
                                                   : ws__conn_rx_bits(conn));
  } else if ((s = hub->free_inflaters) != NULL) {
    hub->free_inflaters = s->next;
  } else {
    /* A lent stream takes any window: 15 bits. */
    s = ws__inflater_new(15);
  }
  *slot = s;
  return s;
}

void ws__inflate_done(ws_conn_t* conn) {
  ws__hub_t* hub;
  ws__zstream_t* s;

  if (!conn->pmd)
    return;
  if (conn->pmd_rx_keep) {
    s = conn->extra != NULL ? conn->extra->inflater : NULL;
    if (s == NULL || !s->ended)
      return;
    /* The peer ended its stream with a final block: it starts over. */
    s->ended = 0;
    inflateReset(&s->z);
    return;
  }
  s = conn->busy->inflater;
  if (s == NULL)
    return;
  s->ended = 0;
  conn->busy->inflater = NULL;
  hub = conn->hub;
  if (ws__pool_count(hub->free_inflaters) >= WS__ZPOOL_MAX ||
      inflateReset(&s->z) != Z_OK) {
    ws__inflater_free(s);
    return;
  }
  s->next = hub->free_inflaters;
  hub->free_inflaters = s;
}

/* Inflates one piece of input into the sink, in chunks. */
static int ws__inflate_piece(ws_conn_t* conn, ws__zstream_t* s,
                             const unsigned char* in, size_t len,
                             ws__inflate_sink_t sink) {
  unsigned char chunk[WS__INFLATE_CHUNK];
  size_t produced;
  int r;

  /* Input left by a piece that failed (inflateReset() keeps it) is not
   * this piece's. */
  s->z.next_in = (Bytef*) in;
  s->z.avail_in = 0;
  while (!s->ended) {
    if (s->z.avail_in == 0 && len > 0) {
      s->z.avail_in = (uInt) (len > 0x40000000u ? 0x40000000u : len);
      len -= s->z.avail_in;
    }
    s->z.next_out = chunk;
    s->z.avail_out = sizeof(chunk);
    r = inflate(&s->z, Z_SYNC_FLUSH);
    produced = sizeof(chunk) - s->z.avail_out;
    if (r == Z_STREAM_END)
      s->ended = 1;
    else if (r == Z_MEM_ERROR)
      return WS_ENOMEM;
    else if (r != Z_OK && !(r == Z_BUF_ERROR && produced == 0))
      return WS_EPROTO;
    if (produced > 0) {
      WS__COUNT_N(conn->hub, inflate_bytes_out, produced);
      r = sink(conn, chunk, produced);
      if (r != 0)
        return r;
    }
    /* All input taken, and room left: nothing is pending in zlib. */
    if (s->z.avail_in == 0 && len == 0 && s->z.avail_out > 0)
      return 0;
  }
  /* What follows a final block is ignored, up to the message's end. */
  return 0;
}

int ws__inflate(ws_conn_t* conn, const unsigned char* in, size_t len,
                int last, ws__inflate_sink_t sink) {
  ws__zstream_t* s;
  int r;

  s = ws__inflater_take(conn);
  if (s == NULL)
    return WS_ENOMEM;
  WS__COUNT_N(conn->hub, inflate_bytes_in, len);
  r = ws__inflate_piece(conn, s, in, len, sink);
  if (r == 0 && last && !s->ended)
    r = ws__inflate_piece(conn, s, ws__deflate_tail,
                          sizeof(ws__deflate_tail), sink);
  if (r == 0 && last)
    WS__COUNT(conn->hub, messages_inflated);
  return r;
}

#else /* !UVWS_HAVE_ZLIB */

int ws__deflate_available(void) {
  return 0;
}

void ws__deflate_pool_free(ws__hub_t* hub) {
  (void) hub;
}

void ws__deflate_conn_start(ws_conn_t* conn, const ws__pmd_params_t* params) {
  (void) conn;
  (void) params;
}

void ws__deflate_conn_free(ws_conn_t* conn) {
  (void) conn;
}

int ws__deflate_window_bits(const ws_server_options_t* options) {
  (void) options;
  return 15;
}

int ws__deflate_mem_level(const ws_server_options_t* options) {
  (void) options;
  return 8;
}

int ws__deflate_worth(const ws_server_options_t* options, size_t len) {
  (void) options;
  (void) len;
  return 0;
}

int ws__takeover_take(ws__hub_t* hub) {
  (void) hub;
  return 0;
}

void ws__takeover_give(ws__hub_t* hub) {
  (void) hub;
}

int ws__deflate_wanted(const ws_conn_t* conn, size_t len) {
  (void) conn;
  (void) len;
  return 0;
}

int ws__deflate_shares(const ws_conn_t* conn) {
  (void) conn;
  return 0;
}

ws__zstream_t* ws__deflater_new(int bits, int mem_level) {
  (void) bits;
  (void) mem_level;
  return NULL;
}

void ws__deflater_free(ws__zstream_t* s) {
  (void) s;
}

int ws__deflate_detached(ws__zstream_t* s, const void* data, size_t len,
                         unsigned char** out, size_t* out_len) {
  (void) s;
  (void) data;
  (void) len;
  (void) out_len;
  *out = NULL;
  return 1;
}

int ws__deflate_message(ws__hub_t* hub, ws_conn_t* conn, const void* data,
                        size_t len, const unsigned char** out,
                        size_t* out_len) {
  (void) hub;
  (void) conn;
  (void) data;
  (void) len;
  (void) out;
  (void) out_len;
  return 1;
}

int ws__inflate(ws_conn_t* conn, const unsigned char* in, size_t len,
                int last, ws__inflate_sink_t sink) {
  (void) conn;
  (void) in;
  (void) len;
  (void) last;
  (void) sink;
  return WS_EPROTO;
}

void ws__inflate_done(ws_conn_t* conn) {
  (void) conn;
}

#endif /* UVWS_HAVE_ZLIB */
