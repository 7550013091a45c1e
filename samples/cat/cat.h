/* uvws-cat: the settings both modes share, and how the process exits. */
#ifndef CAT_H
#define CAT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define CAT_MAX_LIST 32 /* --header and --subprotocol, each */

/* The exit status: how the connection ended (README.md has the table). */
enum {
  CAT_EXIT_OK = 0,           /* closed cleanly: 1000, 1001 or --close's */
  CAT_EXIT_FAILURE = 1,      /* a local failure: stdin, stdout, memory */
  CAT_EXIT_USAGE = 2,        /* a bad flag or URL */
  CAT_EXIT_CONNECT = 3,      /* no connection: DNS, TCP, timeout */
  CAT_EXIT_HANDSHAKE = 4,    /* the server refused the upgrade */
  CAT_EXIT_CLOSE_CODE = 5,   /* closed cleanly, with another code */
  CAT_EXIT_PROTOCOL = 6,     /* the peer broke the protocol: we failed it */
  CAT_EXIT_ABNORMAL = 7      /* no close handshake (1006) */
};

/* How a binary message received is printed. */
typedef enum {
  CAT_PRINT_RAW = 0,
  CAT_PRINT_HEX,
  CAT_PRINT_BASE64
} cat_print_t;

typedef struct {
  const char* url;            /* client mode */
  int listen_port;            /* -1: client mode; else --listen */
  const char* host;           /* --listen's address */
  int echo;                   /* --echo */
  int prefix_peer;            /* --prefix */
  int binary;                 /* --binary: lines go as binary messages */
  cat_print_t print;
  int quiet;
  const char* headers[CAT_MAX_LIST];
  size_t header_count;
  const char* subprotocols[CAT_MAX_LIST];
  size_t subprotocol_count;
  const char* origin;
  uint64_t ping_interval;     /* 0: off */
  int ping_interval_set;      /* else the library's default */
  uint64_t connect_timeout;   /* 0: the library's default */
  const char* tls_ca;         /* --tls-ca: wss:// trusts this CA file */
  uint64_t wait;              /* --wait: ms from stdin's end to the close */
  uint16_t close_code;        /* sent when stdin ends (1000) */
  const char* close_reason;
  size_t close_reason_len;
  size_t max_message_size;    /* 0: the library's default */
  size_t max_queued_bytes;    /* 0: the default, see cat_queue_limit() */
} cat_config_t;

/* Parses argv. Returns -1 to go on, or the status to exit with at once
 * (0 after --help or --version, CAT_EXIT_USAGE on a bad flag). */
int cat_parse_args(int argc, char** argv, cat_config_t* config);

/* The send queue limit for a largest message of max_message_size (what
 * the options hold): --max-queued-bytes, or the library's default, raised
 * to twice max_message_size. A message the queue refused is sent again
 * from on_drain, once the queue is down to a quarter of the limit: it must
 * fit then. Returns 0, or -1 (and says why) if it cannot. */
int cat_queue_limit(const cat_config_t* config, size_t max_message_size,
                    size_t* max_queued_bytes);

/* Runs a mode until it is over; returns the exit status. */
int cat_client_run(uv_loop_t* loop, const cat_config_t* config);
int cat_listen_run(uv_loop_t* loop, const cat_config_t* config);

#if defined(__GNUC__)
#define CAT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CAT_PRINTF(f, a)
#endif

/* A line on stderr, "uvws-cat: ...", unless quiet. */
void cat_note(const cat_config_t* config, const char* fmt, ...)
    CAT_PRINTF(2, 3);
/* A line on stderr, "uvws-cat: ...", always. */
void cat_error(const char* fmt, ...) CAT_PRINTF(1, 2);

#endif /* CAT_H */
