/* uvws-cat's listen mode: a server whose clients all get stdin's lines (a
 * room broadcast), or their own messages back (--echo), and whose clients'
 * messages go to stdout. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cat.h"
#include "input.h"
#include "output.h"
#include "utf8.h"
#include "uvws.h"

typedef struct {
  const cat_config_t* config;
  ws_server_t* server;
  ws_room_t* room;         /* every open client */
  cat_input_t input;
  cat_output_t output;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  size_t max_line;
  unsigned long line_number;
  int stopping;
  int failed;
} cat_listen_t;

/* A client. */
typedef struct {
  char name[80];           /* "127.0.0.1:50000", the --prefix */
  void* held;              /* an echo the send queue refused */
  size_t held_len;
  ws_opcode_t held_opcode;
} cat_peer_t;

/* The close every open client gets when the server stops. */
typedef struct {
  uint16_t code;
  const char* reason;
  size_t reason_len;
} cat_close_t;

static void cat__peer_name(ws_conn_t* conn, char* out, size_t size) {
  struct sockaddr_storage addr;
  char ip[64];
  int port;

  if (ws_conn_peer_addr(conn, &addr) != 0) {
    snprintf(out, size, "?");
    return;
  }
  if (addr.ss_family == AF_INET6) {
    const struct sockaddr_in6* a6 = (const struct sockaddr_in6*) &addr;
    uv_ip6_name(a6, ip, sizeof(ip));
    port = ntohs(a6->sin6_port);
    snprintf(out, size, "[%s]:%d", ip, port);
  } else {
    const struct sockaddr_in* a4 = (const struct sockaddr_in*) &addr;
    uv_ip4_name(a4, ip, sizeof(ip));
    port = ntohs(a4->sin_port);
    snprintf(out, size, "%s:%d", ip, port);
  }
}

static void cat__listen_close_one(ws_conn_t* conn, void* arg) {
  const cat_close_t* how;

  how = arg;
  ws_conn_close(conn, how->code, how->reason, how->reason_len);
}

static void cat__listen_on_server_closed(ws_server_t* server) {
  cat_listen_t* cat;

  cat = ws_server_get_data(server);
  cat_output_close(&cat->output);
}

/* Stops listening, and closes every client with code. */
static void cat__listen_stop(cat_listen_t* cat, uint16_t code,
                             const char* reason, size_t reason_len) {
  cat_close_t how;

  if (cat->stopping)
    return;
  cat->stopping = 1;
  cat_input_close(&cat->input);
  uv_close((uv_handle_t*) &cat->sigint, NULL);
  uv_close((uv_handle_t*) &cat->sigterm, NULL);
  how.code = code;
  how.reason = reason;
  how.reason_len = reason_len;
  ws_room_foreach(cat->room, cat__listen_close_one, &how);
  ws_server_close(cat->server, cat__listen_on_server_closed);
}

static void cat__listen_on_line(cat_input_t* input, const char* line,
                                size_t len) {
  cat_listen_t* cat;
  int n;

  cat = input->data;
  cat->line_number++;
  if (!cat->config->binary && !utf8_valid(line, len)) {
    cat_error("line %lu is not UTF-8: not sent (--binary sends lines as "
              "binary messages)", cat->line_number);
    return;
  }
  n = ws_room_broadcast(cat->room,
                        cat->config->binary ? WS_OP_BINARY : WS_OP_TEXT,
                        line, len, NULL);
  if (n < 0)
    cat_error("broadcast: %s", ws_strerror(n));
}

static void cat__listen_on_input_end(cat_input_t* input, int err) {
  const cat_config_t* config;
  cat_listen_t* cat;

  cat = input->data;
  config = cat->config;
  if (err == CAT_INPUT_TOO_LONG) {
    cat_error("line %lu is longer than --max-message-size",
              cat->line_number + 1);
    cat->failed = 1;
  } else if (err != 0) {
    cat_error("stdin: %s", uv_strerror(err));
    cat->failed = 1;
  }
  cat__listen_stop(cat, config->close_code, config->close_reason,
                   config->close_reason_len);
}

static void cat__listen_pause_one(ws_conn_t* conn, void* arg) {
  (void) arg;
  ws_conn_pause(conn);
}

static void cat__listen_resume_one(ws_conn_t* conn, void* arg) {
  cat_peer_t* peer;

  (void) arg;
  peer = ws_conn_get_data(conn);
  if (peer->held == NULL)
    ws_conn_resume(conn);
}

static void cat__listen_on_output_full(cat_output_t* output, int full) {
  cat_listen_t* cat;

  cat = output->data;
  ws_room_foreach(cat->room,
                  full ? cat__listen_pause_one : cat__listen_resume_one,
                  NULL);
}

