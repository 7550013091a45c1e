/* uvws: WebSocket (RFC 6455) servers that live inside a libuv loop.
 *
 * The library never runs the loop: attach a server to your uv_loop_t, run
 * the loop yourself, and close the server with ws_server_close(). After the
 * close callback the server holds no handles and no memory.
 *
 * Threading: a server, a client, their connections and rooms belong to
 * the thread that runs their loop, and every function that takes one of
 * them must be called on that thread; uvws takes no lock on that path.
 * The exceptions, safe from any thread at any time: ws_post_send(),
 * ws_post_ping(), ws_post_close() and ws_post_call() (through a
 * ws_conn_id_t, never a ws_conn_t pointer, which the loop may free), and
 * ws_shared_room_broadcast(), ws_shared_room_new() and
 * ws_shared_room_destroy(). Their work is done on the connection's loop,
 * in the order each thread posted it. One server may span several loops,
 * one thread each (ws_server_attach()). Loops share nothing else but the
 * allocator (ws_replace_allocator(), before any server or client exists)
 * and the process's SIGPIPE setting. docs/embedding.md has the rules.
 *
 * Re-entrancy: sending, pinging, closing, broadcasting, pausing and
 * resuming never call back into your code. A connection they must drop (no memory, or a room member
 * too slow under WS_SLOW_CLOSE) gets its on_close later, from the loop, so
 * lists you are walking stay intact. The one exception is the log callback
 * (options.log_cb), which only records lines (see "Operations: logs").
 *
 * Binary compatibility: every options and callbacks struct travels with
 * the size it has where the program was compiled (the macros below pass
 * it: ws_server_new() is ws_server_new_sized(), and so on). Fields are only
 * ever appended, so a newer library reads what an older program knows and
 * gives the rest their defaults; an older library refuses a struct larger
 * than its own whose extra bytes are not all zero (WS_EINVAL). Structs the
 * library hands to callbacks (ws_close_info_t) only grow at the end too.
 * While the version is 0.x, every minor version may break the ABI anyway,
 * and its shared library has a new SONAME (libuvws.so.0.MINOR).
 *
 * Errors are negative ints. Functions that talk to libuv may also return
 * libuv's error codes (UV_EADDRINUSE, ...); ws_strerror() and ws_err_name()
 * describe both kinds. When a function that takes a callback returns an
 * error, the callback is never called.
 */
#ifndef UVWS_H
#define UVWS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(UVWS_SHARED)
#  if defined(BUILDING_UVWS)
#    define WS_EXTERN __declspec(dllexport)
#  else
#    define WS_EXTERN __declspec(dllimport)
#  endif
#elif __GNUC__ >= 4
#  define WS_EXTERN __attribute__((visibility("default")))
#else
#  define WS_EXTERN
#endif

#define UVWS_VERSION_MAJOR 0
#define UVWS_VERSION_MINOR 1
#define UVWS_VERSION_PATCH 0
#define UVWS_VERSION_STRING "0.1.0"
/* 0xMMmmpp: compare with ws_version() to check the library at run time. */
#define UVWS_VERSION_HEX                                                      \
  ((UVWS_VERSION_MAJOR << 16) | (UVWS_VERSION_MINOR << 8) | UVWS_VERSION_PATCH)

WS_EXTERN unsigned int ws_version(void);
WS_EXTERN const char* ws_version_string(void);

/* Error codes, from -30001 down to -30999 at most. They never collide with
 * libuv's (which are -1 .. -4095). */
#define WS_ERRNO_MAP(XX)                                                      \
  XX(EINVAL, -30001, "invalid argument")                                      \
  XX(ENOMEM, -30002, "out of memory")                                         \
  XX(ECLOSED, -30003, "connection is closing or closed")                      \
  XX(EQUEUEFULL, -30004, "send queue limit exceeded")                         \
  XX(EPROTO, -30005, "peer violated the WebSocket protocol")                  \
  XX(ETOOBIG, -30006, "message larger than max_message_size")                 \
  XX(ETIMEDOUT, -30007, "timed out")                                          \
  XX(EEOF, -30008, "peer closed the TCP connection without a close frame")   \
  XX(ESHUTDOWN, -30009, "server is closing")                                  \
  XX(EINTERNAL, -30010, "internal error in the frame engine")             \
  XX(EBADSTATUS, -30011, "server answered the upgrade with a status not 101")\
  XX(EBADACCEPT, -30012, "server sent a wrong Sec-WebSocket-Accept")         \
  XX(EBADRESPONSE, -30013, "malformed or unacceptable upgrade response")      \
  XX(ECANCELED, -30014, "connection attempt canceled by ws_conn_close()")  \
  XX(ENOTSUP, -30015, "not supported by this build (TLS without OpenSSL)")   \
  XX(ETLS, -30016, "TLS failed: handshake, alert, or a bad record")         \
  XX(ECERT, -30017, "the peer's TLS certificate could not be verified")

typedef enum {
#define WS__ERR_ENUM(name, value, msg) WS_##name = value,
  WS_ERRNO_MAP(WS__ERR_ENUM)
#undef WS__ERR_ENUM
  WS_ERRNO_MAX = -30000
} ws_errno_t;

/* A message for any ws_ or libuv error code; "unknown error" otherwise. */
WS_EXTERN const char* ws_strerror(int err);
/* The symbolic name ("WS_EINVAL", "UV_EPIPE", ...). */
WS_EXTERN const char* ws_err_name(int err);

typedef void* (*ws_malloc_func)(size_t size);
typedef void* (*ws_realloc_func)(void* ptr, size_t size);
typedef void* (*ws_calloc_func)(size_t count, size_t size);
typedef void (*ws_free_func)(void* ptr);

/* Replaces the functions uvws allocates with (malloc and friends by
 * default), as uv_replace_allocator() does for libuv. Call it before any
 * server exists. Allocations made inside wslay are not covered. Returns 0,
 * or WS_EINVAL if any function is NULL. */
WS_EXTERN int ws_replace_allocator(ws_malloc_func malloc_fn,
                                   ws_realloc_func realloc_fn,
                                   ws_calloc_func calloc_fn,
                                   ws_free_func free_fn);

typedef enum {
  WS_OP_TEXT = 1,
  WS_OP_BINARY = 2
} ws_opcode_t;

/* Close codes a server commonly sends or reports (RFC 6455 section 7.4.1). */
enum {
  WS_CLOSE_NORMAL = 1000,
  WS_CLOSE_GOING_AWAY = 1001,
  WS_CLOSE_PROTOCOL_ERROR = 1002,
  WS_CLOSE_UNSUPPORTED_DATA = 1003,
  WS_CLOSE_NO_STATUS = 1005,   /* reported only: the close frame had no code */
  WS_CLOSE_ABNORMAL = 1006,    /* reported only: no close frame at all */
  WS_CLOSE_INVALID_DATA = 1007,
  WS_CLOSE_POLICY = 1008,
  WS_CLOSE_TOO_BIG = 1009,
  WS_CLOSE_INTERNAL_ERROR = 1011
};

typedef struct ws_server_s ws_server_t;
typedef struct ws_conn_s ws_conn_t;
typedef struct ws_request_s ws_request_t;
typedef struct ws_room_s ws_room_t;
typedef struct ws_client_s ws_client_t;
typedef struct ws_shared_room_s ws_shared_room_t;
/* Names a server's connection from any thread (ws_conn_id()); 0 is none. */
typedef uint64_t ws_conn_id_t;

/* What a room broadcast does for a member whose queue is full (queued bytes
 * plus the message would pass max_queued_bytes). */
typedef enum {
  /* Close the member with 1008 "slow consumer": the close frame is queued
   * after what it already has, and the close timeout bounds the wait. */
  WS_SLOW_CLOSE = 0,
  /* Skip this message for that member and count it
   * (ws_conn_skipped_messages()); the member stays. */
  WS_SLOW_SKIP = 1
} ws_slow_policy_t;

