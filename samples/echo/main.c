/* uvws-echo: a WebSocket echo server built on the public uvws API only.
 *
 * Every text and binary message is sent back unchanged, with the same
 * opcode. A peer that sends faster than it reads is slowed down, not
 * dropped: when its echo does not fit in the send queue, the server keeps
 * that one echo, stops reading from the peer (ws_conn_pause()), and in
 * on_drain sends it and reads again. Opens and closes are logged to
 * stderr, and with --log LEVEL the library's log lines too. GET /metrics
 * answers the counters of the loop that serves it, in the Prometheus text
 * format.
 * SIGINT or SIGTERM stops it gracefully (ws_server_shutdown()): no more
 * connections are accepted, every open one gets its queued echoes then a
 * 1001 close, and once all have closed, or --drain-timeout has passed, the
 * process exits 0.
 *
 * --threads N serves on N loops, one per thread (default: one per core):
 * the main thread's loop listens, and ws_server_attach() spreads the
 * connections over the others (a TLS listener's stay on the main loop).
 *
 * With --tls-cert and --tls-key it serves wss:// instead. The interop
 * tests read the port from the one line printed on stdout:
 *   listening on ws://127.0.0.1:8080/   (or wss://)
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "flags.h"
#include "listen.h"
#include "loop_stats.h"
#include "ops.h"
#include "uvws.h"

typedef struct {
  const char* host;
  int port;
  size_t max_message_size; /* 0: the library's default */
  size_t max_queued_bytes; /* 0: the library's default */
  int log_level;           /* 0: no library log lines */
  uint64_t drain_timeout;  /* ms a graceful stop waits for connections */
  unsigned int threads;
  const char* tls_cert;    /* with tls_key: listen with TLS */
  const char* tls_key;
  int deflate;             /* accept permessage-deflate */
} echo_config_t;

/* A loop of its own for each thread but the main one. */
typedef struct {
  uv_thread_t thread;
  loop_stats_t stats;
  uv_loop_t loop;
  int started;
} echo_thread_t;

/* An echo the send queue refused, kept until on_drain. While a connection
 * has one, it is paused, so it never has two. */
typedef struct {
  ws_opcode_t opcode;
  size_t len;
  unsigned char data[1];
} echo_pending_t;

static ws_server_t* server;
static uv_signal_t sigint_handle;
static uv_signal_t sigterm_handle;
static uint64_t drain_timeout;
static int stopping;
static loop_stats_t main_stats;

static void usage(FILE* out, const char* prog) {
  fprintf(out,
          "Usage: %s [options]\n"
          "\n"
          "A WebSocket echo server: every message is sent back unchanged.\n"
          "\n"
          "Options:\n"
          "  --host H              IPv4 or IPv6 address to listen on"
          " (127.0.0.1)\n"
          "  --port P              port to listen on, 0 picks one (8080)\n"
          "  --max-message-size N  largest message in bytes (16 MiB)\n"
          "  --max-queued-bytes N  bytes queued per connection before it"
          " is paused\n"
          "                        (64 MiB, or twice the largest message)\n"
          "  --log LEVEL           print the library's log lines up to LEVEL"
          " (error,\n"
          "                        warn, info, debug) on stderr\n"
          "  --drain-timeout MS    how long SIGTERM waits for connections to"
          " close\n"
          "                        (%d)\n"
          "  --threads N           loops (threads) to serve on, 1 to 64"
          " (one per core)\n"
          "  --tls-cert FILE       serve wss:// with this certificate"
          " chain (PEM)...\n"
          "  --tls-key FILE        ... and this private key (PEM)\n"
          "  --no-deflate          refuse permessage-deflate (accepted by"
          " default)\n"
          "  --help                show this help\n"
          "\n"
          "GET /metrics answers the counters in the Prometheus text"
          " format.\n",
          prog, OPS_DRAIN_TIMEOUT_MS);
}

