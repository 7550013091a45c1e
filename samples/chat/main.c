/* uvws-chat: chat rooms over WebSocket, with their browser client served
 * from the same port, built on the public uvws API only.
 *
 *   GET /  (or /index.html)   the page (index.html, built in)
 *   /ws/ROOM?name=NAME        the WebSocket: the protocol is in chat.h
 *   GET /metrics              the counters (of every loop), in the
 *                             Prometheus text format
 *   anything else             404
 *
 * --threads N serves on N loops, one per thread (default: one per core):
 * the main thread's loop listens and ws_server_attach() spreads the
 * connections over the others; the rooms, their members and histories
 * span the loops (chat_span_loops()).
 *
 * With --redis URL (built where uvws_redis is), several chat processes
 * share their rooms through Redis: see samples/chat/cluster.h and
 * docs/scale-out.md. It then runs one loop unless --threads says more:
 * each loop is a node of its own, with its own chat and bus, which Redis
 * makes one room as it does across processes (but while Redis is away,
 * each loop is a chat of its own).
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
#include "loop_stats.h"
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
  unsigned int threads;
} chat_config_t;

/* A loop: the main thread's (loops[0], whose server listens) or one of
 * its own on another thread, attached to it. */
typedef struct {
  uv_thread_t thread;
  uv_loop_t loop;
  int loop_ready;
  int started;
  ws_server_t* server;
  loop_stats_t stats;      /* its counters, for /metrics on any loop */
  chat_t* chat;            /* with --redis this loop's, else loops[0]'s */
#ifdef CHAT_WITH_REDIS
  ws_redis_bus_t* bus;     /* with --redis */
  uv_async_t stop;         /* with bus: closes it once the server closed */
#endif
} chat_loop_t;