/* How a connection ended, passed to on_close. */
typedef struct {
  /* The peer's close code if its close frame arrived (1005 if it had none);
   * otherwise the code we sent; otherwise 1006. */
  uint16_t code;
  /* The close reason that goes with code (UTF-8, not NUL-terminated). */
  const char* reason;
  size_t reason_len;
  /* 1 if close frames went both ways before the TCP connection closed. */
  int clean;
  /* 0, or why the connection ended early: WS_EPROTO, WS_ETOOBIG (we failed
   * the connection with 1002/1007 or 1009), WS_ETIMEDOUT (handshake, pong,
   * idle or close timeout), WS_EEOF, WS_EQUEUEFULL, WS_ESHUTDOWN, WS_ETLS
   * (a TLS connection's alert, bad record or renegotiation attempt), or a
   * libuv I/O error. */
  int error;
} ws_close_info_t;

/* ---- Operations: logs ----
 *
 * A log callback (options.log_cb, NULL by default: then the library only
 * tests that pointer) hears what an operator wants to know, as one line of
 * text at a time: refused handshakes and their reason, protocol errors and
 * the close code sent, timeouts (handshake, pong, idle, close, a shutdown's
 * deadline), slow consumers, failed accepts, and, at WS_LOG_DEBUG, every
 * open and close. Levels above options.log_level are not even formatted.
 * data is the server's or client's user data; conn is the connection the
 * line is about, or NULL (a failed accept); peer is its address as text
 * ("127.0.0.1:5000", "[::1]:5000"), or "" if it has none (a pipe, or a
 * peer already gone). message and peer are valid only during the call.
 * Unlike the other callbacks, it may also run inside a ws_ call (a slow
 * member skipped by ws_room_broadcast(), ws_server_shutdown()): it must
 * only record the line, reading the connection at most (ws_conn_get_data()
 * and the like), never send, close, join, leave or free anything. */
typedef enum {
  WS_LOG_ERROR = 1, /* the library could not do its work: out of memory */
  WS_LOG_WARN = 2,  /* a peer misbehaved or a limit was hit */
  WS_LOG_INFO = 3,  /* what the server does: shutting down */
  WS_LOG_DEBUG = 4  /* every connection opened and closed */
} ws_log_level_t;

typedef void (*ws_log_cb)(void* data, ws_log_level_t level, ws_conn_t* conn,
                          const char* peer, const char* message);

/* "error", "warn", "info" or "debug"; NULL for anything else. */
WS_EXTERN const char* ws_log_level_name(int level);

/* The largest value a size limit (max_message_size, max_queued_bytes) may
 * take: larger ones are refused with WS_EINVAL, so that no sum of a limit
 * and a frame's length can wrap. */
#define WS_MAX_LIMIT (SIZE_MAX >> 2)

/* Every limit, with its default. Fill with ws_server_options_init() and
 * change what you need; the server copies the struct. A zero timeout or
 * interval disables that timer. */
typedef struct {
  size_t max_message_size;   /* 16 MiB; a larger message closes with 1009 */
  size_t max_header_size;    /* 8 KiB for the whole request head; else 431 */
  uint64_t handshake_timeout; /* 10000 ms from accept to a complete request */
  uint64_t idle_timeout;     /* 0 (off): close with 1001 after this long
                                without receiving any byte */
  uint64_t ping_interval;    /* 30000 ms without receiving: send a ping */
  uint64_t pong_timeout;     /* 10000 ms after that ping with nothing heard:
                                drop the connection (WS_ETIMEDOUT) */
  uint64_t close_timeout;    /* 5000 ms to finish a close handshake */
  unsigned int max_connections; /* 0: no limit but the process's file
                                   descriptors (accepting past them is
                                   handled: the listener waits); past a
                                   limit set here, 503 and closed */
  int backlog;               /* 511, the listen(2) backlog */
  size_t max_queued_bytes;   /* 64 MiB per connection; a send beyond it
                                fails with WS_EQUEUEFULL and queues
                                nothing (the connection stays open) */
  ws_slow_policy_t slow_policy; /* WS_SLOW_CLOSE, for room broadcasts */
  void* data;                /* NULL: the server's user data from the start
                                (ws_server_get_data(), ws_conn_owner_data()) */
  size_t drain_low_water;    /* 0: max_queued_bytes / 4. on_drain comes
                                once the queue is down to this many bytes;
                                must be below max_queued_bytes, else
                                ws_server_new() fails with WS_EINVAL */
  ws_log_cb log_cb;          /* NULL (off): what an operator wants to know,
                                see "Operations: logs" below */
  ws_log_level_t log_level;  /* WS_LOG_INFO: the most verbose level given
                                to log_cb (0 means WS_LOG_INFO) */
  /* permessage-deflate (RFC 7692), see "Compression" below. Every value
   * out of range fails ws_server_new() with WS_EINVAL. */
  int deflate;               /* 0 (off): never negotiated; 1: accepted
                                when a client offers it */
  int deflate_window_bits;   /* 0: 15; 8..15, the largest LZ77 window (in
                                bits) used to compress and, for
                                connections that keep their context,
                                asked of the peer */
  int deflate_mem_level;     /* 0: 8; 1..9, zlib's memLevel (compression
                                memory: 2^(level+9) bytes) */
  size_t deflate_threshold;  /* 0: 64; messages shorter than this many
                                bytes are sent uncompressed */
  unsigned int deflate_max_takeover; /* 0: no connection keeps a
                                compression context between messages;
                                up to this many connections may (a
                                server's on all its loops together) */
  unsigned int max_posts_per_wakeup; /* 0: 1024. Posts from other threads
                                (ws_post_send() and the rest, shared room
                                broadcasts) a wake-up of the loop runs at
                                most; the rest run on its next turn,
                                after its I/O */
} ws_server_options_t;

/* ---- Compression: permessage-deflate (RFC 7692) ----
 *
 * With deflate = 1 (and a library built with zlib: CMake's
 * UVWS_WITH_ZLIB, AUTO by default), a server accepts the first
 * permessage-deflate offer it can in the request's
 * Sec-WebSocket-Extensions, declining bad ones (an unknown or repeated
 * parameter, a window outside 8..15) as RFC 7692 section 7 says; a client
 * offers "permessage-deflate; server_no_context_takeover;
 * client_max_window_bits" and fails a connection whose answer it did not
 * ask for (on_connect_error(WS_EBADRESPONSE)). It is invisible to the
 * application: on_message gets inflated messages; ws_conn_send() and
 * ws_room_broadcast() compress messages of deflate_threshold bytes or more
 * (those that do not get smaller go as they are), while the pieces of
 * ws_conn_send_fragment() go uncompressed.
 *
 * Memory. By default neither side keeps a compression context between
 * messages (the server answers server_no_context_takeover and
 * client_no_context_takeover): a zlib stream is lent by the server or
 * client to a connection only while one message is compressed or
 * inflated, as wslay contexts are, so an idle connection with deflate
 * costs exactly what one without costs. deflate_max_takeover lets that
 * many connections keep their contexts (for a server on several loops,
 * ws_server_attach(), that many in all, not per loop; an offer with
 * client_no_context_takeover and server_no_context_takeover takes no
 * place), for better compression of small
 * similar messages: each then holds its own streams, about
 * 2^(window_bits+2) + 2^(mem_level+9) bytes to compress (256 KiB with
 * the defaults) and 2^window_bits + 7 KiB to inflate, from its first
 * compressed message until it closes. deflate_window_bits and
 * deflate_mem_level make those smaller. A peer that asks for a window of
 * 8 bits, which zlib cannot make, gets run-length-only data (valid in
 * any window).
 *
 * Broadcast. ws_room_broadcast() compresses a message once for all the
 * members that keep no context and use the server's window, and shares
 * those bytes as it shares the plain frame; members without deflate get
 * the plain frame, the others their own compression. So does
 * ws_shared_room_broadcast(), once for the members on every loop, on the
 * calling thread (as soon as such a member has joined the room on any
 * loop); the others get theirs on their loop (a shared room's own
 * compressions count in no server's ws_stats_t).
 *
 * Limits. A compressed message counts against max_message_size twice:
 * its compressed frames as they arrive, and its inflated bytes as they
 * are produced, so a "zip bomb" is closed with 1009 (WS_ETOOBIG) after
 * inflating at most max_message_size bytes. Data that does not inflate,
 * or text that inflates to bad UTF-8, is closed with 1007; RSV1 on a
 * control or continuation frame, or without deflate negotiated, with
 * 1002. */