static void cat__listen_on_output_error(cat_output_t* output, int err) {
  cat_listen_t* cat;

  cat = output->data;
  cat_error("stdout: %s", uv_strerror(err));
  cat->failed = 1;
  cat__listen_stop(cat, WS_CLOSE_GOING_AWAY, NULL, 0);
}

/* Adds a "Name: value" header to the response. */
static int cat__add_header(ws_request_t* request, const char* header) {
  const char* colon;
  const char* value;
  char name[256];
  size_t n;

  colon = strchr(header, ':');
  if (colon == NULL || colon == header ||
      (size_t) (colon - header) >= sizeof(name))
    return WS_EINVAL;
  n = (size_t) (colon - header);
  memcpy(name, header, n);
  name[n] = '\0';
  value = colon + 1;
  while (*value == ' ' || *value == '\t')
    value++;
  return ws_request_add_header(request, name, value);
}

static int cat__listen_on_handshake(ws_conn_t* conn, ws_request_t* request) {
  const cat_config_t* config;
  const char* origin;
  cat_listen_t* cat;
  char name[80];
  size_t i;

  cat = ws_conn_owner_data(conn);
  config = cat->config;
  if (config->origin != NULL) {
    origin = ws_request_header(request, "Origin");
    if (origin == NULL || strcmp(origin, config->origin) != 0) {
      cat__peer_name(conn, name, sizeof(name));
      cat_note(config, "refused %s from Origin %s", name,
               origin != NULL ? origin : "(none)");
      return 403;
    }
  }
  /* Ours in order of preference: the first the client offered. */
  for (i = 0; i < config->subprotocol_count; i++)
    if (ws_request_select_subprotocol(request, config->subprotocols[i]) ==
        0)
      break;
  for (i = 0; i < config->header_count; i++)
    if (cat__add_header(request, config->headers[i]) != 0)
      return 500;
  return 0;
}

static void cat__listen_on_open(ws_conn_t* conn) {
  cat_listen_t* cat;
  cat_peer_t* peer;

  cat = ws_conn_owner_data(conn);
  peer = calloc(1, sizeof(*peer));
  if (peer == NULL || ws_room_join(cat->room, conn) != 0) {
    free(peer);
    ws_conn_close(conn, WS_CLOSE_INTERNAL_ERROR, NULL, 0);
    return;
  }
  cat__peer_name(conn, peer->name, sizeof(peer->name));
  ws_conn_set_data(conn, peer);
  cat_note(cat->config, "open %s", peer->name);
  if (cat->output.full)
    ws_conn_pause(conn);
}

/* Keeps the echo the send queue refused; the client waits for on_drain. */
static void cat__listen_hold(ws_conn_t* conn, cat_peer_t* peer,
                             ws_opcode_t opcode, const void* data,
                             size_t len) {
  peer->held = malloc(len > 0 ? len : 1);
  if (peer->held == NULL) {
    ws_conn_close(conn, WS_CLOSE_INTERNAL_ERROR, NULL, 0);
    return;
  }
  memcpy(peer->held, data, len);
  peer->held_len = len;
  peer->held_opcode = opcode;
  ws_conn_pause(conn);
}

static void cat__listen_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                                   const void* data, size_t len) {
  cat_listen_t* cat;
  cat_peer_t* peer;
  int err;

  cat = ws_conn_owner_data(conn);
  peer = ws_conn_get_data(conn);
  if (peer == NULL)
    return; /* closing: on_open found no memory for it */
  cat_output_message(&cat->output,
                     cat->config->prefix_peer ? peer->name : NULL,
                     opcode == WS_OP_BINARY, cat->config->print, data, len);
  if (!cat->config->echo)
    return;
  err = ws_conn_send(conn, opcode, data, len);
  if (err == WS_EQUEUEFULL)
    cat__listen_hold(conn, peer, opcode, data, len);
  else if (err != 0 && err != WS_ECLOSED)
    cat_error("send: %s", ws_strerror(err));
}

static void cat__listen_on_drain(ws_conn_t* conn) {
  cat_listen_t* cat;
  cat_peer_t* peer;
  int err;

  cat = ws_conn_owner_data(conn);
  peer = ws_conn_get_data(conn);
  if (peer == NULL || peer->held == NULL)
    return;
  err = ws_conn_send(conn, peer->held_opcode, peer->held, peer->held_len);
  if (err == WS_EQUEUEFULL)
    return;
  if (err != 0 && err != WS_ECLOSED)
    cat_error("send: %s", ws_strerror(err));
  free(peer->held);
  peer->held = NULL;
  if (!cat->output.full)
    ws_conn_resume(conn);
}

