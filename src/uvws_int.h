/* Internal declarations shared by the library's source files. */
#ifndef UVWS_INT_H
#define UVWS_INT_H

#include "uvws.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <llhttp.h>
#include <wslay/wslay.h>

/* An intrusive circular doubly linked list, in the manner of libuv's queue. */
typedef struct ws__list_s {
  struct ws__list_s* next;
  struct ws__list_s* prev;
} ws__list_t;

#define WS__CONTAINER_OF(ptr, type, field)                                    \
  ((type*) ((char*) (ptr) - offsetof(type, field)))

void ws__list_init(ws__list_t* head);
int ws__list_empty(const ws__list_t* head);
void ws__list_insert_tail(ws__list_t* head, ws__list_t* node);
/* Removes node if it is linked; a removed node reads as unlinked. */
void ws__list_remove(ws__list_t* node);
int ws__list_linked(const ws__list_t* node);

/* ---- Output: a queue of owned and shared buffers (outq.c) ---- */

/* Bytes shared by many connections (a broadcast frame), reference counted. */
typedef struct ws__shared_s {
  size_t refcount;
  size_t len;
  /* NULL: freed at the last unref. Else called instead: the bytes live
   * elsewhere (a frame broadcast to several loops, shared.c). */
  void (*release)(struct ws__shared_s* shared);
  unsigned char data[1];
} ws__shared_t;

ws__shared_t* ws__shared_new(size_t len);
void ws__shared_ref(ws__shared_t* shared);
void ws__shared_unref(ws__shared_t* shared);

typedef struct ws__seg_s {
  struct ws__seg_s* next;
  ws__shared_t* shared; /* NULL when the segment owns its bytes */
  unsigned char* base;
  size_t len;           /* bytes still to be written, starting at base */
  size_t cap;           /* owned segments: room after base + len */
  size_t size;          /* owned segments: bytes allocated after the struct */
} ws__seg_t;

typedef struct {
  ws__seg_t* head;
  ws__seg_t* tail;
  size_t bytes;
  uint64_t consumed;    /* bytes ever written from it */
  /* The hub's one spare segment of WS__SEG_MIN bytes (may be NULL): an
   * answer written at once borrows it instead of a malloc and a free. */
  ws__seg_t** spare;
} ws__outq_t;

/* Small sends share one owned segment of at least this size. */
#define WS__SEG_MIN 4096

/* Frees the hub's spare segment. */
void ws__outq_free_spare(ws__seg_t** spare);

/* Appends a copy of the two pieces (a frame header and its payload). */
int ws__outq_append(ws__outq_t* q, const void* a, size_t alen, const void* b,
                    size_t blen);
/* Appends a header, then the payload masked with key (a client's frame). */
int ws__outq_append_masked(ws__outq_t* q, const void* header, size_t hlen,
                           const void* payload, size_t len,
                           const unsigned char key[4]);
/* Appends len shared bytes at base, inside shared; bytes that continue the
 * tail's in the same buffer extend the tail instead. */
int ws__outq_append_shared(ws__outq_t* q, ws__shared_t* shared,
                           unsigned char* base, size_t len);
/* Fills up to max buffers from the head; returns how many. */
unsigned int ws__outq_bufs(const ws__outq_t* q, uv_buf_t* bufs,
                           unsigned int max);
/* Drops n written bytes from the head. */
void ws__outq_consume(ws__outq_t* q, size_t n);
/* Moves every segment of src to the end of dst; src is left empty. */
void ws__outq_move(ws__outq_t* dst, ws__outq_t* src);
void ws__outq_clear(ws__outq_t* q);

/* ---- Frame headers and masking (frame.c) ---- */

/* Largest header: 2 bytes, 8 length bytes and a 4-byte masking key. */
#define WS__MAX_HEADER 14

/* RSV1 with an opcode, for the send functions: a compressed message. */
#define WS__FRAME_RSV1 0x40

/* Writes a final frame's header, masked with mask_key unless it is NULL;
 * returns its length. */
size_t ws__frame_header(unsigned char* out, unsigned int opcode,
                        uint64_t payload_len, const unsigned char* mask_key);

enum {
  WS__OP_CONTINUATION = 0x0,
  WS__OP_TEXT = 0x1,
  WS__OP_BINARY = 0x2,
  WS__OP_CLOSE = 0x8,
  WS__OP_PING = 0x9,
  WS__OP_PONG = 0xa
};

/* A frame header, parsed once. */
typedef struct {
  uint64_t payload_len;
  uint8_t header_len;  /* 2 to 14 bytes, the masking key included */
  uint8_t opcode;
  uint8_t rsv;         /* RSV1-3 as bits 2-0 */
  uint8_t fin : 1;
  uint8_t masked : 1;
} ws__frame_t;

enum {
  WS__FRAME_INVALID = -1, /* a header no peer may send (1002) */
  WS__FRAME_PARTIAL = 0,  /* the header is not all there yet */
  WS__FRAME_HEADER = 1    /* the header is whole: frame is filled */
};

/* Parses the header of the frame that starts at data. */
int ws__frame_parse(const unsigned char* data, size_t len,
                    ws__frame_t* frame);
/* XORs len bytes of src with the repeating key into dst (may be src)
 * (mask.c). */
void ws__mask_copy(unsigned char* dst, const unsigned char* src, size_t len,
                   const unsigned char key[4]);

/* ---- HTTP messages (http.c) ---- */

typedef struct {
  size_t name;   /* offsets into ws__handshake_t.text */
  size_t value;
} ws__header_t;

struct ws_request_s {
  llhttp_t parser;
  size_t max_size;
  size_t consumed;       /* bytes of the request head seen so far */
  char* text;            /* method, target, then name/value pairs, each NUL
                            terminated */
  size_t text_len;
  size_t text_cap;
  ws__header_t* headers;
  size_t header_count;
  size_t header_cap;
  int in_value;          /* the last bytes appended were a header value */
  int complete;          /* the request head (and any body) is complete */
  int status;            /* the refusal status, once one is decided */
  int is_upgrade;
  const char* key;       /* Sec-WebSocket-Key, once validated */
  /* The response under construction. */
  char* extra;           /* added header lines, "Name: value\r\n"... */
  size_t extra_len;
  size_t extra_cap;
  char* subprotocol;
  char* extensions;      /* the Sec-WebSocket-Extensions we answer, or
                            NULL */
  int in_on_http;
  int responded;
  void* response;        /* ws__outq_t* the on_http answer goes to */
};

/* type is HTTP_REQUEST for servers, HTTP_RESPONSE for clients. */
int ws__request_init(ws_request_t* req, size_t max_size, llhttp_type_t type);
/* Parses a request or response head: 1 once it is complete (*used bytes
 * were its), 0 for more, -1 if invalid or too long (req->status says which:
 * 400 or 431). */