/* Fills options with the defaults. */
#define ws_server_options_init(options)                                      \
  ws_server_options_init_sized((options), sizeof(ws_server_options_t))
WS_EXTERN void ws_server_options_init_sized(ws_server_options_t* options,
                                            size_t size);

/* Callbacks. Any may be NULL. They are copied by ws_server_new(); a struct
 * zeroed with memset() or "= { 0 }" is a valid start. */
typedef struct {
  /* A valid upgrade request arrived. Return 0 to accept (after optionally
   * ws_request_select_subprotocol() and ws_request_add_header()), or an HTTP
   * status from 400 to 599 to refuse. NULL accepts every request. */
  int (*on_handshake)(ws_conn_t* conn, ws_request_t* request);
  /* The 101 response is queued; the connection may send. */
  void (*on_open)(ws_conn_t* conn);
  /* A whole message. data is valid only during the call. */
  void (*on_message)(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                     size_t len);
  /* A pong arrived (an answer to ws_conn_ping() or an automatic ping). */
  void (*on_pong)(ws_conn_t* conn, const void* data, size_t len);
  /* Called exactly once for every connection that was accepted (on_handshake
   * returned 0, or there is no on_handshake), when its TCP connection closes
   * -- normally after on_open, though on_open never comes if the 101 could
   * not even be queued. conn must not be used after this returns. */
  void (*on_close)(ws_conn_t* conn, const ws_close_info_t* info);
  /* A complete HTTP request that is not a WebSocket upgrade. Answer with
   * ws_request_respond(); the connection closes after the answer. NULL, or
   * returning without answering, answers 426 Upgrade Required. */
  void (*on_http)(ws_conn_t* conn, ws_request_t* request);
  /* The peer's close frame arrived (it starts the close handshake, or
   * answers ours): its code (1005 if it had none) and reason (UTF-8, not
   * NUL-terminated). The connection takes no more sends; on_close follows
   * when the TCP connection ends. */
  void (*on_peer_close)(ws_conn_t* conn, uint16_t code, const char* reason,
                        size_t reason_len);
  /* The connection's queue has been written down to drain_low_water
   * bytes or fewer after a send of yours was refused (WS_EQUEUEFULL), or
   * after one left more than drain_low_water bytes queued (ws_conn_send(),
   * ws_conn_send_fragment() and room broadcasts count): send more now.
   * Once per such episode, however many sends were refused in it; it
   * follows bytes being written, so a refusal when nothing is queued (a
   * message that can never fit) brings none. From the loop (never from
   * inside a ws_ call), only while the connection is open. */
  void (*on_drain)(ws_conn_t* conn);
  /* A ws_post_send(), ws_post_ping() or ws_post_close() that was
   * accepted (returned 0) could not be done when its loop got it: error
   * is WS_ECLOSED (the connection had closed or was closing, or the
   * server closed first), WS_EQUEUEFULL (the message did not fit under
   * max_queued_bytes: nothing was queued, on_drain follows as for
   * ws_conn_send()) or WS_ENOMEM. Called on the loop of the server the
   * connection belongs (or belonged) to, once per such post, in the order
   * they were posted; server is that loop's server. NULL: such posts are
   * dropped silently. */
  void (*on_post_dropped)(ws_server_t* server, ws_conn_id_t id,
                          int error);
} ws_server_callbacks_t;

typedef void (*ws_server_close_cb)(ws_server_t* server);

/* Creates a server on loop. options and callbacks may be NULL (defaults, no
 * callbacks). Returns 0 or WS_EINVAL / WS_ENOMEM.
 * On POSIX systems, the first ws_server_new() or ws_client_new() of the
 * process sets SIGPIPE to be ignored if it is at its default action (which
 * kills the process when a peer has gone), as servers need; a handler the
 * program installed is left alone, and later calls change nothing. */
#define ws_server_new(server, loop, options, callbacks)                      \
  ws_server_new_sized((server), (loop), (options),                          \
                      sizeof(ws_server_options_t), (callbacks),             \
                      sizeof(ws_server_callbacks_t))
WS_EXTERN int ws_server_new_sized(ws_server_t** server, uv_loop_t* loop,
                                  const ws_server_options_t* options,
                                  size_t options_size,
                                  const ws_server_callbacks_t* callbacks,
                                  size_t callbacks_size);
/* Listens on host and port (0 picks a free one). May be called again for
 * more addresses.
 * host is an IPv4 or IPv6 literal, which listens on exactly that address
 * ("::" takes IPv4 too where the system has dual-stack sockets), or a host
 * name. A name is looked up once, now, with uv_getaddrinfo() and no
 * callback: the call blocks the loop's thread for the lookup. It listens
 * on every IPv4 and IPv6 address the name resolves to ("localhost":
 * 127.0.0.1 and ::1), all on one port: with port 0, the one the first
 * address got. Its IPv6 addresses are bound IPv6-only, so that its IPv4
 * ones can take the same port. An address the host does not have or whose
 * family it lacks (UV_EADDRNOTAVAIL, UV_EAFNOSUPPORT: ::1 where IPv6 is
 * off) is skipped; if every address is skipped, that error is returned.
 * Any other failure (UV_EADDRINUSE: the port is taken on one of the
 * addresses) closes whatever this call opened and is returned.
 * Returns 0, WS_EINVAL (NULL or empty host, port out of range, a closing
 * server), WS_ENOMEM, a lookup error (UV_EAI_NONAME for a name that does
 * not resolve, UV_EAI_AGAIN if the resolver could not be reached) or
 * another libuv error. */
WS_EXTERN int ws_server_listen(ws_server_t* server, const char* host,
                               int port);
/* The local port of the first listener (the first address of the first
 * ws_server_listen() that succeeded), or WS_EINVAL if none. */
WS_EXTERN int ws_server_port(const ws_server_t* server);
/* Stops listening, closes every open connection with 1001 (each gets its
 * on_close), and calls cb once every handle is closed. The server's memory is
 * freed after cb returns. cb may be NULL. Calling it twice does nothing.
 * A server on several loops closes on all of them (see ws_server_attach()):
 * cb comes once, from the last loop to close.
 * Lifetimes from this call to cb: no connection is accepted or adopted any
 * more; connections still in their handshake are dropped (they were never
 * accepted: no on_close); open ones finish their close handshake, so
 * on_message may still come for what a peer sent before its close frame,
 * and on_close comes for each; sends to them return WS_ECLOSED, and
 * broadcasts reach nobody. Rooms and the server stay valid (the calls on
 * them work) until cb returns; then the rooms left are destroyed with the
 * server. */
WS_EXTERN void ws_server_close(ws_server_t* server, ws_server_close_cb cb);
/* ws_server_close() with a deadline, for a graceful stop: stops listening
 * now, drops connections still in their handshake, and queues a 1001
 * close ("server shutting down") after what each open connection has
 * queued already; then waits, up to timeout_ms from this call, for every
 * connection's queued output to be written and its close handshake to
 * end. The deadline replaces close_timeout meanwhile, so a peer that is
 * slow to take its last messages gets all of timeout_ms. At the deadline,
 * the connections left are dropped (on_close with WS_ESHUTDOWN, unclean)
 * and cb follows once every handle is closed, as for ws_server_close().
 * A timeout_ms of 0 drops them at the loop's next timers, maybe before
 * their close frames are written; UINT64_MAX never drops them.
 * A server on several loops (ws_server_attach()) shuts down on all of
 * them, each from its own loop with the same timeout_ms (counted from when
 * that loop gets the request), and cb comes once, as for
 * ws_server_close().
 * Returns 0, WS_EINVAL (NULL server) or WS_ESHUTDOWN (closing already:
 * cb will not be called). */
WS_EXTERN int ws_server_shutdown(ws_server_t* server, uint64_t timeout_ms,
                                 ws_server_close_cb cb);
WS_EXTERN uv_loop_t* ws_server_loop(const ws_server_t* server);
WS_EXTERN void* ws_server_get_data(const ws_server_t* server);
WS_EXTERN void ws_server_set_data(ws_server_t* server, void* data);
/* Connections accepted and not yet closed, handshaking ones included.
 * Every TCP connection, accepted or adopted, has TCP_NODELAY set (Nagle's
 * algorithm off): what a loop iteration queues is written at its end, in
 * as few writes as it fits, and goes out at once. */