/* Returns 0 to run, or the exit status: 0 after --help, 2 on a bad flag. */
static int parse_args(int argc, char** argv, echo_config_t* config,
                      int* exit_now) {
  unsigned long long v;
  const char* value;
  const char* flag;
  int missing;
  int i;

  *exit_now = 0;
  for (i = 1; i < argc; i++) {
    /* The flag as written: flags_value() moves i on to its value. */
    flag = argv[i];
    missing = 0;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout, argv[0]);
      *exit_now = 1;
      return 0;
    }
    if (strcmp(argv[i], "--no-deflate") == 0) {
      config->deflate = 0;
      continue;
    }
    if ((value = flags_value(argc, argv, &i, "--host", &missing)) != NULL) {
      if (*value == '\0')
        goto bad;
      config->host = value;
    } else if ((value = flags_value(argc, argv, &i, "--port", &missing)) !=
               NULL) {
      if (flags_parse_uint(value, 65535, &v) != 0)
        goto bad;
      config->port = (int) v;
    } else if ((value = flags_value(argc, argv, &i, "--max-message-size",
                                   &missing)) != NULL) {
      if (flags_parse_uint(value, SIZE_MAX, &v) != 0 || v == 0)
        goto bad;
      config->max_message_size = (size_t) v;
    } else if ((value = flags_value(argc, argv, &i, "--max-queued-bytes",
                                   &missing)) != NULL) {
      if (flags_parse_uint(value, WS_MAX_LIMIT, &v) != 0 || v == 0)
        goto bad;
      config->max_queued_bytes = (size_t) v;
    } else if ((value = flags_value(argc, argv, &i, "--log", &missing)) !=
               NULL) {
      config->log_level = ops_parse_log_level(value);
      if (config->log_level < 0)
        goto bad;
    } else if ((value = flags_value(argc, argv, &i, "--drain-timeout",
                                   &missing)) != NULL) {
      if (flags_parse_uint(value, UINT32_MAX, &v) != 0)
        goto bad;
      config->drain_timeout = v;
    } else if ((value = flags_value(argc, argv, &i, "--threads",
                                   &missing)) != NULL) {
      if (flags_parse_uint(value, 64, &v) != 0 || v == 0)
        goto bad;
      config->threads = (unsigned int) v;
    } else if ((value = flags_value(argc, argv, &i, "--tls-cert",
                                   &missing)) != NULL) {
      config->tls_cert = value;
    } else if ((value = flags_value(argc, argv, &i, "--tls-key",
                                   &missing)) != NULL) {
      config->tls_key = value;
    } else {
      if (missing)
        fprintf(stderr, "%s: %s needs a value\n", argv[0], argv[i]);
      else
        fprintf(stderr, "%s: unknown option: %s\n", argv[0], argv[i]);
      usage(stderr, argv[0]);
      *exit_now = 1;
      return 2;
    }
  }
  if ((config->tls_cert == NULL) != (config->tls_key == NULL)) {
    fprintf(stderr, "%s: --tls-cert and --tls-key go together\n", argv[0]);
    usage(stderr, argv[0]);
    *exit_now = 1;
    return 2;
  }
  return 0;

bad:
  fprintf(stderr, "%s: bad value for %s\n", argv[0], flag);
  usage(stderr, argv[0]);
  *exit_now = 1;
  return 2;
}

/* Formats addr as "1.2.3.4:5" or "[::1]:5". */
static void format_addr(const struct sockaddr_storage* addr, char* out,
                        size_t size) {
  char ip[64];

  if (addr->ss_family == AF_INET6) {
    const struct sockaddr_in6* a6 = (const struct sockaddr_in6*) addr;
    uv_ip6_name(a6, ip, sizeof(ip));
    snprintf(out, size, "[%s]:%d", ip, ntohs(a6->sin6_port));
  } else if (addr->ss_family == AF_INET) {
    const struct sockaddr_in* a4 = (const struct sockaddr_in*) addr;
    uv_ip4_name(a4, ip, sizeof(ip));
    snprintf(out, size, "%s:%d", ip, ntohs(a4->sin_port));
  } else {
    snprintf(out, size, "unknown");
  }
}

static void on_open(ws_conn_t* conn) {
  struct sockaddr_storage addr;
  char name[128];
  int err;

  err = ws_conn_peer_addr(conn, &addr);
  if (err == 0)
    format_addr(&addr, name, sizeof(name));
  else
    snprintf(name, sizeof(name), "%s", ws_err_name(err));
  fprintf(stderr, "open %s\n", name);
}