int ws__http_parse(ws_request_t* req, const char* data, size_t len,
                   size_t* used);
/* Whether a header named name lists token in its comma-separated value. */
int ws__request_has_token(const ws_request_t* req, const char* name,
                          const char* token, int case_sensitive);
size_t ws__request_occurrences(const ws_request_t* req, const char* name);
void ws__request_free(ws_request_t* req);
/* Appends a complete response to q: 101 for status 101, else an error page
 * (with Sec-WebSocket-Version: 13 on 426). */
int ws__request_write_response(ws_request_t* req, int status,
                               const char* content_type, const void* body,
                               size_t body_len, ws__outq_t* q);
const char* ws__status_reason(int status);

void ws__sha1(const void* data, size_t len, unsigned char out[20]);
/* Standard base64 with padding; out needs 4 * ceil(len / 3) + 1 bytes. */
size_t ws__base64_encode(const unsigned char* in, size_t len, char* out);
/* Decodes standard padded base64; returns the length or -1 if invalid or
 * longer than outcap. */
long ws__base64_decode(const char* in, size_t len, unsigned char* out,
                       size_t outcap);
/* The Sec-WebSocket-Accept value for a key: 28 characters plus NUL. */
void ws__accept_key(const char* key, char out[29]);

/* ---- Randomness for clients (rng.c) ---- */

typedef struct {
  uint32_t state[16];
  unsigned char block[64];
  size_t used;
} ws__rng_t;

/* Keys the stream from uv_random(); returns 0 or a libuv error. */
int ws__rng_init(ws__rng_t* rng);
void ws__rng_bytes(ws__rng_t* rng, unsigned char* out, size_t len);

/* ---- Deadlines: a hashed wheel (wheel.c) ---- */

#define WS__WHEEL_SLOTS 256

typedef struct {
  uv_timer_t timer;
  uint64_t tick;            /* ms per slot */
  uint64_t next_tick;       /* the next tick number to process */
  ws__list_t slots[WS__WHEEL_SLOTS];
  size_t count;
  int put_off;              /* the last tick came late and put off what
                               was due until the loop had read */
  int late;                 /* inside such a tick: what is due waits one
                               more tick (ws__conn_on_deadline()) */
} ws__wheel_t;

/* ---- wslay contexts, lent to connections that need one (engine.c) ---- */

typedef struct ws__engine_s {
  wslay_event_context_ptr ctx;
  ws_conn_t* conn;           /* the borrower */
  struct ws__engine_s* next; /* free list */
  /* The input being fed to wslay. */
  const unsigned char* in;
  size_t in_len;
  int data_frame;            /* the frame wslay is reading carries data */
  int error;                 /* why the send callback failed, or 0 */
} ws__engine_t;

/* ---- Connections ---- */

typedef struct ws__hub_s ws__hub_t;
typedef struct ws__partial_s ws__partial_t;
typedef struct ws__message_s ws__message_t;
typedef struct ws__pong_s ws__pong_t;
typedef struct ws__held_s ws__held_t;
typedef struct ws__dial_s ws__dial_t;
typedef struct ws__adopted_s ws__adopted_t;
typedef struct ws__tls_s ws__tls_t;
typedef struct ws__tls_ctx_s ws__tls_ctx_t;
typedef struct ws__zstream_s ws__zstream_t;

typedef enum {
  WS__CONN_CONNECTING = 0, /* a client's DNS lookup and TCP connect */
  WS__CONN_HANDSHAKE,
  WS__CONN_OPEN,
  WS__CONN_DRAIN,   /* closing: write what is queued, then close the TCP */
  WS__CONN_CLOSED   /* the transport is closing */
} ws__conn_state_t;

/* Work a layer below the connection has the hub do from the loop, before
 * the next flush (ws__hub_defer()). */
typedef struct ws__deferred_s {
  ws__list_t node;
  void (*cb)(struct ws__deferred_s* deferred);
} ws__deferred_t;

/* ---- The transport: bytes in and out of a libuv stream (stream.c) ---- */

typedef struct {
  /* Reads until closed or read_stop: each read goes to hub->io.on_read. */
  int (*read_start)(ws_conn_t* conn);
  /* Writes what it can of bufs now: the bytes taken, or an error
   * (UV_EAGAIN when none could be). */
  int (*try_write)(ws_conn_t* conn, const uv_buf_t* bufs, unsigned int n);
  /* Writes all of bufs, then calls hub->io.on_written; one at a time. */
  int (*write)(ws_conn_t* conn, const uv_buf_t* bufs, unsigned int n);
  /* Ends the sending side after the writes before it. */
  int (*shutdown)(ws_conn_t* conn);
  /* Closes; hub->io.on_closed follows from the loop. */
  void (*close)(ws_conn_t* conn);
  int (*peer_addr)(const ws_conn_t* conn, struct sockaddr_storage* addr);
  /* Stops reading (safe from inside on_read); read_start goes on. */
  int (*read_stop)(ws_conn_t* conn);
} ws__transport_t;

extern const ws__transport_t ws__stream_transport;

/* Gives conn its own TCP socket (not yet connected) and the stream
 * transport. */
void ws__stream_init_tcp(ws_conn_t* conn);
/* Gives conn the application's stream (ws_server_adopt()) and the stream
 * transport: the len bytes at data, read before, are delivered from the
 * loop, then the stream is read; once the stream has closed, it goes back
 * to the application through close_cb. Returns 0, or WS_ENOMEM and then
 * the stream is untouched. */
int ws__stream_adopt(ws_conn_t* conn, uv_stream_t* stream, const void* data,
                     size_t len, uv_close_cb close_cb);

/* ---- The TLS transport (tls.c, or tls_off.c without OpenSSL) ---- */

extern const ws__transport_t ws__tls_transport;

/* A server's TLS settings from a listener's options; WS_EINVAL, WS_ETLS
 * (files that do not load), WS_ENOMEM or WS_ENOTSUP. */
int ws__tls_server_ctx_new(ws__tls_ctx_t** ctx, const ws_tls_options_t* o);
/* A client's: verifies servers against ca_file, or the system's store
 * (both NULL), or takes the application's SSL_CTX* ssl_ctx. */
int ws__tls_client_ctx_new(ws__tls_ctx_t** ctx, const char* ca_file,
                           void* ssl_ctx);
void ws__tls_ctx_ref(ws__tls_ctx_t* ctx);
/* NULL does nothing. */
void ws__tls_ctx_unref(ws__tls_ctx_t* ctx);
/* Puts TLS between conn and its TCP socket (ws__stream_init_tcp() made
 * it): host is the name a client asks for and checks, NULL for a
 * server's connection. Returns 0, WS_ENOMEM or WS_ETLS; the connection is
 * left on the stream transport then. */