WS_EXTERN size_t ws_server_connection_count(const ws_server_t* server);

/* ---- One server on several loops ----
 *
 * A server spans N loops run by N threads of the application (uvws never
 * runs a loop): ws_server_new() on the first loop, ws_server_listen() on
 * it, then ws_server_attach() once for each other loop. The first server
 * accepts every connection and hands them round robin to the loops (its
 * own included) over one IPC pipe per attached loop, as libuv's own
 * multi-loop servers do (uv_write2()): connection k of a burst goes to
 * loop k mod N, whatever each loop's load, and a loop serves a
 * connection from its accept to its close. Each loop's server calls the
 * same callbacks, on its own thread, for its own connections:
 * ws_conn_server() is the server of the connection's loop.
 * max_connections counts every loop's connections. ws_server_close() on
 * any of them (on its loop's thread) closes them all, each from its own
 * loop, and the close callback is called once, when the last has closed,
 * on that last loop's thread, with that loop's server.
 * Unix only for now: ws_server_attach() returns UV_ENOTSUP on Windows. */

/* Makes *server, a server on loop that serves connections the first
 * server (from ws_server_new()) accepts. Call it on loop's thread, before
 * or while loop runs; first's loop may be running on another thread.
 * Options, callbacks and user data are first's (the data as it is now).
 * An attached server may listen itself too: it keeps what it accepts.
 * Returns 0, WS_EINVAL (NULL argument, or already 64 loops),
 * WS_ESHUTDOWN (first is closing), WS_ENOMEM, or a libuv error. */
WS_EXTERN int ws_server_attach(ws_server_t* first, uv_loop_t* loop,
                               ws_server_t** server);

/* ---- Sending from any thread ----
 *
 * A ws_conn_t is the loop's: it may be freed by the loop at any moment.
 * To name a connection on another thread, take its id on the loop's
 * thread (ws_conn_id()) and post to it: ws_post_send(), ws_post_ping()
 * and ws_post_close() may be called from any thread, at any time, even
 * after the connection or its server has closed. Each copies what it
 * needs into one allocation and queues it to the loop of the connection
 * (one uv_async_t per server and a short-locked queue; a wake-up of the
 * loop runs at most options.max_posts_per_wakeup of them, and the rest
 * on its next turn, so that other threads cannot starve its I/O); the
 * loop then does ws_conn_send(), ws_conn_ping() or ws_conn_close() in
 * the order the posts were made (the order of one
 * thread's posts is kept; posts of different threads interleave).
 * A post returns 0 once queued. What happens after is reported only if
 * it fails: on_post_dropped(server, id, error) on the connection's loop,
 * WS_ECLOSED if the connection had closed, WS_EQUEUEFULL if the message
 * did not fit under max_queued_bytes (nothing queued, as for
 * ws_conn_send()). A post that returns WS_ECLOSED found the id dead at
 * once: its server is closing or closed (or the id is not one). */

/* The connection's id, taken on its loop's thread: valid on any thread
 * for as long as the process lives, never naming another connection.
 * 0 for a client's connection, a closed one, or if out of memory. */
WS_EXTERN ws_conn_id_t ws_conn_id(ws_conn_t* conn);
/* Any thread. Returns 0 (queued), WS_EINVAL (id 0, another opcode, NULL
 * data with len > 0), WS_ECLOSED (the server is closing or closed) or
 * WS_ENOMEM. */
WS_EXTERN int ws_post_send(ws_conn_id_t id, ws_opcode_t opcode,
                           const void* data, size_t len);
/* As ws_post_send(); len up to 125. */
WS_EXTERN int ws_post_ping(ws_conn_id_t id, const void* data, size_t len);
/* As ws_post_send(); code and reason are checked now as ws_conn_close()
 * checks them (WS_EINVAL). */
WS_EXTERN int ws_post_close(ws_conn_id_t id, uint16_t code,
                            const char* reason, size_t reason_len);

typedef void (*ws_post_call_cb)(ws_conn_t* conn, void* arg);
/* Any thread: calls cb(conn, arg) on the connection's loop, in order with
 * the other posts to that loop (ws_post_send(), shared room broadcasts),
 * so it sees what was posted before it done, and nothing posted after.
 * conn is NULL if the connection has closed, or its server closed first
 * (then cb still comes, from that loop, to free arg). Returns 0 (cb will
 * be called exactly once), WS_EINVAL (id 0, cb NULL), WS_ECLOSED (the
 * server is closing or closed: cb is never called) or WS_ENOMEM. */
WS_EXTERN int ws_post_call(ws_conn_id_t id, ws_post_call_cb cb, void* arg);

/* ---- Adopting connections ----
 *
 * A server can take over a connection that the application accepted
 * itself: an HTTP server of its own that received an upgrade request and
 * hands the connection over, or a listener of a kind the server has not
 * (a Unix domain socket, a Windows named pipe). */

/* Serves stream as if the server had accepted it. stream is a connected
 * uv_tcp_t or uv_pipe_t that the application initialized on the server's
 * loop and accepted (or connected) itself. data and len (NULL and 0 for
 * none) are bytes the application already read from it: the server parses
 * them first, as if it had read them itself, then reads the stream. They
 * may be the start of the upgrade request, or all of it and whatever
 * followed it (the start of a frame); an application that parsed the
 * request itself passes the raw bytes it parsed, and the server parses
 * them again. They are copied.
 * From then on the connection is one of the server's: the handshake
 * timeout (counted from this call), max_connections (past it the
 * connection is answered 503 and closed), on_handshake or on_http,
 * on_open, on_close, ws_server_connection_count() and ws_server_close()
 * apply to it. Nothing is called back from inside this call: the given
 * bytes are parsed from the loop, before it next polls.
 * Ownership: the memory of the handle stays the application's and stays
 * where it is, but the handle is the server's until it gives it back. The
 * server stops any read the application started (uv_read_stop()), sets
 * and uses stream->data, reads, writes, and in the end closes the handle
 * with uv_close(). From that close's callback, the server gives the handle
 * back: stream->data is again what it was, and close_cb(handle) is called,
 * after which the application may free the memory. close_cb comes after
 * the connection's on_close (if it gets one: a refused handshake does
 * not), and, when the server closes, before the server's close callback.
 * close_cb may be NULL if the memory needs no freeing. Until close_cb, the
 * application must not touch the handle (no uv_close(), no reads, writes
 * or shutdowns of its own); writes it queued before the call complete and
 * call their callbacks as usual.
 * ws_conn_peer_addr() of a pipe's connection returns UV_ENOTSUP.
 * Returns 0, WS_EINVAL (NULL server or stream, data NULL with len > 0, a
 * stream on another loop, a handle that is not a uv_tcp_t or uv_pipe_t,
 * not both readable and writable (not connected), or closing),
 * WS_ESHUTDOWN (the server is closing) or WS_ENOMEM. On an error nothing
 * was done: the handle is exactly as it was and the application's (its
 * reads go on), and close_cb is never called. */
WS_EXTERN int ws_server_adopt(ws_server_t* server, uv_stream_t* stream,
                              const void* data, size_t len,
                              uv_close_cb close_cb);

/* Queues a text or binary message. The data is copied. Text must be
 * valid UTF-8: that is the caller's duty, it is not checked. Returns:
 *   0             queued;
 *   WS_EINVAL     a NULL conn, another opcode, or NULL data with len > 0;
 *   WS_ECLOSED    not open, or closing: nothing more can be sent;
 *   WS_EQUEUEFULL the message would take the queue past max_queued_bytes:
 *                 nothing was queued and the connection stays open. Send
 *                 it again from on_drain, which follows once the queue
 *                 is written down to drain_low_water, or close the
 *                 connection if it should not wait. A message longer
 *                 than max_queued_bytes - 14 never fits (and, refused on
 *                 an empty queue, brings no on_drain): send it in
 *                 fragments (ws_conn_send_begin());
 *   WS_ENOMEM     no memory: the connection is dropped (its on_close
 *                 follows from the loop, with WS_ENOMEM).
 * While a fragmented message is being sent, the message is queued after
 * that message's last fragment (see ws_conn_send_begin()). */