/* Keeps the echo the queue refused and stops reading until on_drain. */
static void hold_echo(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                      size_t len) {
  static const char reason[] = "out of memory";
  echo_pending_t* pending;

  pending = malloc(offsetof(echo_pending_t, data) + (len > 0 ? len : 1));
  if (pending == NULL) {
    ws_conn_close(conn, WS_CLOSE_INTERNAL_ERROR, reason, sizeof(reason) - 1);
    return;
  }
  pending->opcode = opcode;
  pending->len = len;
  if (len > 0)
    memcpy(pending->data, data, len);
  ws_conn_set_data(conn, pending);
  ws_conn_pause(conn);
}

static void on_message(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                       size_t len) {
  int err;

  err = ws_conn_send(conn, opcode, data, len);
  if (err == WS_EQUEUEFULL) {
    hold_echo(conn, opcode, data, len);
    return;
  }
  /* WS_ECLOSED only means the close handshake has begun: nothing to echo
   * to. Anything else is worth a line (WS_ENOMEM drops the connection). */
  if (err != 0 && err != WS_ECLOSED)
    fprintf(stderr, "send failed: %s\n", ws_err_name(err));
}

/* The queue is down to its low water: the kept echo goes out, and the
 * connection reads again. */
static void on_drain(ws_conn_t* conn) {
  echo_pending_t* pending;
  int err;

  pending = ws_conn_get_data(conn);
  if (pending == NULL)
    return;
  err = ws_conn_send(conn, pending->opcode, pending->data, pending->len);
  if (err == WS_EQUEUEFULL)
    return; /* still too big for what is queued: on_drain comes again */
  ws_conn_set_data(conn, NULL);
  free(pending);
  if (err != 0 && err != WS_ECLOSED)
    fprintf(stderr, "send failed: %s\n", ws_err_name(err));
  ws_conn_resume(conn);
}

static void on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  free(ws_conn_get_data(conn));
  if (info->error != 0) {
    fprintf(stderr, "close %u clean=%d %s\n", (unsigned) info->code,
            info->clean ? 1 : 0, ws_err_name(info->error));
  } else {
    fprintf(stderr, "close %u clean=%d %.*s\n", (unsigned) info->code,
            info->clean ? 1 : 0, (int) info->reason_len,
            info->reason != NULL ? info->reason : "");
  }
}

/* /metrics: the counters of every loop (the others' up to a second old);
 * any other plain HTTP request is left unanswered, which uvws answers
 * with 426 Upgrade Required. */
static void on_http(ws_conn_t* conn, ws_request_t* request) {
  ops_metrics_serve(ws_conn_server(conn), request);
}

static void on_signal(uv_signal_t* handle, int signum) {
  (void) handle;
  if (stopping)
    return;
  stopping = 1;
  fprintf(stderr, "signal %d: stopping\n", signum);
  loop_stats_stop_all();
  /* With the listener, the connections and both signal handles closed, the
   * loop has nothing left and uv_run() returns. */
  ws_server_shutdown(server, drain_timeout, NULL);
  uv_close((uv_handle_t*) &sigint_handle, NULL);
  uv_close((uv_handle_t*) &sigterm_handle, NULL);
}

/* Another loop, attached to the server: it runs until the server closes
 * (on every loop at once, from the main thread's signal). */
static void run_attached(void* arg) {
  echo_thread_t* t;
  ws_server_t* attached;
  int err;

  t = arg;
  err = ws_server_attach(server, &t->loop, &attached);
  if (err != 0) {
    fprintf(stderr, "ws_server_attach: %s\n", ws_strerror(err));
    return;
  }
  loop_stats_start(&t->stats, &t->loop, attached);
  uv_run(&t->loop, UV_RUN_DEFAULT);
  loop_stats_end(&t->stats);
  uv_run(&t->loop, UV_RUN_DEFAULT);
}

/* Starts config->threads - 1 loops; returns them (or NULL). */
static echo_thread_t* start_threads(unsigned int n) {
  echo_thread_t* threads;
  unsigned int i;

  threads = calloc(n, sizeof(*threads));
  if (threads == NULL)
    return NULL;
  for (i = 0; i < n; i++) {
    if (uv_loop_init(&threads[i].loop) != 0)
      break;
    if (uv_thread_create(&threads[i].thread, run_attached, &threads[i]) !=
        0) {
      uv_loop_close(&threads[i].loop);
      break;
    }
    threads[i].started = 1;
  }
  if (i < n)
    fprintf(stderr, "started %u threads of %u\n", i + 1, n + 1);
  return threads;
}