int ws__tls_start(ws_conn_t* conn, ws__tls_ctx_t* ctx, const char* host);

/* What the layers below a connection (the transport, the wheel, the
 * hub's flush) call back into, registered with the hub by its owner, so
 * that no lower file calls a higher one directly. recv.c defines it. */
typedef struct {
  void (*on_read)(ws_conn_t* conn, unsigned char* data, ssize_t nread);
  void (*on_written)(ws_conn_t* conn, int status);
  void (*on_closed)(ws_conn_t* conn);
  void (*on_deadline)(ws_conn_t* conn, uint64_t now);
  void (*on_flush)(ws__hub_t* hub);
  /* What the connection's wslay contexts call. */
  const struct wslay_event_callbacks* wslay;
  /* A paused connection reads again (from the loop): what it held comes
   * first. */
  void (*on_resumed)(ws_conn_t* conn);
} ws__io_t;

extern const ws__io_t ws__conn_io;

/* ---- Roles: what differs between a server's connections and a
 * client's ---- */

typedef struct {
  llhttp_type_t http_type;       /* the handshake parses this */
  ws__conn_state_t first_state;  /* a new connection starts here */
  uint8_t masks_frames;          /* frames we send are masked... */
  uint8_t peer_masks_frames;     /* ... and frames we get are */
  int (*wslay_init)(wslay_event_context_ptr* ctx,
                    const struct wslay_event_callbacks* callbacks,
                    void* user_data);
  /* Takes handshake bytes; returns how many were the HTTP head's. */
  size_t (*handshake)(ws_conn_t* conn, const unsigned char* data,
                      size_t len);
  /* Fills a masking key (roles that mask frames). */
  void (*mask_key)(ws_conn_t* conn, unsigned char key[4]);
  /* The connection is closing: the role lets go of it (rooms). */
  void (*closing)(ws_conn_t* conn);
  /* The transport has closed (from the loop): reports a failure before
   * open if the role does; 1 if the role frees the connection later (a
   * client's DNS lookup still runs). */
  int (*closed)(ws_conn_t* conn);
  /* Frees what the role kept to open the connection (a client's dial). */
  void (*release)(ws_conn_t* conn);
  /* A flush of the hub's output ended (rooms let go of their buffers);
   * may be NULL. */
  void (*flushed)(ws__hub_t* hub);
  /* The last handle of the hub has closed: frees the hub. */
  void (*hub_closed)(ws__hub_t* hub);
} ws__role_t;

extern const ws__role_t ws__server_role;
extern const ws__role_t ws__client_role;

/* What a connection needs only while it is busy: output pending or being
 * written, a frame or message under way, input held, a ping or a pong
 * waiting. Lent from the hub's pool (busy.c); an idle connection points
 * at ws__conn_no_busy, all zero and read-only, so that reading it needs
 * no test. Its marks count in out.consumed, which starts at 0 with each
 * loan. */
typedef struct ws__busy_s {
  ws_conn_t* conn;          /* set for resume's callback */
  struct ws__busy_s* next;  /* the hub's free list */
  ws__outq_t out;
  ws__outq_t after;         /* data sent while a fragmented message is:
                               it goes out once that message ends */
  uv_write_t* write_req;    /* the transport's write in flight, or NULL */
  size_t write_len;         /* bytes of that write */
  ws__engine_t* engine;     /* lent while a frame engine is needed */
  ws__partial_t* partial;   /* a frame not all received yet */
  ws__message_t* message;   /* a message wslay is receiving */
  ws__pong_t* pong;         /* the latest ping's answer, waiting */
  ws__held_t* held;         /* input read but not fed when it paused */
  ws__deferred_t resume;    /* feeds what it held when it paused */
  uint64_t ping_sent;       /* loop time of the ping outstanding */
  uint64_t ping_consumed;   /* out.consumed when that ping was queued */
  uint64_t pong_end;        /* out.consumed once the queued pong is out */
  uint64_t drain_mark;      /* out.consumed when on_drain became owed */
  /* permessage-deflate, while a compressed message is read: the stream
   * lent for it (a kept one is the extra state's), a close code for what
   * inflating found, and whether the fragmented message under way is
   * compressed. */
  ws__zstream_t* inflater;
  uint16_t inflate_fail;
  unsigned int inflating : 1;
} ws__busy_t;

extern const ws__busy_t ws__conn_no_busy;

/* What few connections need: one opening, closing, on TLS or an adopted
 * stream, with a subprotocol, an id, rooms, or deflate. NULL until then
 * (ws__conn_extra()). */
typedef struct {
  const ws__transport_t* transport; /* NULL: ws__stream_transport */
  uv_stream_t* stream;      /* NULL: &conn->tcp */
  union {                   /* what the transport keeps, if anything: */
    ws__adopted_t* adopted; /* the stream's, of an adopted stream */
    ws__tls_t* tls;         /* TLS's (never adopted) */
  };
  ws_request_t* request;    /* during the handshake only */
  ws__dial_t* dial;         /* a client's connection until it opens */
  char* subprotocol;
  ws__list_t rooms;         /* ws__member_t.conn_node */
  uint64_t skipped;         /* broadcasts skipped under WS_SLOW_SKIP */
  ws_conn_id_t id;          /* 0 until ws_conn_id() (remote.c) */
  char* close_reason;       /* close_reason_len bytes, NUL-terminated */
  int http_status;          /* a client's upgrade response status */
  /* permessage-deflate's contexts, kept (deflate.c). */
  ws__zstream_t* inflater;  /* if the peer keeps its context */
  ws__zstream_t* deflater;  /* if we keep ours */
  uint8_t close_reason_len;
} ws__conn_extra_t;

