/* uvws-cat's client mode: stdin's lines to one connection, its messages to
 * stdout, and the exit status from how it ended. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cat.h"
#include "input.h"
#include "output.h"
#include "utf8.h"
#include "uvws.h"

typedef struct {
  const cat_config_t* config;
  uv_loop_t* loop;
  ws_client_t* client;
  ws_conn_t* conn;         /* NULL once it has ended */
  cat_input_t input;
  cat_output_t output;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  int signals;             /* the signal handles are initialized */
  uv_timer_t wait_timer;   /* --wait: from the end of stdin to the close */
  char* held;              /* a line the send queue refused */
  size_t held_len;
  size_t max_line;         /* the largest message */
  int opened;
  int input_ended;         /* no more lines: close once held is sent */
  int closing;             /* our close frame is queued */
  int failed;              /* a local failure: stdin, stdout, memory */
  unsigned long line_number;
  int status;
} cat_client_t;

/* The URL schemes uvws-cat connects to; wss:// needs TLS in the library
 * (ws_tls_available()). */
static const struct {
  const char* prefix;
  int needs_tls;
} cat__schemes[] = {
  { "ws://", 0 },
  { "wss://", 1 },
};

/* Returns 0 if url has a scheme this build takes, else says why not and
 * returns CAT_EXIT_USAGE. */
static int cat__check_scheme(const char* url) {
  size_t n;
  size_t i;

  for (i = 0; i < sizeof(cat__schemes) / sizeof(cat__schemes[0]); i++) {
    n = strlen(cat__schemes[i].prefix);
    if (strncmp(url, cat__schemes[i].prefix, n) != 0)
      continue;
    if (!cat__schemes[i].needs_tls || ws_tls_available())
      return 0;
    cat_error("%s: %s needs TLS, which this build of uvws does not have",
              url, cat__schemes[i].prefix);
    return CAT_EXIT_USAGE;
  }
  cat_error("%s: not a ws:// URL", url);
  return CAT_EXIT_USAGE;
}

static void cat__client_finish(cat_client_t* cat) {
  cat->conn = NULL;
  free(cat->held);
  cat->held = NULL;
  cat_input_close(&cat->input);
  cat_output_close(&cat->output);
  if (!uv_is_closing((uv_handle_t*) &cat->wait_timer))
    uv_close((uv_handle_t*) &cat->wait_timer, NULL);
  if (cat->signals) {
    uv_close((uv_handle_t*) &cat->sigint, NULL);
    uv_close((uv_handle_t*) &cat->sigterm, NULL);
    cat->signals = 0;
  }
  ws_client_close(cat->client, NULL);
}

/* Sends our close frame; the peer's answer ends the connection. */
static void cat__client_close(cat_client_t* cat, uint16_t code,
                              const char* reason, size_t reason_len) {
  int err;

  if (cat->conn == NULL || cat->closing)
    return;
  cat->closing = 1;
  cat_input_close(&cat->input);
  err = ws_conn_close(cat->conn, code, reason, reason_len);
  if (err != 0 && err != WS_ECLOSED)
    cat_error("close: %s", ws_strerror(err));
}

static void cat__client_close_as_asked(cat_client_t* cat) {
  const cat_config_t* config;

  config = cat->config;
  cat__client_close(cat, config->close_code, config->close_reason,
                    config->close_reason_len);
}

static void cat__client_on_wait_over(uv_timer_t* timer) {
  cat__client_close_as_asked(timer->data);
}

/* Every line is sent: close now, or after --wait. */
static void cat__client_lines_sent(cat_client_t* cat) {
  if (cat->config->wait == 0)
    cat__client_close_as_asked(cat);
  else
    uv_timer_start(&cat->wait_timer, cat__client_on_wait_over,
                   cat->config->wait, 0);
}

/* Sends a line; one that does not fit in the send queue is kept, and stdin
 * waits for on_drain. */
static void cat__client_send(cat_client_t* cat, const char* line,
                             size_t len) {
  ws_opcode_t opcode;
  int err;

  opcode = cat->config->binary ? WS_OP_BINARY : WS_OP_TEXT;
  err = ws_conn_send(cat->conn, opcode, line, len);
  if (err == 0 || err == WS_ECLOSED)
    return;
  if (err != WS_EQUEUEFULL) {
    cat_error("send: %s", ws_strerror(err));
    return;
  }
  cat->held = malloc(len > 0 ? len : 1);
  if (cat->held == NULL) {
    cat_error("out of memory");
    cat->failed = 1;
    cat__client_close(cat, WS_CLOSE_INTERNAL_ERROR, NULL, 0);
    return;
  }
  memcpy(cat->held, line, len);
  cat->held_len = len;
  cat_input_pause(&cat->input);
}

static void cat__client_on_line(cat_input_t* input, const char* line,
                                size_t len) {
  cat_client_t* cat;

  cat = input->data;
  cat->line_number++;
  if (!cat->config->binary && !utf8_valid(line, len)) {
    cat_error("line %lu is not UTF-8: not sent (--binary sends lines as "
              "binary messages)", cat->line_number);
    return;
  }
  cat__client_send(cat, line, len);
}