static void cat__listen_on_close(ws_conn_t* conn,
                                 const ws_close_info_t* info) {
  cat_listen_t* cat;
  cat_peer_t* peer;

  cat = ws_conn_owner_data(conn);
  peer = ws_conn_get_data(conn);
  if (peer == NULL)
    return;
  if (info->error != 0)
    cat_note(cat->config, "close %s %u (%s)", peer->name,
             (unsigned) info->code, ws_strerror(info->error));
  else
    cat_note(cat->config, "close %s %u%s%.*s", peer->name,
             (unsigned) info->code, info->reason_len > 0 ? " " : "",
             (int) info->reason_len,
             info->reason != NULL ? info->reason : "");
  free(peer->held);
  free(peer);
}

static void cat__listen_on_signal(uv_signal_t* handle, int signum) {
  (void) signum;
  cat__listen_stop(handle->data, WS_CLOSE_GOING_AWAY, NULL, 0);
}

/* Every --header is "Name: value". */
static int cat__check_headers(const cat_config_t* config) {
  const char* colon;
  size_t i;

  for (i = 0; i < config->header_count; i++) {
    colon = strchr(config->headers[i], ':');
    if (colon == NULL || colon == config->headers[i]) {
      cat_error("--header %s: not 'Name: value'", config->headers[i]);
      return CAT_EXIT_USAGE;
    }
  }
  return 0;
}

/* Closes what cat_listen_run() made after a failure, and says how it
 * failed. */
static int cat__listen_fail(uv_loop_t* loop, cat_listen_t* cat) {
  cat_output_close(&cat->output);
  if (cat->server != NULL)
    ws_server_close(cat->server, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  return CAT_EXIT_FAILURE;
}

int cat_listen_run(uv_loop_t* loop, const cat_config_t* config) {
  ws_server_callbacks_t callbacks;
  ws_server_options_t options;
  cat_listen_t cat;
  int port;
  int err;

  err = cat__check_headers(config);
  if (err != 0)
    return err;
  memset(&cat, 0, sizeof(cat));
  cat.config = config;
  cat.input.closed = 1; /* only --echo-less servers read stdin */
  err = cat_output_init(&cat.output, loop, cat__listen_on_output_full,
                        cat__listen_on_output_error, &cat);
  if (err != 0) {
    cat_error("stdout: %s", uv_strerror(err));
    return CAT_EXIT_FAILURE;
  }

  ws_server_options_init(&options);
  if (config->max_message_size != 0)
    options.max_message_size = config->max_message_size;
  cat.max_line = options.max_message_size;
  if (cat_queue_limit(config, options.max_message_size,
                      &options.max_queued_bytes) != 0) {
    cat__listen_fail(loop, &cat);
    return CAT_EXIT_USAGE;
  }
  if (config->ping_interval_set)
    options.ping_interval = config->ping_interval;
  options.data = &cat;
  memset(&callbacks, 0, sizeof(callbacks));
  callbacks.on_handshake = cat__listen_on_handshake;
  callbacks.on_open = cat__listen_on_open;
  callbacks.on_message = cat__listen_on_message;
  callbacks.on_drain = cat__listen_on_drain;
  callbacks.on_close = cat__listen_on_close;
  err = ws_server_new(&cat.server, loop, &options, &callbacks);
  if (err == 0)
    err = ws_room_new(&cat.room, cat.server);
  if (err != 0) {
    cat_error("ws_server_new: %s", ws_strerror(err));
    return cat__listen_fail(loop, &cat);
  }
  err = ws_server_listen(cat.server, config->host, config->listen_port);
  if (err != 0) {
    cat_error("listen on %s port %d: %s", config->host, config->listen_port,
              ws_strerror(err));
    return cat__listen_fail(loop, &cat);
  }
  port = ws_server_port(cat.server);
  /* Always, for scripts (and the tests) to read the port from. */
  if (strchr(config->host, ':') != NULL)
    fprintf(stderr, "uvws-cat: listening on ws://[%s]:%d/\n", config->host,
            port);
  else
    fprintf(stderr, "uvws-cat: listening on ws://%s:%d/\n", config->host,
            port);

  if (!config->echo) {
    err = cat_input_start(&cat.input, loop, cat.max_line,
                          cat__listen_on_line, cat__listen_on_input_end,
                          &cat);
    if (err != 0) {
      cat_error("stdin: %s", uv_strerror(err));
      return cat__listen_fail(loop, &cat);
    }
  }
  uv_signal_init(loop, &cat.sigint);
  uv_signal_init(loop, &cat.sigterm);
  cat.sigint.data = &cat;
  cat.sigterm.data = &cat;
  uv_signal_start(&cat.sigint, cat__listen_on_signal, SIGINT);
  uv_signal_start(&cat.sigterm, cat__listen_on_signal, SIGTERM);

  uv_run(loop, UV_RUN_DEFAULT);
  return cat.failed ? CAT_EXIT_FAILURE : CAT_EXIT_OK;
}