/* An idle open connection is this struct alone (test_idle_memory.c). */
struct ws_conn_s {
  uv_tcp_t tcp;             /* its own socket, unless its stream is adopted */
  ws__hub_t* hub;
  void* data;
  ws__list_t node;          /* hub->conns */
  ws__list_t timeout_node;  /* a wheel slot */
  ws__list_t dirty_node;    /* hub->dirty: has output to flush */
  ws__busy_t* busy;         /* &ws__conn_no_busy while idle */
  ws__conn_extra_t* extra;
  /* The loop time the state's deadline counts from: the accept (or the
   * dial) while opening, the last read while open, the close's start
   * while closing. */
  uint64_t since;
  uint16_t close_code;
  int16_t error;            /* ws_close_info_t.error: ws_ and libuv
                               errors all fit */
  unsigned int state : 3;         /* ws__conn_state_t */
  unsigned int opened : 1;        /* on_open was called */
  unsigned int in_fragment : 1;   /* a fragmented message is under way */
  unsigned int fragment_text : 1; /* ... and it is a text message */
  unsigned int close_queued : 1;  /* we queued a close frame */
  unsigned int clean : 1;         /* close frames went both ways */
  unsigned int in_engine : 1;     /* inside wslay_event_recv */
  unsigned int ping_outstanding : 1;
  unsigned int shutdown_sent : 1;
  unsigned int detached : 1;      /* no socket (tests and fuzzing) */
  unsigned int slow_close : 1;    /* close with 1008 at the next flush */
  unsigned int free_pending : 1;  /* closed, waiting for a DNS lookup */
  unsigned int pong_stalled : 1;  /* a pong outlived a flush */
  unsigned int drain_wanted : 1;  /* on_drain is owed at the low water */
  unsigned int paused : 1;        /* ws_conn_pause(): not reading */
  unsigned int sending_fragments : 1; /* ws_conn_send_begin() until fin */
  unsigned int fragment_sent : 1; /* ... and its first frame is queued */
  unsigned int send_binary : 1;   /* ... a binary one (else text) */
  unsigned int close_counted : 1; /* our close frame is in the counters */
  unsigned int pmd : 1;           /* permessage-deflate negotiated, */
  unsigned int pmd_tx_keep : 1;   /* ... we keep our context, */
  unsigned int pmd_rx_keep : 1;   /* ... the peer keeps its, */
  unsigned int pmd_tx_window : 3; /* ... we compress with 8 + this many
                                     window bits, */
  unsigned int pmd_rx_window : 3; /* ... the peer with 8 + this many */
  unsigned int counted : 1; /* counts in its server group's connections */
  unsigned int fail_pending : 1;  /* drop it (error) at the next flush */
};

static inline int ws__conn_has_busy(const ws_conn_t* conn) {
  return conn->busy != &ws__conn_no_busy;
}
ws__busy_t* ws__conn_lend_busy(ws_conn_t* conn);
/* Lends conn its busy state if it has none; NULL if out of memory. */
static inline ws__busy_t* ws__conn_busy(ws_conn_t* conn) {
  return ws__conn_has_busy(conn) ? conn->busy : ws__conn_lend_busy(conn);
}
/* Gives the busy state back if nothing needs it any more. */
void ws__conn_maybe_idle(ws_conn_t* conn);
/* Makes conn's extra state if it has none; NULL if out of memory. */
ws__conn_extra_t* ws__conn_extra(ws_conn_t* conn);

static inline const ws__transport_t* ws__conn_transport(
    const ws_conn_t* conn) {
  return conn->extra != NULL && conn->extra->transport != NULL
             ? conn->extra->transport
             : &ws__stream_transport;
}

static inline uv_stream_t* ws__conn_stream(const ws_conn_t* conn) {
  return conn->extra != NULL && conn->extra->stream != NULL
             ? conn->extra->stream
             : (uv_stream_t*) &conn->tcp;
}

/* 0 until ws_conn_id() gave it one. */
static inline ws_conn_id_t ws__conn_id_of(const ws_conn_t* conn) {
  return conn->extra != NULL ? conn->extra->id : 0;
}

/* The busy states' pool (busy.c): it keeps no more than there are
 * connections, this many at least (a broadcast lends one to every
 * member, then takes them all back). */
#define WS__BUSY_POOL_MIN 64
/* Frees what the pool keeps beyond the connections left. */
void ws__busy_pool_trim(ws__hub_t* hub);
void ws__busy_pool_free(ws__hub_t* hub);

/* The callbacks both roles give their connections. */
typedef struct {
  void (*on_open)(ws_conn_t* conn);
  void (*on_message)(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                     size_t len);
  void (*on_pong)(ws_conn_t* conn, const void* data, size_t len);
  void (*on_close)(ws_conn_t* conn, const ws_close_info_t* info);
  void (*on_peer_close)(ws_conn_t* conn, uint16_t code, const char* reason,
                        size_t reason_len);
  void (*on_drain)(ws_conn_t* conn);
} ws__conn_callbacks_t;

/* ---- The hub: what a server and a client share (hub.c) ---- */

struct ws__hub_s {
  uv_loop_t* loop;
  const ws__role_t* role;
  const ws__io_t* io;
  ws_server_options_t options;
  ws__conn_callbacks_t callbacks;
  void* data;                /* the server's or client's user data */
  ws__list_t conns;
  ws__list_t dirty;
  size_t conn_count;
  size_t drain_low_water;    /* options.drain_low_water, 0 resolved */
  uint64_t header_parses;    /* frame headers parsed: work per byte */
  uint64_t deflate_calls;    /* messages compressed: one per broadcast */
  /* Connections keeping deflate contexts, counted where takeovers points
   * (a server's group sets it: its count is over all its loops), or else
   * in takeover_count. */
  atomic_size_t* takeovers;
  atomic_size_t takeover_count;
  ws__zstream_t* free_deflaters; /* streams lent per message (deflate.c) */
  ws__zstream_t* free_inflaters;
  unsigned char* zbuf;       /* a compressed message being sent */
  size_t zbuf_cap;
  size_t handle_count;       /* our handles not yet closed */
  ws__wheel_t wheel;
  uv_prepare_t flush;
  ws__seg_t* spare_seg;      /* see ws__outq_t.spare */
  ws__engine_t* free_engines;
  size_t free_engine_count;
  struct ws__busy_s* free_busy; /* busy.c's pool */
  size_t free_busy_count;
  unsigned char* read_buf;   /* shared by every connection */
  size_t read_buf_size;
  int read_buf_busy;
  int closing;
  ws__list_t deferred;       /* ws__deferred_t.node */
  uv_timer_t close_timer;    /* ws__hub_close_within()'s deadline */
  uint64_t close_deadline;   /* loop time, 0 if none */
  ws__list_t tls_warm;       /* TLS connections keeping record buffers,
                                the least recently active first (tls.c) */
  uv_timer_t tls_idle;       /* frees those idle for a while (tls.c) */
#ifndef WS__NO_COUNTERS
  ws_stats_t stats;          /* stats.c; gauges but wslay_contexts_in_use
                                are filled at a snapshot */
#endif
};

/* ---- Counters (stats.c) and logs (log.c) ----
 *
 * Counters are plain increments of hub->stats (room->stats), compiled out
 * with UVWS_COUNTERS=OFF (WS__NO_COUNTERS). A log line costs one test of
 * log_cb unless the level is wanted. */

#ifndef WS__NO_COUNTERS
#  define WS__COUNT(hub, field) ((void) ((hub)->stats.field++))
#  define WS__COUNT_N(hub, field, n) ((void) ((hub)->stats.field += (n)))
#else
#  define WS__COUNT(hub, field) ((void) 0)
#  define WS__COUNT_N(hub, field, n) ((void) 0)
#endif

