/* uvws-chat: chat rooms over WebSocket, with their browser client served
 * from the same port, built on the public uvws API only.
 *
 *   GET /  (or /index.html)   the page (index.html, built in)
 *   /ws/ROOM?name=NAME        the WebSocket: the protocol is in chat.h
 *   GET /metrics              the counters, in the Prometheus text format
 *   anything else             404
 *
 * With --redis URL (built where uvws_redis is), several chat processes
 * share their rooms through Redis: see samples/chat/cluster.h and
 * docs/scale-out.md.
 *
 * --log LEVEL prints the library's log lines on stderr. SIGINT or SIGTERM
 * stops it gracefully (ws_server_shutdown()): no more connections are
 * accepted, every member gets what was queued for it then a 1001 close,
 * and once all have closed, or --drain-timeout has passed, the process
 * exits 0. With --tls-cert and --tls-key it serves https:// and wss://
 * instead. The tests read the port from the one line printed on stdout:
 *   listening on ws://127.0.0.1:8080/   (or wss://)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "chat.h"
#include "page.h"
#include "shared_port.h"
#include "flags.h"
#include "ops.h"
#include "listen.h"
#include "uvws.h"

typedef struct {
  const char* host;
  int port;
  int log_level;           /* 0: no library log lines */
  uint64_t drain_timeout;  /* ms a graceful stop waits for connections */
  const char* redis_url;   /* NULL: one node */
  uint64_t presence_ttl_ms;
  int reuseport;          /* share the port with other processes */
  const char* tls_cert;    /* with tls_key: https:// and wss:// */
  const char* tls_key;
} chat_config_t;

static ws_server_t* server;
static chat_t* chat;
static shared_port_t shared_port;
static int shared;
#ifdef CHAT_WITH_REDIS
static ws_redis_bus_t* bus;
#endif
static uv_signal_t sigint_handle;
static uv_signal_t sigterm_handle;
static uint64_t drain_timeout;
static int stopping;

static void usage(FILE* out, const char* prog) {
  fprintf(out,
          "Usage: %s [options]\n"
          "\n"
          "A chat server: open http://HOST:PORT/ in a browser, pick a room\n"
          "and a name, and chat. Clients connect to ws://HOST:PORT/ws/ROOM"
          "?name=NAME.\n"
          "\n"
          "Options:\n"
          "  --host H             IPv4 or IPv6 address to listen on"
          " (127.0.0.1)\n"
          "  --port P             port to listen on, 0 picks one (8080)\n"
          "  --log LEVEL          print the library's log lines up to LEVEL\n"
          "                       (error, warn, info, debug) on stderr\n"
          "  --drain-timeout MS   how long SIGTERM waits for connections to"
          " close (%d)\n"
          "  --redis URL          share rooms with other chat processes\n"
          "                       through Redis: redis://HOST[:PORT] or\n"
          "                       unix:/PATH%s\n"
          "  --presence-ttl MS    how long a crashed process's members stay\n"
          "                       listed, with --redis (10000)\n"
          "  --reuseport          share the port with other uvws-chat\n"
          "                       processes (SO_REUSEPORT; with --redis they\n"
          "                       share their rooms too)\n"
          "  --tls-cert FILE      serve https:// and wss:// with this"
          " certificate chain\n"
          "                       (PEM)...\n"
          "  --tls-key FILE       ... and this private key (PEM)\n"
          "  --help               show this help\n"
          "\n"
          "GET /metrics answers the counters in the Prometheus text"
          " format.\n",
          prog, OPS_DRAIN_TIMEOUT_MS,
#ifdef CHAT_WITH_REDIS
          ""
#else
          " (not in this build)"
#endif
          );
}