static chat_loop_t* loops;
static unsigned int loop_count;
static ws_server_t* server;
static shared_port_t shared_port;
static int shared;
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
          "  --threads N          loops (threads) to serve on, 1 to 64\n"
          "                       (default: one per core; with --redis, 1:\n"
          "                       each loop is then a node of its own)\n"
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
    } else if ((value = flags_value(argc, argv, &i, "--threads",
                                   &missing)) != NULL) {
      if (flags_parse_uint(value, 64, &v) != 0 || v == 0)
        goto bad;
      config->threads = (unsigned int) v;
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

  target = ws_request_target(request);
  path_len = strcspn(target, "?");
  if (strncmp(target, "/ws/", 4) == 0)
    return;
  if (ops_metrics_serve(ws_conn_server(conn), request))
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

/* On the loop's own thread: its members have all left, its bus may go. */
static void on_stop(uv_async_t* async) {
  chat_loop_t* l;

  l = async->data;
  chat_stop_redis(l->chat);
  ws_redis_bus_close(l->bus, NULL);
  uv_close((uv_handle_t*) async, NULL);
}
#endif

/* Every member of every loop has left (called on the last loop's
 * thread): each loop's bus may go, closed on its own thread. */
static void on_server_closed(ws_server_t* s) {
  unsigned int i;

  (void) s;
  for (i = 0; i < loop_count; i++) {
#ifdef CHAT_WITH_REDIS
    if (loops[i].bus != NULL)
      uv_async_send(&loops[i].stop);
#endif
  }
}

static void on_signal(uv_signal_t* handle, int signum) {
  (void) handle;
  if (stopping)
    return;
  stopping = 1;
  fprintf(stderr, "signal %d: stopping\n", signum);
  loop_stats_stop_all();
  /* Every member gets on_close, leaves its room, and the last one out
   * frees it; then the loops have nothing left and uv_run() returns. */
  if (shared)
    shared_port_close(&shared_port);
  ws_server_shutdown(server, drain_timeout, on_server_closed);
  uv_close((uv_handle_t*) &sigint_handle, NULL);
  uv_close((uv_handle_t*) &sigterm_handle, NULL);
}

/* loops[i]: its loop, its server (attached to loops[0]'s), its chat and,
 * with --redis, its bus. Returns 0, or an error (what was made is undone
 * by closing the server and running the loops). */
static int loop_make(unsigned int i, const ws_server_options_t* options,
                     const ws_server_callbacks_t* callbacks,
                     const chat_config_t* config) {
  chat_loop_t* l;
  int err;

  l = &loops[i];
  err = uv_loop_init(&l->loop);
  if (err != 0)
    return err;
  l->loop_ready = 1;
  if (config->redis_url != NULL || i == 0) {
    err = chat_new(&l->chat);
    if (err != 0)
      return err;
    if (config->redis_url == NULL && config->threads > 1)
      chat_span_loops(l->chat);
  } else {
    l->chat = loops[0].chat;
  }
  if (i == 0)
    err = ws_server_new(&l->server, &l->loop, options, callbacks);
  else
    err = ws_server_attach(server, &l->loop, &l->server);
  if (err != 0)
    return err;
  ws_server_set_data(l->server, l->chat);
#ifdef CHAT_WITH_REDIS
  if (config->redis_url != NULL) {
    ws_redis_options_t redis_options;

    ws_redis_options_init(&redis_options);
    redis_options.on_state = on_redis_state;
    err = ws_redis_bus_new(&l->bus, &l->loop, config->redis_url,
                           &redis_options);
    if (err != 0)
      return err;
    uv_async_init(&l->loop, &l->stop, on_stop);
    l->stop.data = l;
    err = chat_use_redis(l->chat, &l->loop, l->bus,
                         (int64_t) config->presence_ttl_ms);
    if (err != 0)
      return err;
  }
#else
  (void) config;
#endif
  return 0;
}

/* Runs l's loop until its server has closed, then closes its counters'
 * timer. */
static void run_loop(void* arg) {
  chat_loop_t* l;

  l = arg;
  uv_run(&l->loop, UV_RUN_DEFAULT);
  loop_stats_end(&l->stats);
  uv_run(&l->loop, UV_RUN_DEFAULT);
}

/* Runs every loop but the first on a thread of its own. */
static void start_threads(void) {
  unsigned int i;

  for (i = 1; i < loop_count; i++) {
    if (!loops[i].loop_ready)
      continue;
    if (uv_thread_create(&loops[i].thread, run_loop, &loops[i]) != 0) {
      fprintf(stderr, "uv_thread_create failed: loop %u runs on the main "
                      "thread after the others\n", i);
      continue;
    }
    loops[i].started = 1;
  }
}

/* Joins the threads, runs what did not start, and frees everything;
 * returns 0, or 1 if a loop did not close. */
static int finish_loops(void) {
  unsigned int i;
  int status;
  int err;

  status = 0;
  for (i = 1; i < loop_count; i++) {
    if (loops[i].started)
      uv_thread_join(&loops[i].thread);
    else if (loops[i].loop_ready)
      run_loop(&loops[i]);
  }
  loop_stats_free();
  for (i = 0; i < loop_count; i++) {
    if (loops[i].chat != NULL && (i == 0 || loops[i].chat != loops[0].chat))
      chat_free(loops[i].chat);
    if (!loops[i].loop_ready)
      continue;
    err = uv_loop_close(&loops[i].loop);
    if (err != 0) {
      fprintf(stderr, "uv_loop_close: %s\n", uv_strerror(err));
      status = 1;
    }
  }
  free(loops);
  return status;
}

int main(int argc, char** argv) {
  ws_server_callbacks_t callbacks;
  ws_server_options_t options;
  chat_config_t config;
  unsigned int served;
  unsigned int i;
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
  config.threads = 0;
  status = parse_args(argc, argv, &config, &exit_now);
  if (exit_now)
    return status;
  /* With --redis, one node per process unless told: while Redis is away,
   * each loop would be a chat of its own. */
  if (config.threads == 0)
    config.threads = config.redis_url != NULL ? 1
                                              : uv_available_parallelism();
  if (config.threads > 64)
    config.threads = 64;
  drain_timeout = config.drain_timeout;

#ifdef SIGPIPE
  /* A peer that vanishes mid-write must not kill the server. */
  signal(SIGPIPE, SIG_IGN);
#endif

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

  loops = calloc(config.threads, sizeof(*loops));
  if (loops == NULL) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  loop_count = config.threads;
  /* Every loop is made here, before any runs; the first one's server
   * exists from its ws_server_new() on, so that a failure later closes
   * every loop's server through it. */
  err = loop_make(0, &options, &callbacks, &config);
  if (err != 0 && loops[0].server == NULL) {
    fprintf(stderr, "%s: %s\n", loops[0].chat == NULL ? "out of memory"
                                : "ws_server_new", ws_strerror(err));
    finish_loops();
    return 1;
  }
  server = loops[0].server;
  for (i = 1; err == 0 && i < loop_count; i++) {
    err = loop_make(i, &options, &callbacks, &config);
    if (err == UV_ENOTSUP) {
      /* ws_server_attach() where a platform has no way yet (Windows). */
      fprintf(stderr, "--threads: one loop on this platform\n");
      err = 0;
      break;
    }
  }
  if (err != 0) {
    fprintf(stderr, "%s: %s\n",
            config.redis_url != NULL ? "--redis" : "starting the loops",
            ws_strerror(err));
    status = 2;
  } else if (config.reuseport) {
    err = shared_port_listen(&shared_port, &loops[0].loop, server,
                             config.host, config.port);
    shared = err == 0;
    if (err != 0)
      fprintf(stderr, "listen on %s port %d: %s\n", config.host,
              config.port, ws_strerror(err));
  } else {
    err = sample_listen(server, config.host, config.port, config.tls_cert,
                        config.tls_key);
  }
  if (err != 0) {
    if (status == 0)
      status = 1;
    ws_server_close(server, on_server_closed);
    start_threads();
    uv_run(&loops[0].loop, UV_RUN_DEFAULT);
    finish_loops();
    return status;
  }

  /* /metrics on any loop sums every loop's counters. */
  served = 0;
  for (i = 0; i < loop_count; i++)
    served += loops[i].server != NULL;
  if (served > 1 && loop_stats_init(served) == 0) {
    for (i = 0; i < served; i++)
      loop_stats_start(&loops[i].stats, &loops[i].loop, loops[i].server);
  }
  fprintf(stderr, "serving on %u loop%s\n", served, served > 1 ? "s" : "");

  uv_signal_init(&loops[0].loop, &sigint_handle);
  uv_signal_init(&loops[0].loop, &sigterm_handle);
  uv_signal_start(&sigint_handle, on_signal, SIGINT);
  uv_signal_start(&sigterm_handle, on_signal, SIGTERM);

  start_threads();
  port = shared ? shared_port_port(&shared_port) : ws_server_port(server);
  sample_print_listening(config.host, port, config.tls_cert != NULL);

  run_loop(&loops[0]);
  return finish_loops();
}