/* The ws_frame_kind_t of an opcode. */
static inline unsigned int ws__frame_kind(unsigned int opcode) {
  static const unsigned char kinds[16] = {
    WS_FRAME_CONTINUATION, WS_FRAME_TEXT, WS_FRAME_BINARY,
    WS_FRAME_RESERVED, WS_FRAME_RESERVED, WS_FRAME_RESERVED,
    WS_FRAME_RESERVED, WS_FRAME_RESERVED, WS_FRAME_CLOSE, WS_FRAME_PING,
    WS_FRAME_PONG, WS_FRAME_RESERVED, WS_FRAME_RESERVED, WS_FRAME_RESERVED,
    WS_FRAME_RESERVED, WS_FRAME_RESERVED
  };
  return kinds[opcode & 0x0f];
}

/* The index of a close code in close_codes_sent and _received. */
static inline unsigned int ws__close_code_slot(unsigned int code) {
  return code >= 1000 && code < 1000 + WS_STATS_CLOSE_CODES - 1
             ? code - 1000
             : WS_STATS_CLOSE_CODES - 1;
}

/* An upgrade refused with status for reason (ws_handshake_failure_t). */
void ws__stats_refused(ws__hub_t* hub, int status, int reason);

#define WS__LOG(hub, level, conn, ...)                                        \
  do {                                                                        \
    if ((hub)->options.log_cb != NULL &&                                      \
        (int) (level) <= (int) (hub)->options.log_level)                      \
      ws__log((hub), (level), (conn), __VA_ARGS__);                           \
  } while (0)

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void ws__log(ws__hub_t* hub, ws_log_level_t level, ws_conn_t* conn,
             const char* fmt, ...);

/* Sets up the loop's handles, the read buffer, the wheel and the flush;
 * WS_EINVAL for options out of range. */
int ws__hub_init(ws__hub_t* hub, uv_loop_t* loop, const ws__role_t* role,
                 const ws__io_t* io, const ws_server_options_t* options);
/* Lends the shared read buffer (empty if it is lent already). */
uv_buf_t ws__hub_read_buf(ws__hub_t* hub);
void ws__hub_return_read_buf(ws__hub_t* hub, const char* base);
/* io->on_flush runs before the loop next polls. */
void ws__hub_schedule_flush(ws__hub_t* hub);
/* deferred->cb runs from the loop, before the loop next polls and before
 * the flush; cancel it with ws__list_remove(&deferred->node). */
void ws__hub_defer(ws__hub_t* hub, ws__deferred_t* deferred);
/* Marks the hub closing; once its connections are gone, its handles
 * close and role->hub_closed follows. */
void ws__hub_close(ws__hub_t* hub);
/* Gives the hub's connections until timeout ms from now to close: then
 * io->on_deadline drops those left. Call before ws__hub_close(). Returns
 * 0 or a libuv error. */
int ws__hub_close_within(ws__hub_t* hub, uint64_t timeout);
/* Goes on with ws__hub_close() once a handle or connection is gone. */
void ws__hub_maybe_closed(ws__hub_t* hub);

/* ---- A connection's state and memory (conn.c) ---- */

ws_conn_t* ws__conn_new(ws__hub_t* hub);
/* Frees the connection, whose transport has closed (or never opened). */
void ws__conn_free(ws_conn_t* conn);
/* The handshake succeeded: the connection is open, on_open is called. */
void ws__conn_open(ws_conn_t* conn);
int ws__conn_is_open(const ws_conn_t* conn);
/* Lends the connection a wslay context if it has none; NULL if no memory. */
ws__engine_t* ws__conn_engine(ws_conn_t* conn);
/* Records the close code and reason on_close will report. */
void ws__conn_set_close_info(ws_conn_t* conn, uint16_t code,
                             const void* reason, size_t len);
/* The close reason on_close reports ("" if none), *len its length. */
const char* ws__conn_close_reason(const ws_conn_t* conn, size_t* len);
/* Records why the connection ends, if nothing did before. */
void ws__conn_set_error(ws_conn_t* conn, int error);
/* The loop time of the connection's next deadline, 0 if none. */
uint64_t ws__conn_next_deadline(const ws_conn_t* conn);
/* Puts the connection on the wheel at its next deadline. */
void ws__conn_schedule(ws_conn_t* conn);
/* Calls on_close if it is owed, then closes the transport. */
void ws__conn_close_handle(ws_conn_t* conn);
/* Drops the connection at once: on_close(1006, error) if it was open. */
void ws__conn_abort(ws_conn_t* conn, int error);
/* Drops the connection from the next flush, not from inside the caller. */
void ws__conn_fail_later(ws_conn_t* conn, int error);
/* A room member's queue is full: skip or close, as slow_policy says. */
void ws__conn_on_slow(ws_conn_t* conn);
/* The connection has output for the next flush. */
void ws__conn_mark_dirty(ws_conn_t* conn);
/* Bytes queued for sending, those waiting in conn->after included. */
size_t ws__conn_queued(const ws_conn_t* conn);
/* The transport has closed: frees the connection, unless its role must. */
void ws__conn_on_closed(ws_conn_t* conn);
/* Reads again after ws_conn_pause(), the clocks of what it hears (idle,
 * pong) restarted: input it held is fed first, from the next flush. */
int ws__conn_unpause(ws_conn_t* conn);

/* ---- Closing (close.c): the close handshake, failures, timeouts ---- */

/* Lets wslay write what it queued (close frames) and decides what the
 * connection does next. */
void ws__conn_after_engine(ws_conn_t* conn);
int ws__conn_start_close(ws_conn_t* conn, uint16_t code, const char* reason,
                         size_t reason_len, int error);
/* Fails the connection with 1002, 1007 or 1009: the close frame goes out,
 * then the transport closes. */
void ws__conn_fail(ws_conn_t* conn, uint16_t code);
/* Begins writing out what is queued; the transport closes after. */
void ws__conn_start_drain(ws_conn_t* conn);
void ws__conn_on_eof(ws_conn_t* conn, int error);
/* The wheel says the deadline passed: act on it or reschedule. */
void ws__conn_on_deadline(ws_conn_t* conn, uint64_t now);
/* Closes a connection that was dirty: first what waited for the flush
 * (an error, a slow consumer), then its output. */
void ws__conn_service(ws_conn_t* conn);
/* Flushes every dirty connection of the hub. */
void ws__hub_flush_dirty(ws__hub_t* hub);
/* Closes every connection of the hub: 1001 for open ones. */
void ws__hub_close_conns(ws__hub_t* hub);
/* Whether a close frame may carry code (1000-1003, 1007-1011,
 * 3000-4999). */