/* Returns 0 to run, or the exit status: 0 after --help, 2 on a bad flag. */
static int parse_args(int argc, char** argv, chat_config_t* config,
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
    if (strcmp(argv[i], "--reuseport") == 0) {
      config->reuseport = 1;
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
    } else if ((value = flags_value(argc, argv, &i, "--redis", &missing)) !=
               NULL) {
#ifndef CHAT_WITH_REDIS
      fprintf(stderr, "%s: built without Redis (hiredis)\n", argv[0]);
      *exit_now = 1;
      return 2;
#endif
      config->redis_url = value;
    } else if ((value = flags_value(argc, argv, &i, "--presence-ttl",
                                    &missing)) != NULL) {
      if (flags_parse_uint(value, 24ULL * 3600 * 1000, &v) != 0 || v < 3)
        goto bad;
      config->presence_ttl_ms = v;
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
  if ((config->tls_cert == NULL) != (config->tls_key == NULL) ||
      (config->tls_cert != NULL && config->reuseport)) {
    fprintf(stderr, "%s: --tls-cert and --tls-key go together, and not "
                    "with --reuseport\n", argv[0]);
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

/* Plain HTTP: the page at / and /index.html, the counters at /metrics,
 * 404 elsewhere. A request for /ws/... without an upgrade is left
 * unanswered, which uvws answers with 426 Upgrade Required. */
static void on_http(ws_conn_t* conn, ws_request_t* request) {
  static const char not_found[] = "404 Not Found\n";
  const char* target;
  size_t path_len;

  (void) conn;
  target = ws_request_target(request);
  path_len = strcspn(target, "?");
  if (strncmp(target, "/ws/", 4) == 0)
    return;
  if (ops_metrics_serve(server, request))
    return;
  if ((path_len == 1 && target[0] == '/') ||
      (path_len == 11 && strncmp(target, "/index.html", 11) == 0)) {
    if (strcmp(ws_request_method(request), "GET") != 0) {
      ws_request_add_header(request, "Allow", "GET");
      ws_request_respond(request, 405, "text/plain; charset=utf-8",
                         "405 Method Not Allowed\n", 23);
      return;
    }
    ws_request_add_header(request, "Cache-Control", "no-cache");
    ws_request_add_header(request, "X-Content-Type-Options", "nosniff");
    ws_request_respond(request, 200, "text/html; charset=utf-8", chat_page,
                       chat_page_len);
    return;
  }
  ws_request_respond(request, 404, "text/plain; charset=utf-8", not_found,
                     sizeof(not_found) - 1);
}

#ifdef CHAT_WITH_REDIS
static void on_redis_state(ws_redis_bus_t* b, int up, int err) {
  (void) b;
  if (up)
    fprintf(stderr, "redis: up\n");
  else
    fprintf(stderr, "redis: down (%s)\n", ws_err_name(err));
}
#endif

/* Every member has left: the bus may go. */
static void on_server_closed(ws_server_t* s) {
  (void) s;
#ifdef CHAT_WITH_REDIS
  if (bus != NULL) {
    chat_stop_redis(chat);
    ws_redis_bus_close(bus, NULL);
    bus = NULL;
  }
#endif
}

static void on_signal(uv_signal_t* handle, int signum) {
  (void) handle;
  if (stopping)
    return;
  stopping = 1;
  fprintf(stderr, "signal %d: stopping\n", signum);
  /* Every member gets on_close, leaves its room, and the last one out
   * frees it; then the loop has nothing left and uv_run() returns. */
  if (shared)
    shared_port_close(&shared_port);
  ws_server_shutdown(server, drain_timeout, on_server_closed);
  uv_close((uv_handle_t*) &sigint_handle, NULL);
  uv_close((uv_handle_t*) &sigterm_handle, NULL);
}

int main(int argc, char** argv) {
  ws_server_callbacks_t callbacks;
  ws_server_options_t options;
  chat_config_t config;
  uv_loop_t loop;
  int exit_now;
  int status;
  int port;
  int err;

  config.host = "127.0.0.1";
  config.port = 8080;
  config.log_level = 0;
  config.drain_timeout = OPS_DRAIN_TIMEOUT_MS;
  config.redis_url = NULL;
  config.presence_ttl_ms = 10000;
  config.reuseport = 0;
  config.tls_cert = NULL;
  config.tls_key = NULL;
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
  if (chat_new(&chat) != 0) {
    fprintf(stderr, "out of memory\n");
    uv_loop_close(&loop);
    return 1;
  }

  ws_server_options_init(&options);
  options.max_message_size = CHAT_MAX_MESSAGE_SIZE;
  /* A member that stops reading is closed with 1008 long before it could
   * hold much memory; a full history is at most about 1.3 MB. */
  options.max_queued_bytes = 4 * 1024 * 1024;
  options.slow_policy = WS_SLOW_CLOSE;
  options.drain_low_water = CHAT_PAUSE_BYTES;
  if (config.log_level != 0) {
    options.log_cb = ops_log_to_stderr;
    options.log_level = (ws_log_level_t) config.log_level;
  }
  /* Browsers offer permessage-deflate: chat traffic (JSON) shrinks, and
   * each broadcast is compressed once for the whole room. */
  options.deflate = 1;

  memset(&callbacks, 0, sizeof(callbacks));
  chat_set_callbacks(&callbacks);
  callbacks.on_http = on_http;

  err = ws_server_new(&server, &loop, &options, &callbacks);
  if (err != 0) {
    fprintf(stderr, "ws_server_new: %s\n", ws_strerror(err));
    chat_free(chat);
    uv_loop_close(&loop);
    return 1;
  }
  ws_server_set_data(server, chat);

#ifdef CHAT_WITH_REDIS
  if (config.redis_url != NULL) {
    ws_redis_options_t redis_options;

    ws_redis_options_init(&redis_options);
    redis_options.on_state = on_redis_state;
    err = ws_redis_bus_new(&bus, &loop, config.redis_url, &redis_options);
    if (err == 0)
      err = chat_use_redis(chat, &loop, bus,
                           (int64_t) config.presence_ttl_ms);
    if (err != 0) {
      fprintf(stderr, "--redis %s: %s\n", config.redis_url,
              ws_strerror(err));
      ws_server_close(server, on_server_closed);
      uv_run(&loop, UV_RUN_DEFAULT);
      chat_free(chat);
      uv_loop_close(&loop);
      return 2;
    }
  }
#endif

  if (config.reuseport) {
    err = shared_port_listen(&shared_port, &loop, server, config.host,
                             config.port);
    shared = err == 0;
    if (err != 0)
      fprintf(stderr, "listen on %s port %d: %s\n", config.host,
              config.port, ws_strerror(err));
  } else {
    err = sample_listen(server, config.host, config.port, config.tls_cert,
                        config.tls_key);
  }
  if (err != 0) {
    ws_server_close(server, on_server_closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    chat_free(chat);
    uv_loop_close(&loop);
    return 1;
  }

  uv_signal_init(&loop, &sigint_handle);
  uv_signal_init(&loop, &sigterm_handle);
  uv_signal_start(&sigint_handle, on_signal, SIGINT);
  uv_signal_start(&sigterm_handle, on_signal, SIGTERM);

  port = shared ? shared_port_port(&shared_port) : ws_server_port(server);
  sample_print_listening(config.host, port, config.tls_cert != NULL);

  uv_run(&loop, UV_RUN_DEFAULT);
  chat_free(chat);

  err = uv_loop_close(&loop);
  if (err != 0) {
    fprintf(stderr, "uv_loop_close: %s\n", uv_strerror(err));
    return 1;
  }
  return 0;
}