static void cat__client_on_input_end(cat_input_t* input, int err) {
  cat_client_t* cat;

  cat = input->data;
  if (err == CAT_INPUT_TOO_LONG) {
    cat_error("line %lu is longer than --max-message-size",
              cat->line_number + 1);
    cat->failed = 1;
  } else if (err != 0) {
    cat_error("stdin: %s", uv_strerror(err));
    cat->failed = 1;
  }
  cat->input_ended = 1;
  if (cat->held == NULL)
    cat__client_lines_sent(cat);
}

static void cat__client_on_drain(ws_conn_t* conn) {
  cat_client_t* cat;
  int err;

  cat = ws_conn_get_data(conn);
  if (cat->held == NULL)
    return;
  err = ws_conn_send(conn, cat->config->binary ? WS_OP_BINARY : WS_OP_TEXT,
                     cat->held, cat->held_len);
  if (err == WS_EQUEUEFULL)
    return;
  if (err != 0 && err != WS_ECLOSED)
    cat_error("send: %s", ws_strerror(err));
  free(cat->held);
  cat->held = NULL;
  if (cat->input_ended)
    cat__client_lines_sent(cat);
  else
    cat_input_resume(&cat->input);
}

static void cat__client_on_output_full(cat_output_t* output, int full) {
  cat_client_t* cat;

  cat = output->data;
  if (cat->conn == NULL)
    return;
  if (full)
    ws_conn_pause(cat->conn);
  else
    ws_conn_resume(cat->conn);
}

static void cat__client_on_output_error(cat_output_t* output, int err) {
  cat_client_t* cat;

  cat = output->data;
  cat_error("stdout: %s", uv_strerror(err));
  cat->failed = 1;
  cat__client_close(cat, WS_CLOSE_GOING_AWAY, NULL, 0);
}

static void cat__client_on_open(ws_conn_t* conn) {
  cat_client_t* cat;
  const char* protocol;
  int err;

  cat = ws_conn_get_data(conn);
  cat->opened = 1;
  protocol = ws_conn_subprotocol(conn);
  if (protocol != NULL)
    cat_note(cat->config, "connected to %s (subprotocol %s)",
             cat->config->url, protocol);
  else
    cat_note(cat->config, "connected to %s", cat->config->url);
  if (cat->output.full)
    ws_conn_pause(conn);
  err = cat_input_start(&cat->input, cat->loop, cat->max_line,
                        cat__client_on_line, cat__client_on_input_end, cat);
  if (err != 0) {
    cat_error("stdin: %s", uv_strerror(err));
    cat->failed = 1;
    cat__client_close_as_asked(cat);
  }
}

static void cat__client_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                                   const void* data, size_t len) {
  cat_client_t* cat;

  cat = ws_conn_get_data(conn);
  cat_output_message(&cat->output, NULL, opcode == WS_OP_BINARY,
                     cat->config->print, data, len);
}

static void cat__client_on_peer_close(ws_conn_t* conn, uint16_t code,
                                      const char* reason,
                                      size_t reason_len) {
  cat_client_t* cat;

  (void) code;
  (void) reason;
  (void) reason_len;
  cat = ws_conn_get_data(conn);
  /* Nothing more can be sent. */
  cat_input_close(&cat->input);
}

static int cat__client_status(const cat_client_t* cat,
                              const ws_close_info_t* info) {
  if (info->error == WS_EPROTO || info->error == WS_ETOOBIG)
    return CAT_EXIT_PROTOCOL;
  if (!info->clean)
    return CAT_EXIT_ABNORMAL;
  if (info->code != WS_CLOSE_NORMAL && info->code != WS_CLOSE_GOING_AWAY &&
      !(cat->closing && info->code == cat->config->close_code))
    return CAT_EXIT_CLOSE_CODE;
  return cat->failed ? CAT_EXIT_FAILURE : CAT_EXIT_OK;
}

static void cat__client_on_close(ws_conn_t* conn,
                                 const ws_close_info_t* info) {
  const char* reason;
  const char* space;
  cat_client_t* cat;
  int reason_len;

  cat = ws_conn_get_data(conn);
  cat->status = cat__client_status(cat, info);
  space = info->reason_len > 0 ? " " : "";
  reason = info->reason != NULL ? info->reason : "";
  reason_len = (int) info->reason_len;
  if (cat->status == CAT_EXIT_OK || cat->status == CAT_EXIT_FAILURE)
    cat_note(cat->config, "closed: %u%s%.*s", (unsigned) info->code, space,
             reason_len, reason);
  else if (info->error != 0)
    cat_error("connection failed: %u (%s)", (unsigned) info->code,
              ws_strerror(info->error));
  else
    cat_error("closed: %u%s%.*s", (unsigned) info->code, space, reason_len,
              reason);
  cat__client_finish(cat);
}