int ws__close_code_sendable(unsigned int code);

/* ---- Frames in (recv.c) ---- */

/* The transport read nread bytes at data (or failed with nread < 0). */
void ws__conn_on_read(ws_conn_t* conn, unsigned char* data, ssize_t nread);
/* Feeds received bytes: the handshake's, then frames. Frames are unmasked
 * in place: data must be writable. */
void ws__conn_feed(ws_conn_t* conn, unsigned char* data, size_t len);

/* ---- Bytes out (send.c) ---- */

/* Queues a final frame (masked if the role masks); 0 or WS_ENOMEM. */
int ws__conn_send_frame(ws_conn_t* conn, unsigned int opcode,
                        const void* data, size_t len);
/* Queues a pong for a ping; while an earlier pong waits to be written,
 * the latest ping's payload waits instead (RFC 6455 section 5.5.3). */
void ws__conn_answer_ping(ws_conn_t* conn, const unsigned char* data,
                          size_t len);
/* Whether n more bytes fit under max_queued_bytes. */
static inline int ws__conn_queue_has_room(const ws_conn_t* conn,
                                          size_t n) {
  size_t limit;

  limit = conn->hub->options.max_queued_bytes;
  return n <= limit && conn->busy->out.bytes <= limit - n;
}
/* Queues a whole message on q, compressed if conn negotiated deflate and
 * it is long enough; 0 or WS_ENOMEM. */
int ws__conn_queue_message(ws_conn_t* conn, ws__outq_t* q,
                           unsigned int opcode, const void* data,
                           size_t len);
/* Where a data frame goes: after the fragmented message being sent, if
 * there is one. */
ws__outq_t* ws__conn_data_queue(ws_conn_t* conn);
/* The application queued data: on_drain is owed if the queue passed
 * drain_low_water. */
void ws__conn_note_queued(ws_conn_t* conn);
/* Writes what is queued, with what the transport takes at once first;
 * once a draining connection has written everything, ends it. */
void ws__conn_flush(ws_conn_t* conn);
/* The transport finished the write in flight. */
void ws__conn_on_written(ws_conn_t* conn, int status);

/* ---- The handshake of both roles (handshake.c) ---- */

/* The server role's handshake: parse the request, call on_handshake or
 * on_http, answer. */
size_t ws__handshake_server(ws_conn_t* conn, const unsigned char* data,
                            size_t len);
/* The client role's: parse the response and check it against the request. */
size_t ws__handshake_client(ws_conn_t* conn, const unsigned char* data,
                            size_t len);
/* Answers with an HTTP error status and closes. */
void ws__handshake_refuse(ws_conn_t* conn, int status);

/* ---- Posting to a server's loop from any thread (remote.c) ---- */

typedef struct ws__post_s ws__post_t;

struct ws__post_s {
  ws__post_t* next;
  /* On the mailbox's loop: status 0 to do the work, or WS_ECLOSED if the
   * mailbox closed first (the server is closing). Frees the post. */
  void (*cb)(ws__post_t* post, ws_server_t* server, int status);
};

typedef struct {
  uv_async_t async;
  uv_mutex_t lock;
  ws__post_t* head;          /* guarded by lock */
  ws__post_t** tail;
  /* Taken from the queue, not run yet: the loop's alone. A wake-up runs
   * at most max_posts_per_wakeup of them and leaves the rest to the next
   * turn of the loop. */
  ws__post_t* ready;
  ws__post_t** ready_tail;
  ws_server_t* server;
  unsigned int slot;         /* in the process's registry */
  int open;
  /* The connections that have an id: open addressing on the id. */
  ws_conn_t** ids;
  size_t id_cap;
  size_t id_count;
} ws__mailbox_t;

/* max_posts_per_wakeup when the options leave it 0. */
#define WS__POSTS_PER_WAKEUP 1024u

/* Registers the mailbox; on the loop's thread (or before the loop runs).
 * Returns 0 or WS_ENOMEM. */
int ws__mailbox_open(ws__mailbox_t* box, ws_server_t* server);
/* Posts are refused from now on; those queued get status WS_ECLOSED from
 * the loop, then the async handle closes (it counts in the hub's
 * handles). */
void ws__mailbox_close(ws__mailbox_t* box);
/* Any thread: queues post to the mailbox in slot. WS_ECLOSED if it is
 * closed (the post is still the caller's). */
int ws__post(unsigned int slot, ws__post_t* post);
/* The connection's id stops naming it (it is closing). */
void ws__mailbox_forget(ws__mailbox_t* box, ws_conn_t* conn);
/* The open connection id names on this mailbox's loop, or NULL. */
ws_conn_t* ws__mailbox_find(const ws__mailbox_t* box, ws_conn_id_t id);
/* The mailbox slot an id routes to. */
#define WS__ID_SLOT(id) ((unsigned int) ((id) >> 48))
/* A slot no mailbox ever has: posts to it fail. */
#define WS__NO_SLOT 0x10000u

/* ---- Servers on several loops (group.c) ---- */

typedef struct ws__group_s ws__group_t;
typedef struct ws__channel_s ws__channel_t;

/* The most loops one server spans. */
#define WS__GROUP_MAX 64

/* ---- Servers (server.c) and clients (client.c) ---- */

struct ws_server_s {
  ws__hub_t hub; /* first */
  ws_server_callbacks_t callbacks;
  ws__list_t listeners;
  ws__list_t rooms;
  ws__list_t batching_rooms;
  ws__mailbox_t mailbox;
  ws__group_t* group;
  unsigned int group_index;  /* 0: the server the others attached to */
  /* Index 0: where accepted connections are handed over to the others
   * (one per attached loop, index - 1). Index > 0: the one they come in
   * through. */
  ws__channel_t* channels[WS__GROUP_MAX];
  unsigned int channel_count; /* index 0: the highest index attached */
  unsigned int next_loop;    /* index 0: round robin over the loops */
};

/* group.c, for server.c and the shared rooms. */
int ws__group_new(ws_server_t* first);
int ws__group_attach(ws_server_t* first, ws_server_t* server);
/* A listener (or a channel) has a connection for server's loop, or for
 * another loop of its group; over TLS with tls (NULL: plaintext). */
void ws__group_accept(ws_server_t* server, uv_stream_t* listener,
                      ws__tls_ctx_t* tls);
/* Counts a new connection in the group's: 0 if that takes them past
 * max_connections (the connection is to be refused with 503). */
int ws__group_admit(ws_conn_t* conn, ws_server_t* server);
/* Answers 503 to a connection past max_connections, counted and logged. */
void ws__group_refuse_full(ws_conn_t* conn);
/* The connection is freed: it counts no more. */
void ws__group_uncount(ws_conn_t* conn, ws_server_t* server);
/* The first close of the group: records cb and fills slots with the
 * mailboxes of the other loops' servers, to be closed too; returns how
 * many (0 if the group was closing already). */