WS_EXTERN int ws_conn_send(ws_conn_t* conn, ws_opcode_t opcode,
                           const void* data, size_t len);
/* Queues a ping with up to 125 bytes of payload (copied); its pong comes
 * to on_pong. Pings go out at once, between the fragments of a message
 * being sent in pieces. Returns:
 *   0             queued;
 *   WS_EINVAL     a NULL conn, len over 125, or NULL data with len > 0;
 *   WS_ECLOSED    not open, or closing;
 *   WS_EQUEUEFULL the ping would take the queue past max_queued_bytes:
 *                 nothing was queued and the connection stays open (try
 *                 again from on_drain);
 *   WS_ENOMEM     no memory: the connection is dropped (its on_close
 *                 follows from the loop, with WS_ENOMEM). */
WS_EXTERN int ws_conn_ping(ws_conn_t* conn, const void* data, size_t len);
/* Starts the close handshake: code is 1000-1003, 1007-1011 or 3000-4999,
 * reason up to 123 bytes of UTF-8. on_close follows once the peer answers
 * or close_timeout passes; from this call on, sends return WS_ECLOSED, and
 * messages the peer sent before its own close frame still arrive.
 * Returns:
 *   0          the close frame is queued;
 *   WS_EINVAL  a NULL conn, a code outside those ranges, a reason over
 *              123 bytes or not UTF-8, or NULL reason with reason_len > 0;
 *   WS_ECLOSED closing or closed already (nothing to do);
 *   WS_ENOMEM  no memory for the close frame: the connection is dropped
 *              instead (its on_close follows from the loop, 1006 with
 *              WS_ENOMEM).
 * On a client's connection that has not opened yet (a name lookup, a TCP
 * connect, or an upgrade request with no answer yet) it cancels the
 * attempt instead and returns 0: code and reason are checked but not
 * sent, and the connection ends in on_connect_error(WS_ECANCELED), from
 * the loop, never from inside this call. */
WS_EXTERN int ws_conn_close(ws_conn_t* conn, uint16_t code, const char* reason,
                            size_t reason_len);
WS_EXTERN void* ws_conn_get_data(const ws_conn_t* conn);
WS_EXTERN void ws_conn_set_data(ws_conn_t* conn, void* data);
/* The server that accepted conn; NULL for a client's connection. */
WS_EXTERN ws_server_t* ws_conn_server(const ws_conn_t* conn);
/* The user data of the server or client conn belongs to: one call from
 * any callback to what the application gave at creation (options.data)
 * or set since. */
WS_EXTERN void* ws_conn_owner_data(const ws_conn_t* conn);
/* The peer's address. Returns 0, WS_EINVAL (a client's connection that
 * has no socket yet), UV_ENOTSUP (a pipe, see ws_server_adopt(): it has
 * no IP address) or another libuv error. */
WS_EXTERN int ws_conn_peer_addr(const ws_conn_t* conn,
                                struct sockaddr_storage* addr);
/* Bytes queued for sending and not yet taken by the kernel. */
WS_EXTERN size_t ws_conn_queued_bytes(const ws_conn_t* conn);
/* The subprotocol picked in on_handshake, or NULL. */
WS_EXTERN const char* ws_conn_subprotocol(const ws_conn_t* conn);
/* Room broadcasts skipped for this connection under WS_SLOW_SKIP. */
WS_EXTERN uint64_t ws_conn_skipped_messages(const ws_conn_t* conn);

/* ---- Large messages: sending one in fragments ----
 *
 * A message produced piece by piece goes out as it is produced, without
 * being built whole: ws_conn_send_begin(), then ws_conn_send_fragment()
 * for each piece, the last one with fin = 1. Each piece is one frame
 * (copied), and counts against max_queued_bytes like any send. Until the
 * last piece, no other data frame can go out on the connection (RFC 6455
 * section 5.4): ws_conn_send() messages and room broadcasts to it are
 * queued after the fragmented message (they count against
 * max_queued_bytes too, and a broadcast that does not fit gets the
 * slow-consumer policy), while pings, pongs and a close go out at once,
 * between fragments. A close (ours, the peer's or a failure) ends the
 * message unfinished and drops the messages queued after it. */

/* Starts a fragmented text or binary message. Nothing is queued yet.
 * Returns 0, WS_EINVAL (NULL conn, another opcode, or a fragmented message
 * already under way) or WS_ECLOSED (not open, or closing). */
WS_EXTERN int ws_conn_send_begin(ws_conn_t* conn, ws_opcode_t opcode);
/* Queues the next piece of the message begun with ws_conn_send_begin()
 * (len may be 0); fin = 1 makes it the last. A text message must be valid
 * UTF-8 as a whole; a piece may end inside a character. Returns:
 *   0             queued (with fin, the message is complete);
 *   WS_EINVAL     NULL conn, NULL data with len > 0, or no message begun;
 *   WS_ECLOSED    not open, or closing: the message cannot be finished;
 *   WS_EQUEUEFULL the piece would take the queue past max_queued_bytes:
 *                 nothing was queued, the message stays under way; send
 *                 the same piece again from on_drain (or smaller pieces);
 *   WS_ENOMEM     no memory: the connection is dropped (on_close
 *                 follows from the loop). */
WS_EXTERN int ws_conn_send_fragment(ws_conn_t* conn, const void* data,
                                    size_t len, int fin);

/* ---- Flow control: reading ----
 *
 * ws_conn_pause() stops reading from the connection: no more on_message or
 * on_pong until ws_conn_resume(), and no CPU spent on it; the peer's
 * writes back up into its own buffers (TCP flow control). Called from
 * on_message (or on_open, on_pong), it takes effect after that callback:
 * what the same read brought after it (at most one read of 64 KiB, or the
 * bytes given to ws_server_adopt()) is kept as a copy and delivered
 * first, in order, after ws_conn_resume().
 * Sending is unaffected.
 *
 * Timers while paused: idle_timeout does not run, and pings still go out
 * every ping_interval, but their pongs cannot be read; so while paused,
 * the sign of life pong_timeout waits for is the peer taking what we
 * write: a connection with nothing queued, or whose queue moved since the
 * ping, stays however long the pause; one whose queue has not moved at
 * all for pong_timeout after the ping (a peer that neither reads nor
 * answers) is dropped (WS_ETIMEDOUT), as it would be unpaused. Both
 * timeouts start over when reading resumes, so a connection is never
 * dropped for a silence that pausing caused. Closing
 * (ws_conn_close(), a server's shutdown, a failure) resumes reading by
 * itself, as the close handshake needs it; close_timeout bounds it.
 *
 * Both return 0 (pausing a paused connection, or resuming one that reads,
 * does nothing), WS_EINVAL (NULL), or WS_ECLOSED (not open, or closing:
 * nothing to do, a closing connection reads until it closes). */
WS_EXTERN int ws_conn_pause(ws_conn_t* conn);
/* Reads again. Input kept at the pause is delivered from the loop, never
 * from inside this call. May also return a libuv error if reading cannot
 * restart: the connection is then dropped (on_close follows). */
WS_EXTERN int ws_conn_resume(ws_conn_t* conn);

/* Rooms: sets of a server's open connections that receive broadcasts. A
 * connection may be in any number of rooms; one that closes leaves all of
 * them before its on_close. Rooms still alive when the server closes are
 * destroyed with it. A client's connections cannot be in rooms: broadcasts
 * are unmasked frames, which a server must refuse.
 * Returns 0, WS_EINVAL (a closing server, or NULL, which is what
 * ws_conn_server() gives for a client's connection) or WS_ENOMEM. */
WS_EXTERN int ws_room_new(ws_room_t** room, ws_server_t* server);
/* Destroys the room; its members stay connected. Safe from any callback.
 * NULL does nothing. */
WS_EXTERN void ws_room_destroy(ws_room_t* room);
/* Returns 0, WS_EINVAL (a client's connection, another server's
 * connection, or already a member), WS_ECLOSED (the connection is not
 * open) or WS_ENOMEM. */