static int join_threads(echo_thread_t* threads, unsigned int n) {
  unsigned int i;
  int status;
  int err;

  status = 0;
  for (i = 0; threads != NULL && i < n; i++) {
    if (!threads[i].started)
      continue;
    uv_thread_join(&threads[i].thread);
    err = uv_loop_close(&threads[i].loop);
    if (err != 0) {
      fprintf(stderr, "uv_loop_close: %s\n", uv_strerror(err));
      status = 1;
    }
  }
  free(threads);
  return status;
}

int main(int argc, char** argv) {
  ws_server_callbacks_t callbacks;
  ws_server_options_t options;
  echo_config_t config;
  echo_thread_t* threads;
  uv_loop_t loop;
  int exit_now;
  int status;
  int err;

  config.host = "127.0.0.1";
  config.port = 8080;
  config.max_message_size = 0;
  config.max_queued_bytes = 0;
  config.log_level = 0;
  config.drain_timeout = OPS_DRAIN_TIMEOUT_MS;
  config.threads = uv_available_parallelism();
  if (config.threads > 64)
    config.threads = 64;
  config.tls_cert = NULL;
  config.tls_key = NULL;
  config.deflate = 1;
  status = parse_args(argc, argv, &config, &exit_now);
  if (exit_now)
    return status;
  drain_timeout = config.drain_timeout;

#ifdef SIGPIPE
  /* A peer that vanishes mid-write must not kill the server. */
  signal(SIGPIPE, SIG_IGN);
#endif

  err = uv_loop_init(&loop);
  if (err != 0) {
    fprintf(stderr, "uv_loop_init: %s\n", uv_strerror(err));
    return 1;
  }

  ws_server_options_init(&options);
  /* Compressed messages are inflated and echoed compressed (RFC 7692),
   * each on its own: no connection keeps a compression context. */
  options.deflate = config.deflate;
  if (config.max_message_size != 0)
    options.max_message_size = config.max_message_size;
  /* A kept echo must fit once the queue is down to its low water (a
   * quarter of it): twice the largest message is enough. */
  if (config.max_queued_bytes != 0)
    options.max_queued_bytes = config.max_queued_bytes;
  else if (options.max_message_size > WS_MAX_LIMIT / 2)
    options.max_queued_bytes = WS_MAX_LIMIT;
  else if (options.max_queued_bytes < options.max_message_size * 2)
    options.max_queued_bytes = options.max_message_size * 2;
  if (options.max_message_size + 14 >
      options.max_queued_bytes - options.max_queued_bytes / 4) {
    fprintf(stderr, "%s: --max-queued-bytes must be at least twice "
                    "--max-message-size\n", argv[0]);
    uv_loop_close(&loop);
    return 2;
  }

  if (config.log_level != 0) {
    options.log_cb = ops_log_to_stderr;
    options.log_level = (ws_log_level_t) config.log_level;
  }

  memset(&callbacks, 0, sizeof(callbacks));
  callbacks.on_open = on_open;
  callbacks.on_message = on_message;
  callbacks.on_close = on_close;
  callbacks.on_drain = on_drain;
  callbacks.on_http = on_http;

  err = ws_server_new(&server, &loop, &options, &callbacks);
  if (err != 0) {
    fprintf(stderr, "ws_server_new: %s\n", ws_strerror(err));
    uv_loop_close(&loop);
    return 1;
  }

  err = sample_listen(server, config.host, config.port, config.tls_cert,
                      config.tls_key);
  if (err != 0) {
    ws_server_close(server, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 1;
  }

  uv_signal_init(&loop, &sigint_handle);
  uv_signal_init(&loop, &sigterm_handle);
  uv_signal_start(&sigint_handle, on_signal, SIGINT);
  uv_signal_start(&sigterm_handle, on_signal, SIGTERM);

  if (config.threads > 1 && loop_stats_init(config.threads) == 0)
    loop_stats_start(&main_stats, &loop, server);
  threads = start_threads(config.threads - 1);

  sample_print_listening(config.host, ws_server_port(server),
                         config.tls_cert != NULL);

  uv_run(&loop, UV_RUN_DEFAULT);
  loop_stats_end(&main_stats);
  uv_run(&loop, UV_RUN_DEFAULT);

  status = join_threads(threads, config.threads - 1);
  loop_stats_free();
  err = uv_loop_close(&loop);
  if (err != 0) {
    fprintf(stderr, "uv_loop_close: %s\n", uv_strerror(err));
    return 1;
  }
  return status;
}