unsigned int ws__group_begin_close(ws_server_t* server,
                                   ws_server_close_cb cb,
                                   unsigned int* slots);
void ws__group_close_channels(ws_server_t* server);
/* server's hub has closed: 1 if it was the group's last (then *cb is the
 * group's close callback and the group is to be destroyed). */
int ws__group_closed(ws_server_t* server, ws_server_close_cb* cb);
void ws__group_destroy(ws__group_t* group);
/* The mailbox slots and indexes of the servers not closed yet. */
unsigned int ws__group_slots(ws__group_t* group, unsigned int* slots,
                             unsigned int* indexes);
/* The group's shared rooms (shared.c's), guarded by the group's lock. */
ws__list_t* ws__group_shared_rooms(ws__group_t* group);
void ws__group_lock(ws__group_t* group);
void ws__group_unlock(ws__group_t* group);

/* Listens on every IPv4 and IPv6 address of list, on port (0: the port
 * the first one gets), as ws_server_listen() does with a name's. */
int ws__server_listen_addrs(ws_server_t* server, const struct addrinfo* list,
                            int port);

/* The server of a server's connection; NULL for a client's. */
static inline ws_server_t* ws__server_of(const ws_conn_t* conn) {
  return conn->hub->role == &ws__server_role ? (ws_server_t*) conn->hub
                                              : NULL;
}

/* What a client keeps for the request it sent, until the answer. */
struct ws__dial_s {
  uv_getaddrinfo_t dns;
  uv_connect_t connect;
  ws_conn_t* conn;
  char* host;          /* as getaddrinfo wants it: no brackets */
  char port[8];
  char* request;       /* the upgrade request, sent once connected */
  size_t request_len;
  char* offered;       /* the Sec-WebSocket-Protocol we sent, or NULL */
  int deflate_offered; /* we offered permessage-deflate */
  char accept[29];     /* the Sec-WebSocket-Accept we expect */
  int dns_busy;
  int silent;          /* failed inside ws_client_connect(): no callback */
  int tls;             /* wss:// */
  /* The address to bind before connecting; family AF_UNSPEC for none. */
  struct sockaddr_storage local;
};


/* ---- Rooms (room.c) ---- */

/* One connection in one room. */
typedef struct {
  ws_room_t* room;
  ws_conn_t* conn;
  ws__list_t room_node;
  ws__list_t conn_node;
} ws__member_t;

struct ws_room_s {
  ws_server_t* server;
  void* data;
  ws__list_t node;      /* server->rooms */
  ws__list_t members;   /* ws__member_t.room_node */
  size_t count;
  /* The broadcasts of one loop iteration share one buffer, so that a
   * member's queue holds them all in one segment: one write, one entry. */
  ws__shared_t* batch;
  size_t batch_cap;
  ws__list_t batch_node; /* server->batching_rooms */
  ws__member_t* cursor; /* the next member ws_room_foreach() visits */
  int* destroyed;       /* set by ws_room_destroy() during a foreach */
#ifndef WS__NO_COUNTERS
  ws_room_stats_t stats; /* members is filled at a snapshot */
#endif
};

void ws__conn_leave_rooms(ws_conn_t* conn);
void ws__server_destroy_rooms(ws_server_t* server);
/* A broadcast's encoded frames: plain, and compressed once for the
 * members that share compressed frames (z NULL: none). */
typedef struct {
  unsigned char* plain;
  size_t plain_len;
  unsigned char* z;
  size_t z_len;
} ws__frames_t;

/* Queues a broadcast, whose frames lie in shared, to every open member
 * but except, as ws_room_broadcast() does: each gets the plain frame, the
 * compressed one, or its own compression of the payload. Returns how many
 * members got it. */
int ws__room_deliver(ws_room_t* room, ws__shared_t* shared,
                     const ws__frames_t* frames, const ws_conn_t* except);
/* Copies a broadcast's frames into this loop iteration's buffer of the
 * room and delivers them from there, so that they share a segment with
 * the iteration's other broadcasts in each member's queue. */
int ws__room_broadcast_frame(ws_room_t* room, const ws__frames_t* frames,
                             const ws_conn_t* except);
/* Frames up to this size are delivered that way. */
#define WS__ROOM_COPY_MAX 4096

/* ---- Rooms across the loops of a server (shared.c) ---- */

/* The group's last server has closed: frees its shared rooms left. */
void ws__shared_rooms_free(ws__group_t* group);
/* Broadcasts the room compressed so far (once each). */
uint64_t ws__shared_room_deflate_calls(ws_shared_room_t* room);
/* The loop is about to poll: rooms let go of this iteration's buffers. */
void ws__server_end_batches(ws_server_t* server);

/* ---- permessage-deflate (RFC 7692): negotiation (extensions.c) ---- */

/* What the response to an offer settles (the window sizes in bits). */
typedef struct {
  uint8_t tx_bits;      /* the window we compress with */
  uint8_t rx_bits;      /* the window the peer compresses with */
  uint8_t tx_keep;      /* we keep our context between messages */
  uint8_t rx_keep;      /* the peer keeps its context */
} ws__pmd_params_t;

/* A server picks the first permessage-deflate offer it can accept from
 * the request's Sec-WebSocket-Extensions, and sets the value to answer
 * (req->extensions). Returns 1 if one was accepted, 0 if none (bad offers
 * are declined), or WS_ENOMEM. */
int ws__pmd_server_negotiate(ws__hub_t* hub, ws_request_t* req,
                             ws__pmd_params_t* params);
/* The client's offer: a Sec-WebSocket-Extensions value (static). */
const char* ws__pmd_client_offer(const ws__hub_t* hub);
/* Checks a response's Sec-WebSocket-Extensions against the offer (offered:
 * whether we made one): 1 if deflate was accepted (params set), 0 if the
 * response has no extension, WS_EBADRESPONSE if it is not acceptable. */
int ws__pmd_client_check(ws__hub_t* hub, const ws_request_t* res,
                         int offered, ws__pmd_params_t* params);

/* ---- permessage-deflate: compressing and inflating (deflate.c) ---- */

/* Whether the library was built with zlib. */
int ws__deflate_available(void);
/* The options' window (bits) and memory level, defaults resolved, and
 * whether a message of len bytes is long enough to compress. */
int ws__deflate_window_bits(const ws_server_options_t* options);
int ws__deflate_mem_level(const ws_server_options_t* options);
int ws__deflate_worth(const ws_server_options_t* options, size_t len);
/* Takes one of deflate_max_takeover's places for a connection that keeps
 * a context (a server's count over all its loops): 1, or 0 if none is
 * left. The connection gives it back when it is freed. */