WS_EXTERN int ws_room_join(ws_room_t* room, ws_conn_t* conn);
/* Returns 0, or WS_EINVAL if conn is not a member. */
WS_EXTERN int ws_room_leave(ws_room_t* room, ws_conn_t* conn);
WS_EXTERN int ws_room_contains(const ws_room_t* room, const ws_conn_t* conn);
WS_EXTERN size_t ws_room_count(const ws_room_t* room);
/* Calls cb for each member, in join order. cb may make any member leave,
 * itself included, and may destroy the room (then iteration stops). */
WS_EXTERN void ws_room_foreach(ws_room_t* room,
                               void (*cb)(ws_conn_t* conn, void* arg),
                               void* arg);
/* Sends one message to every open member but except (may be NULL). The
 * frame is encoded once and its bytes are shared by every receiver, in
 * order with each receiver's own sends. Returns how many members it was
 * queued for, or WS_EINVAL, or WS_ENOMEM if the frame itself could not be
 * allocated (then no member got it). Members whose queue is full get the
 * server's slow_policy; a member whose share cannot be queued for lack of
 * memory is dropped (WS_ENOMEM), so none misses a message silently. */
WS_EXTERN int ws_room_broadcast(ws_room_t* room, ws_opcode_t opcode,
                                const void* data, size_t len,
                                ws_conn_t* except);
WS_EXTERN ws_server_t* ws_room_server(const ws_room_t* room);
WS_EXTERN void* ws_room_get_data(const ws_room_t* room);
WS_EXTERN void ws_room_set_data(ws_room_t* room, void* data);

/* ---- Operations: counters ----
 *
 * Every server and client counts what it does, in plain 64-bit counters
 * of its own (no lock, no allocation, no system call: an increment where
 * the event happens), and hands out a snapshot on request. Counters only
 * grow, from 0 at ws_server_new(); gauges (marked so) are values now.
 * A build with the CMake option UVWS_COUNTERS=OFF has none: the snapshot
 * functions then return UV_ENOTSUP.
 * The structs grow at the end, like the options: ws_server_stats() passes
 * the size the program knows, and gets that much. */

/* Frame kinds, the index of frames_in and frames_out. */
typedef enum {
  WS_FRAME_CONTINUATION = 0,
  WS_FRAME_TEXT,
  WS_FRAME_BINARY,
  WS_FRAME_CLOSE,
  WS_FRAME_PING,
  WS_FRAME_PONG,
  WS_FRAME_RESERVED, /* opcodes 3-7 and 11-15 (received: a 1002) */
  WS_FRAME_KINDS
} ws_frame_kind_t;

/* Why an upgrade attempt failed, the index of handshake_failures. */
typedef enum {
  WS_HANDSHAKE_MALFORMED = 0, /* not valid HTTP: 400 */
  WS_HANDSHAKE_TOO_LARGE,     /* request head over max_header_size: 431 */
  WS_HANDSHAKE_BAD_UPGRADE,   /* not GET, a body, not HTTP/1.1, no single
                                 Host, no Connection: upgrade, a bad
                                 Sec-WebSocket-Key or no version: 400 */
  WS_HANDSHAKE_BAD_VERSION,   /* Sec-WebSocket-Version not 13: 426 */
  WS_HANDSHAKE_REFUSED,       /* on_handshake returned a status */
  WS_HANDSHAKE_FULL,          /* past max_connections: 503 */
  WS_HANDSHAKE_TIMEOUT,       /* handshake_timeout (clients:
                                 connect_timeout) passed */
  WS_HANDSHAKE_CLOSED,        /* the connection ended first: the peer
                                 left, an I/O error, the server closed
                                 (clients: DNS or TCP connect failed) */
  WS_HANDSHAKE_BAD_RESPONSE,  /* clients: the server's answer was not an
                                 acceptable 101 */
  WS_HANDSHAKE_FAILURES
} ws_handshake_failure_t;

/* A label for each: "malformed", "too_large", "bad_upgrade",
 * "bad_version", "refused", "full", "timeout", "closed", "bad_response";
 * NULL for anything else. */
WS_EXTERN const char* ws_handshake_failure_name(int reason);
/* "continuation", "text", "binary", "close", "ping", "pong", "reserved";
 * NULL for anything else. */
WS_EXTERN const char* ws_frame_kind_name(int kind);

/* refused_by_status[status - 400], for statuses 400 to 599. */
#define WS_STATS_STATUSES 200
/* close_codes_*[code - 1000] for codes 1000 to 1015 (1005: a close frame
 * without a code); the last one counts every other code. */
#define WS_STATS_CLOSE_CODES 17

typedef struct {
  /* Connections. */
  uint64_t connections;          /* gauge: ws_server_connection_count() */
  uint64_t connections_open;     /* gauge: accepted WebSocket connections
                                    whose on_close has not come yet */
  uint64_t connections_accepted; /* TCP connections accepted or adopted
                                    (clients: connection attempts) */
  uint64_t connections_dropped;  /* accepted and closed at once, nothing
                                    read: no memory, or the server closing */
  uint64_t accept_errors;        /* the listener failed to accept (EMFILE) */
  uint64_t handshakes;           /* upgrades accepted: on_handshake said
                                    yes (clients: a valid 101 came) */
  uint64_t http_requests;        /* plain HTTP requests, given to on_http */
  uint64_t refused_by_status[WS_STATS_STATUSES]; /* upgrade attempts
                                    answered with an error status */
  uint64_t handshake_failures[WS_HANDSHAKE_FAILURES];
  uint64_t connections_closed;   /* accepted ones that ended (on_close) */
  /* Traffic. Messages count whole messages (a fragmented one once); their
   * bytes are payload. Bytes count everything read from or written to the
   * transport: HTTP, frame headers, control frames. A room broadcast
   * counts once for every member it is queued for. */
  uint64_t messages_in;
  uint64_t messages_out;
  uint64_t message_bytes_in;
  uint64_t message_bytes_out;
  uint64_t bytes_in;
  uint64_t bytes_out;
  uint64_t frames_in[WS_FRAME_KINDS];
  uint64_t frames_out[WS_FRAME_KINDS];
  uint64_t close_codes_sent[WS_STATS_CLOSE_CODES];
  uint64_t close_codes_received[WS_STATS_CLOSE_CODES];
  /* Limits and timeouts. */
  uint64_t queue_full;           /* sends, fragments and pings refused with
                                    WS_EQUEUEFULL */
  uint64_t slow_consumer_closes; /* room members closed with 1008 */
  uint64_t slow_consumer_skips;  /* broadcasts skipped (WS_SLOW_SKIP) */
  uint64_t pong_timeouts;        /* dropped: no pong within pong_timeout */
  uint64_t idle_timeouts;        /* closed with 1001 after idle_timeout */
  uint64_t close_timeouts;       /* dropped: the close handshake or the
                                    drain outlived close_timeout (or a
                                    shutdown's deadline) */
  /* wslay contexts (each about 8 KiB), lent to connections that need one
   * (fragmented messages, close handshakes). */
  uint64_t wslay_contexts_in_use; /* gauge */
  uint64_t wslay_contexts_pooled; /* gauge: free, kept for reuse */
  /* TLS (ws_server_listen_tls(), wss:// clients): handshakes that
   * completed, and those that did not (bad bytes, an alert, a certificate
   * refused, a timeout, the peer gone first). */
  uint64_t tls_handshakes;
  uint64_t tls_handshake_failures;
  /* permessage-deflate. Out: messages compressed (a room broadcast once,
   * whatever its member count; messages that would not shrink go plain
   * and are not counted), their bytes before and after. In: compressed
   * messages inflated whole, their bytes as read and once inflated. The
   * ratios are deflate_bytes_in / deflate_bytes_out and
   * inflate_bytes_out / inflate_bytes_in. */
  uint64_t messages_deflated;
  uint64_t deflate_bytes_in;
  uint64_t deflate_bytes_out;
  uint64_t messages_inflated;
  uint64_t inflate_bytes_in;
  uint64_t inflate_bytes_out;
  /* Later counters are appended here, at the end. */
} ws_stats_t;

/* Fills *stats with a snapshot of the server's counters. Returns 0,
 * WS_EINVAL (NULL, or a size below that of the first ws_stats_t) or
 * UV_ENOTSUP (built with UVWS_COUNTERS=OFF: *stats is zeroed). */