static void cat__client_on_connect_error(ws_conn_t* conn, int error) {
  cat_client_t* cat;

  cat = ws_conn_get_data(conn);
  if (error == WS_EBADSTATUS) {
    cat_error("%s: the server refused the upgrade: HTTP %d",
              cat->config->url, ws_conn_http_status(conn));
    cat->status = CAT_EXIT_HANDSHAKE;
  } else if (error == WS_EBADACCEPT || error == WS_EBADRESPONSE) {
    cat_error("%s: %s", cat->config->url, ws_strerror(error));
    cat->status = CAT_EXIT_HANDSHAKE;
  } else if (error == WS_ECANCELED) {
    cat_error("%s: interrupted while connecting", cat->config->url);
    cat->status = CAT_EXIT_FAILURE;
  } else {
    cat_error("%s: %s", cat->config->url, ws_strerror(error));
    cat->status = CAT_EXIT_CONNECT;
  }
  cat__client_finish(cat);
}

static void cat__client_on_signal(uv_signal_t* handle, int signum) {
  cat_client_t* cat;

  (void) signum;
  cat = handle->data;
  if (cat->conn == NULL)
    return;
  if (!cat->opened) {
    /* Still connecting: cancels it (on_connect_error follows). */
    ws_conn_close(cat->conn, WS_CLOSE_NORMAL, NULL, 0);
    return;
  }
  free(cat->held);
  cat->held = NULL;
  cat__client_close_as_asked(cat);
}

static void cat__client_watch_signals(cat_client_t* cat, uv_loop_t* loop) {
  uv_signal_init(loop, &cat->sigint);
  uv_signal_init(loop, &cat->sigterm);
  cat->sigint.data = cat;
  cat->sigterm.data = cat;
  /* SIGTERM may not exist as such (Windows): then only Ctrl-C stops. */
  uv_signal_start(&cat->sigint, cat__client_on_signal, SIGINT);
  uv_signal_start(&cat->sigterm, cat__client_on_signal, SIGTERM);
  cat->signals = 1;
}

int cat_client_run(uv_loop_t* loop, const cat_config_t* config) {
  ws_client_callbacks_t callbacks;
  ws_connect_options_t connect;
  ws_client_options_t options;
  cat_client_t cat;
  int err;

  err = cat__check_scheme(config->url);
  if (err != 0)
    return err;
  memset(&cat, 0, sizeof(cat));
  cat.config = config;
  cat.loop = loop;
  cat.status = CAT_EXIT_FAILURE;
  /* The input only starts with the connection, but closes like it. */
  cat.input.closed = 1;
  err = cat_output_init(&cat.output, loop, cat__client_on_output_full,
                        cat__client_on_output_error, &cat);
  if (err != 0) {
    cat_error("stdout: %s", uv_strerror(err));
    return CAT_EXIT_FAILURE;
  }
  uv_timer_init(loop, &cat.wait_timer);
  cat.wait_timer.data = &cat;

  ws_client_options_init(&options);
  if (config->max_message_size != 0)
    options.max_message_size = config->max_message_size;
  cat.max_line = options.max_message_size;
  if (cat_queue_limit(config, options.max_message_size,
                      &options.max_queued_bytes) != 0) {
    cat_output_close(&cat.output);
    uv_close((uv_handle_t*) &cat.wait_timer, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    return CAT_EXIT_USAGE;
  }
  if (config->ping_interval_set)
    options.ping_interval = config->ping_interval;
  if (config->connect_timeout != 0)
    options.connect_timeout = config->connect_timeout;
  options.tls_ca_file = config->tls_ca;
  memset(&callbacks, 0, sizeof(callbacks));
  callbacks.on_open = cat__client_on_open;
  callbacks.on_message = cat__client_on_message;
  callbacks.on_close = cat__client_on_close;
  callbacks.on_connect_error = cat__client_on_connect_error;
  callbacks.on_peer_close = cat__client_on_peer_close;
  callbacks.on_drain = cat__client_on_drain;
  err = ws_client_new(&cat.client, loop, &options, &callbacks);
  if (err != 0) {
    cat_error("ws_client_new: %s", ws_strerror(err));
    cat_output_close(&cat.output);
    uv_close((uv_handle_t*) &cat.wait_timer, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    return CAT_EXIT_FAILURE;
  }

  ws_connect_options_init(&connect);
  connect.subprotocols = config->subprotocols;
  connect.subprotocol_count = config->subprotocol_count;
  connect.headers = config->headers;
  connect.header_count = config->header_count;
  connect.origin = config->origin;
  err = ws_client_connect(cat.client, config->url, &connect, &cat,
                          &cat.conn);
  if (err != 0) {
    cat_error("%s: %s", config->url, ws_strerror(err));
    cat.status = err == WS_EINVAL ? CAT_EXIT_USAGE : CAT_EXIT_CONNECT;
    cat__client_finish(&cat);
  } else {
    cat__client_watch_signals(&cat, loop);
  }
  uv_run(loop, UV_RUN_DEFAULT);
  return cat.status;
}