int ws__takeover_take(ws__hub_t* hub);
void ws__takeover_give(ws__hub_t* hub);
/* The connection negotiated params (a context kept holds a place taken
 * with ws__takeover_take()): it compresses and inflates from now on. */
void ws__deflate_conn_start(ws_conn_t* conn, const ws__pmd_params_t* params);
/* Frees the connection's streams (kept or lent) and its place. */
void ws__deflate_conn_free(ws_conn_t* conn);
void ws__deflate_pool_free(ws__hub_t* hub);
/* Whether a message of len bytes goes compressed to conn. */
int ws__deflate_wanted(const ws_conn_t* conn, size_t len);
/* Whether conn takes a message compressed once for many: it keeps no
 * context and uses its server's window. */
int ws__deflate_shares(const ws_conn_t* conn);
/* A stream of its own for ws__deflate_detached() (NULL if out of memory
 * or built without zlib), and its end. */
ws__zstream_t* ws__deflater_new(int bits, int mem_level);
void ws__deflater_free(ws__zstream_t* s);
/* Compresses a message with s, away from any loop (a shared room's
 * broadcast, on the caller's thread), for connections that keep no
 * context; s is reset. *out is a new allocation (ws__free()). Returns 0,
 * 1 if the message is better sent as it is (*out NULL), or WS_ENOMEM. */
int ws__deflate_detached(ws__zstream_t* s, const void* data, size_t len,
                         unsigned char** out, size_t* out_len);
/* Compresses a message for conn (NULL: for every connection that keeps
 * no context and uses the hub's window, as a broadcast does). *out points
 * to the hub's buffer until the next call. Returns 0, 1 if the message
 * is better sent as it is (never for a connection that keeps its
 * context), or WS_ENOMEM. */
int ws__deflate_message(ws__hub_t* hub, ws_conn_t* conn, const void* data,
                        size_t len, const unsigned char** out,
                        size_t* out_len);
/* Where inflated bytes go; returns 0 or an error that stops inflating. */
typedef int (*ws__inflate_sink_t)(ws_conn_t* conn, const unsigned char* data,
                                  size_t len);
/* Inflates the next len bytes of the compressed message being read; last:
 * the message ends with them. Returns 0, the sink's error, WS_EPROTO
 * (invalid data: 1007) or WS_ENOMEM. */
int ws__inflate(ws_conn_t* conn, const unsigned char* in, size_t len,
                int last, ws__inflate_sink_t sink);
/* The compressed message being read is over (or abandoned): a lent
 * inflater goes back to the hub. */
void ws__inflate_done(ws_conn_t* conn);

/* ---- Structs passed with their size (sized.c) ---- */

/* The smallest sizes accepted: the layouts of uvws 0.2, the first with
 * this scheme. */
#define WS__SIZE_TO(type, field) (offsetof(type, field) + sizeof(((type*) 0)->field))
#define WS__SERVER_OPTIONS_MIN WS__SIZE_TO(ws_server_options_t, slow_policy)
#define WS__SERVER_CALLBACKS_MIN WS__SIZE_TO(ws_server_callbacks_t, on_http)
#define WS__CLIENT_OPTIONS_MIN WS__SIZE_TO(ws_client_options_t, max_queued_bytes)
#define WS__CLIENT_CALLBACKS_MIN                                              \
  WS__SIZE_TO(ws_client_callbacks_t, on_connect_error)
#define WS__CONNECT_OPTIONS_MIN WS__SIZE_TO(ws_connect_options_t, header_count)
#define WS__TLS_OPTIONS_MIN WS__SIZE_TO(ws_tls_options_t, select_arg)

/* Copies src_size bytes of a program's struct over dst, which holds the
 * defaults: WS_EINVAL if src_size is below min_size, or if the program's
 * struct is larger than ours and sets what we do not know. */
int ws__copy_sized(void* dst, size_t dst_size, const void* src,
                   size_t src_size, size_t min_size);
/* Fills a program's struct of dst_size bytes from ours (the defaults);
 * what we do not know is zeroed. */
void ws__init_sized(void* dst, size_t dst_size, const void* defaults,
                    size_t defaults_size);

/* ---- Allocation (alloc.c): every allocation of ours goes through
 * ws_replace_allocator()'s functions (wslay's own allocations do not) ---- */

void* ws__malloc(size_t size);
void* ws__calloc(size_t count, size_t size);
void* ws__realloc(void* ptr, size_t size);
void ws__free(void* ptr);
/* A NUL-terminated copy of n bytes of s. */
char* ws__strndup(const char* s, size_t n);

/* ---- UTF-8 (utf8.c) ---- */

#define WS__UTF8_REJECT 0xffffffffu
/* Takes one byte; 0 means "between characters", WS__UTF8_REJECT invalid. */
uint32_t ws__utf8_step(uint32_t state, unsigned char c);
/* The state after len more bytes, as ws__utf8_step() would leave it, but
 * many bytes at a time; stops at WS__UTF8_REJECT. */
uint32_t ws__utf8_scan(uint32_t state, const unsigned char* s, size_t len);
/* The same for bytes masked with key from its offset (their index in the
 * payload), which stay as they are. */
uint32_t ws__utf8_scan_masked(uint32_t state, const unsigned char* s,
                              size_t len, const unsigned char key[4],
                              size_t offset);
/* Unmasks src into dst (may be src) and checks it, in one pass; after a
 * WS__UTF8_REJECT, dst is unmasked only in part. */
uint32_t ws__utf8_unmask(uint32_t state, unsigned char* dst,
                         const unsigned char* src, size_t len,
                         const unsigned char key[4], size_t offset);
int ws__utf8_valid(const unsigned char* s, size_t len);
/* Whether the scans use table lookups (simd.h's WS__LOOKUP) where the CPU
 * has them, or their comparisons; returns whether they now look up.
 * For the tests and benchmarks, which check and time both. */
int ws__utf8_use_lookup(int on);


/* ---- The wheel's and the wslay pool's functions, which take the hub
 * (wheel.c, engine.c) ---- */

void ws__wheel_init(ws__wheel_t* wheel, uint64_t tick);
void ws__wheel_schedule(ws__hub_t* hub, ws_conn_t* conn, uint64_t deadline);
void ws__wheel_cancel(ws__hub_t* hub, ws_conn_t* conn);

ws__engine_t* ws__engine_lend(ws__hub_t* hub, ws_conn_t* conn);
void ws__engine_return(ws__hub_t* hub, ws__engine_t* engine);
void ws__engine_discard(ws__engine_t* engine);
void ws__engine_pool_free(ws__hub_t* hub);

#endif /* UVWS_INT_H */