#define ws_server_stats(server, stats)                                       \
  ws_server_stats_sized((server), (stats), sizeof(ws_stats_t))
WS_EXTERN int ws_server_stats_sized(const ws_server_t* server,
                                    ws_stats_t* stats, size_t size);
/* The same for a client's connections (refusals and HTTP stay 0). */
#define ws_client_stats(client, stats)                                       \
  ws_client_stats_sized((client), (stats), sizeof(ws_stats_t))
WS_EXTERN int ws_client_stats_sized(const ws_client_t* client,
                                    ws_stats_t* stats, size_t size);

typedef struct {
  uint64_t members;     /* gauge: ws_room_count() */
  uint64_t broadcasts;  /* ws_room_broadcast() calls that encoded a frame */
  uint64_t deliveries;  /* member queues a broadcast was queued on */
  uint64_t bytes;       /* payload bytes broadcast (once per broadcast) */
  uint64_t skips;       /* members skipped as slow (WS_SLOW_SKIP) */
  uint64_t slow_closes; /* members closed as slow (WS_SLOW_CLOSE) */
} ws_room_stats_t;

/* A snapshot of the room's counters, from its ws_room_new(). Returns 0,
 * WS_EINVAL or UV_ENOTSUP, as ws_server_stats(). */
#define ws_room_stats(room, stats)                                           \
  ws_room_stats_sized((room), (stats), sizeof(ws_room_stats_t))
WS_EXTERN int ws_room_stats_sized(const ws_room_t* room,
                                  ws_room_stats_t* stats, size_t size);

/* ---- Rooms across loops ----
 *
 * A shared room spans every loop of a server (ws_server_attach()): each
 * connection joins and leaves it from its own loop's thread, and a
 * broadcast may come from any thread. The frame is encoded once, in one
 * allocation, and one reference to it is posted to each loop's mailbox
 * (as ws_post_send() does); each loop then queues it to its members as
 * ws_room_broadcast() does: the bytes shared by its members (a frame of
 * up to 4 KiB copied once into the loop's buffer for the iteration, so
 * that a burst takes one segment per member), the server's slow_policy
 * for a member whose queue is full, no member left out silently. One
 * thread's broadcasts reach each member in the order they were made.
 * A member that closes leaves by itself. Shared rooms still alive when
 * the server closes are freed after its close callback. */

/* Any thread, while the server is open; server is any loop's server of
 * the group. Returns 0, WS_EINVAL or WS_ENOMEM. */
WS_EXTERN int ws_shared_room_new(ws_shared_room_t** room,
                                 ws_server_t* server);
/* Any thread: the members stay connected; each loop lets go of its part
 * from its mailbox, after the broadcasts posted before. room must not be
 * used after. NULL does nothing. */
WS_EXTERN void ws_shared_room_destroy(ws_shared_room_t* room);
/* On conn's loop's thread. Returns 0, WS_EINVAL (a connection of another
 * server or a client's, or a member already), WS_ECLOSED (not open) or
 * WS_ENOMEM. */
WS_EXTERN int ws_shared_room_join(ws_shared_room_t* room, ws_conn_t* conn);
/* On conn's loop's thread. Returns 0, or WS_EINVAL if conn is not a
 * member. */
WS_EXTERN int ws_shared_room_leave(ws_shared_room_t* room,
                                   ws_conn_t* conn);
/* On conn's loop's thread: 1 if conn is a member. */
WS_EXTERN int ws_shared_room_contains(ws_shared_room_t* room,
                                      const ws_conn_t* conn);
/* Any thread: sends one message to every member that is open when its
 * loop gets it, except the connection named by except (0 for none).
 * Returns 0 (posted to every loop), WS_EINVAL, WS_ECLOSED (the server is
 * closed) or WS_ENOMEM (nobody gets it). */
WS_EXTERN int ws_shared_room_broadcast(ws_shared_room_t* room,
                                       ws_opcode_t opcode, const void* data,
                                       size_t len, ws_conn_id_t except);

/* The request seen by on_handshake and on_http. Strings are NUL-terminated
 * and valid only during that callback. */
WS_EXTERN const char* ws_request_method(const ws_request_t* request);
/* The request target: path and query, as sent ("/chat?x=1"). */
WS_EXTERN const char* ws_request_target(const ws_request_t* request);
/* The first header with this name (case-insensitive), or NULL. */
WS_EXTERN const char* ws_request_header(const ws_request_t* request,
                                        const char* name);
WS_EXTERN size_t ws_request_header_count(const ws_request_t* request);
/* Header number index, in the order sent. Returns 0 or WS_EINVAL. */
WS_EXTERN int ws_request_header_at(const ws_request_t* request, size_t index,
                                   const char** name, const char** value);
/* Picks one subprotocol the client offered in Sec-WebSocket-Protocol.
 * Returns 0, WS_EINVAL (NULL, not an upgrade request, or a protocol the
 * client did not offer) or WS_ENOMEM (the request goes on without one). */
WS_EXTERN int ws_request_select_subprotocol(ws_request_t* request,
                                            const char* protocol);
/* Adds a header to the response (101, a refusal, or an on_http answer).
 * Returns 0, WS_EINVAL (empty name, or CR/LF/NUL in name or value) or
 * WS_ENOMEM. */
WS_EXTERN int ws_request_add_header(ws_request_t* request, const char* name,
                                    const char* value);
/* Answers a plain HTTP request from on_http. content_type may be NULL.
 * The answer to a HEAD request has the same headers (Content-Length: len)
 * and no body. Returns 0, WS_EINVAL (bad status, not in on_http, or
 * answered already) or WS_ENOMEM. */
WS_EXTERN int ws_request_respond(ws_request_t* request, int status,
                                 const char* content_type, const void* body,
                                 size_t len);

/* ---- Clients ----
 *
 * A ws_client_t makes outgoing connections on a loop. Each is a ws_conn_t,
 * used exactly as a server's: ws_conn_send(), ws_conn_ping(),
 * ws_conn_close(), user data, and the same on_open, on_message, on_pong
 * and on_close callbacks. Every frame it sends is masked with a fresh key
 * from a ChaCha20 stream seeded by uv_random(). ws:// and, with TLS,
 * wss://.
 */

typedef struct {
  size_t max_message_size;   /* 16 MiB; a larger message closes with 1009 */
  size_t max_header_size;    /* 8 KiB for the response head */
  uint64_t connect_timeout;  /* 10000 ms for DNS, TCP and the handshake */
  uint64_t idle_timeout;     /* 0 (off), as for servers */
  uint64_t ping_interval;    /* 0 (off): servers usually ping */
  uint64_t pong_timeout;     /* 10000 ms */
  uint64_t close_timeout;    /* 5000 ms */
  size_t max_queued_bytes;   /* 64 MiB */
  void* data;                /* NULL: the client's user data from the start
                                (ws_client_get_data(), ws_conn_owner_data()) */
  size_t drain_low_water;    /* 0: max_queued_bytes / 4, as for servers */
  ws_log_cb log_cb;          /* NULL (off), as for servers */
  ws_log_level_t log_level;  /* WS_LOG_INFO, as for servers */
  /* wss:// only. The CA certificates (PEM) that verify servers, or NULL
   * for the system's store. */
  const char* tls_ca_file;
  /* wss:// only: an SSL_CTX* the application configured (verification
   * included), used instead of ours; it must outlive the client, which
   * takes a reference. The host name is still checked if the context
   * verifies peers, and sent as SNI. */
  void* tls_ctx;
  /* permessage-deflate, as for servers; deflate = 1 offers it. */
  int deflate;
  int deflate_window_bits;
  int deflate_mem_level;
  size_t deflate_threshold;
  unsigned int deflate_max_takeover;
} ws_client_options_t;

#define ws_client_options_init(options)                                      \
  ws_client_options_init_sized((options), sizeof(ws_client_options_t))
WS_EXTERN void ws_client_options_init_sized(ws_client_options_t* options,
                                            size_t size);

typedef struct {
  void (*on_open)(ws_conn_t* conn);
  void (*on_message)(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                     size_t len);
  void (*on_pong)(ws_conn_t* conn, const void* data, size_t len);
  /* Once for every connection that got on_open. */
  void (*on_close)(ws_conn_t* conn, const ws_close_info_t* info);
  /* Once for every connection that failed before on_open: a libuv error
   * (UV_ECONNREFUSED, UV_EAI_NONAME, ...), WS_ETIMEDOUT, WS_EBADSTATUS
   * (ws_conn_http_status() tells which), WS_EBADACCEPT, WS_EBADRESPONSE
   * (not HTTP, a 101 in a version other than HTTP/1.1, no Upgrade or
   * Connection, an extension not offered or a permessage-deflate answer
   * RFC 7692 does not allow, or a Sec-WebSocket-Protocol that is not
   * exactly one of the offered tokens), WS_ECERT (wss://: the server's
   * certificate was not verified, or is not for the URL's host), WS_ETLS
   * (any other TLS failure), WS_ESHUTDOWN (ws_client_close() came first)
   * or WS_ECANCELED (ws_conn_close() came first). Always
   * from the loop, never from inside a ws_ call. conn must not be used
   * after this returns. */
  void (*on_connect_error)(ws_conn_t* conn, int error);
  /* The server's close frame arrived, as for servers. */
  void (*on_peer_close)(ws_conn_t* conn, uint16_t code, const char* reason,
                        size_t reason_len);
  /* As for servers: the queue is down to drain_low_water. */
  void (*on_drain)(ws_conn_t* conn);
} ws_client_callbacks_t;

/* What to ask for in the upgrade request. Everything is copied. */
typedef struct {
  const char* const* subprotocols;  /* offered in this order */
  size_t subprotocol_count;
  const char* origin;               /* sent as Origin, if not NULL */
  const char* const* headers;       /* more headers, "Name: value" each */
  size_t header_count;
  /* The local address to bind before connecting, or NULL (the system
   * picks): a struct sockaddr_in or sockaddr_in6 with the source IP and
   * port (port 0: any free one). A host name in the URL is then resolved
   * to addresses of this family only. */
  const struct sockaddr* local_addr;
} ws_connect_options_t;

/* Fills options with what asks for nothing more than the URL. */
#define ws_connect_options_init(options)                                     \
  ws_connect_options_init_sized((options), sizeof(ws_connect_options_t))
WS_EXTERN void ws_connect_options_init_sized(ws_connect_options_t* options,
                                             size_t size);

typedef void (*ws_client_close_cb)(ws_client_t* client);

#define ws_client_new(client, loop, options, callbacks)                      \
  ws_client_new_sized((client), (loop), (options),                          \
                      sizeof(ws_client_options_t), (callbacks),             \
                      sizeof(ws_client_callbacks_t))
WS_EXTERN int ws_client_new_sized(ws_client_t** client, uv_loop_t* loop,
                                  const ws_client_options_t* options,
                                  size_t options_size,
                                  const ws_client_callbacks_t* callbacks,
                                  size_t callbacks_size);
/* Connects to url, "ws://host[:port][/path][?query]" or "wss://..." (host a
 * name, an IPv4 address or a bracketed IPv6 one). wss:// (port 443 by
 * default) verifies the server's certificate (tls_ca_file, or the system's
 * CA store) and its host name, sends the name as SNI, and fails with
 * on_connect_error(WS_ECERT) if verification fails, WS_ETLS for any other
 * TLS failure; without TLS in this build, it returns WS_ENOTSUP. options
 * may be NULL. data becomes the connection's user data; *conn (if conn is not NULL) gets the connection,
 * which ends in on_open then on_close, or in on_connect_error. Returns 0,
 * WS_EINVAL (a bad URL or bad options: among them a local_addr
 * that is not IPv4 or IPv6, or not of the family of the URL's address
 * literal), WS_ENOMEM, or a libuv error from binding local_addr
 * (UV_EADDRNOTAVAIL: not an address of this host), from connecting to an
 * address literal or from starting the lookup of a name. A local address
 * in use is reported by libuv when the connection is attempted:
 * on_connect_error(UV_EADDRINUSE). */
#define ws_client_connect(client, url, options, data, conn)                 \
  ws_client_connect_sized((client), (url), (options),                       \
                          sizeof(ws_connect_options_t), (data), (conn))
WS_EXTERN int ws_client_connect_sized(ws_client_t* client, const char* url,
                                      const ws_connect_options_t* options,
                                      size_t options_size, void* data,
                                      ws_conn_t** conn);
/* Closes every connection (1001) and calls cb once every handle is closed;
 * the client's memory is freed after cb returns. Connections not yet open
 * get on_connect_error(WS_ESHUTDOWN) from the loop, before cb. */
WS_EXTERN void ws_client_close(ws_client_t* client, ws_client_close_cb cb);
WS_EXTERN void* ws_client_get_data(const ws_client_t* client);
WS_EXTERN void ws_client_set_data(ws_client_t* client, void* data);
/* The HTTP status of the upgrade response, 0 before it arrived. */
WS_EXTERN int ws_conn_http_status(const ws_conn_t* conn);

/* ---- TLS: wss:// ----
 *
 * With OpenSSL (built with UVWS_WITH_TLS), a server's listener may speak
 * TLS and a client may dial wss:// URLs; the WebSocket side is the same.
 * Contexts uvws makes take TLS 1.2 or newer, refuse renegotiation, and
 * let go of OpenSSL's record buffers while a connection is idle. The TLS
 * handshake counts against handshake_timeout (connect_timeout for
 * clients). A TLS failure ends that connection: a client's with
 * on_connect_error(WS_ETLS or WS_ECERT), an open one's with on_close
 * (error WS_ETLS). Without OpenSSL, the calls below return WS_ENOTSUP. */

/* 1 if this build of uvws has TLS, 0 if not. */
WS_EXTERN int ws_tls_available(void);

/* What a TLS listener serves. Everything is copied. */
typedef struct {
  const char* cert_file;     /* PEM: the certificate, then its chain */
  const char* key_file;      /* PEM: its private key */
  /* Or an SSL_CTX* the application configured, used instead of the two
   * files; the server takes a reference. */
  void* ssl_ctx;
  /* SNI: called during each handshake with the server name the client
   * asked for (NULL if none); returns the SSL_CTX* to serve it with, or
   * NULL for the listener's own. Contexts returned must live as long as
   * the server. NULL: no SNI callback. On a server that spans several
   * loops it is called on the thread of the loop serving the connection,
   * from several threads at once: it must be thread-safe (and an
   * application's SSL_CTX is shared by those threads, as OpenSSL
   * allows, so it must not be changed while the server runs). */
  void* (*select_context)(void* arg, const char* server_name);
  void* select_arg;
} ws_tls_options_t;

#define ws_tls_options_init(options)                                         \
  ws_tls_options_init_sized((options), sizeof(ws_tls_options_t))
WS_EXTERN void ws_tls_options_init_sized(ws_tls_options_t* options,
                                         size_t size);

/* As ws_server_listen(), for a listener whose connections speak TLS. A
 * server may have plaintext and TLS listeners both. A TLS listener's
 * connections are spread over the loops attached with ws_server_attach()
 * as plaintext ones are (past 32 TLS listeners with distinct contexts,
 * the later ones' stay on the listening loop). Returns what
 * ws_server_listen() does, or WS_ENOTSUP (no TLS in this build), WS_EINVAL
 * (neither ssl_ctx nor both files) or WS_ETLS (the certificate or key
 * could not be loaded, or do not match). */
#define ws_server_listen_tls(server, host, port, tls)                       \
  ws_server_listen_tls_sized((server), (host), (port), (tls),               \
                             sizeof(ws_tls_options_t))
WS_EXTERN int ws_server_listen_tls_sized(ws_server_t* server,
                                         const char* host, int port,
                                         const ws_tls_options_t* tls,
                                         size_t tls_size);
/* The local port of the first TLS listener, or WS_EINVAL if none. */
WS_EXTERN int ws_server_tls_port(const ws_server_t* server);
/* 1 if the connection speaks TLS. */
WS_EXTERN int ws_conn_is_tls(const ws_conn_t* conn);

#ifdef __cplusplus
}
#endif
#endif /* UVWS_H */
