/* Log lines, /metrics and the drain timeout, shared by the samples. */
#include "ops.h"

#include "loop_stats.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ops_parse_log_level(const char* name) {
  int level;

  for (level = WS_LOG_ERROR; level <= WS_LOG_DEBUG; level++)
    if (strcmp(name, ws_log_level_name(level)) == 0)
      return level;
  return -1;
}

void ops_log_to_stderr(void* data, ws_log_level_t level, ws_conn_t* conn,
                       const char* peer, const char* message) {
  (void) data;
  (void) conn;
  fprintf(stderr, "uvws %s %s %s\n", ws_log_level_name(level),
          *peer != '\0' ? peer : "-", message);
}

/* ---- The Prometheus text format ---- */

typedef struct {
  char* text;
  size_t len;
  size_t cap;
  int failed;
} ops_buf_t;

static void buf_printf(ops_buf_t* b, const char* fmt, ...) {
  va_list ap;
  size_t cap;
  char* text;
  int n;

  if (b->failed)
    return;
  for (;;) {
    va_start(ap, fmt);
    n = vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
      b->failed = 1;
      return;
    }
    if ((size_t) n < b->cap - b->len) {
      b->len += (size_t) n;
      return;
    }
    cap = b->cap * 2 + (size_t) n + 1;
    text = realloc(b->text, cap);
    if (text == NULL) {
      b->failed = 1;
      return;
    }
    b->text = text;
    b->cap = cap;
  }
}

static void family(ops_buf_t* b, const char* name, const char* type,
                   const char* help) {
  buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void value(ops_buf_t* b, const char* name, uint64_t v) {
  buf_printf(b, "%s %" PRIu64 "\n", name, v);
}

static void counter(ops_buf_t* b, const char* name, const char* help,
                    uint64_t v) {
  family(b, name, "counter", help);
  value(b, name, v);
}

static void gauge(ops_buf_t* b, const char* name, const char* help,
                  uint64_t v) {
  family(b, name, "gauge", help);
  value(b, name, v);
}

/* One sample per frame kind. */
static void frames(ops_buf_t* b, const char* name, const char* help,
                   const uint64_t* counts) {
  int kind;

  family(b, name, "counter", help);
  for (kind = 0; kind < WS_FRAME_KINDS; kind++)
    buf_printf(b, "%s{kind=\"%s\"} %" PRIu64 "\n", name,
               ws_frame_kind_name(kind), counts[kind]);
}

/* One sample per close code seen (code="other" for codes past 1015). */
static void close_codes(ops_buf_t* b, const char* name, const char* help,
                        const uint64_t* counts) {
  int i;

  family(b, name, "counter", help);
  for (i = 0; i < WS_STATS_CLOSE_CODES - 1; i++)
    if (counts[i] != 0)
      buf_printf(b, "%s{code=\"%d\"} %" PRIu64 "\n", name, 1000 + i,
                 counts[i]);
  if (counts[WS_STATS_CLOSE_CODES - 1] != 0)
    buf_printf(b, "%s{code=\"other\"} %" PRIu64 "\n", name,
               counts[WS_STATS_CLOSE_CODES - 1]);
}

char* ops_metrics_format(const ws_stats_t* s, size_t* len) {
  ops_buf_t b;
  int i;

  memset(&b, 0, sizeof(b));
  b.cap = 8192;
  b.text = malloc(b.cap);
  if (b.text == NULL)
    return NULL;
  gauge(&b, "uvws_connections",
        "Connections now, those still in their handshake included.",
        s->connections);
  gauge(&b, "uvws_connections_open",
        "WebSocket connections now open.", s->connections_open);
  counter(&b, "uvws_connections_accepted_total",
          "TCP connections accepted.", s->connections_accepted);
  counter(&b, "uvws_connections_dropped_total",
          "Connections closed as soon as accepted (no memory, stopping).",
          s->connections_dropped);
  counter(&b, "uvws_accept_errors_total",
          "Failed accepts (out of file descriptors).", s->accept_errors);
  counter(&b, "uvws_handshakes_total", "WebSocket upgrades accepted.",
          s->handshakes);
  counter(&b, "uvws_http_requests_total",
          "Plain HTTP requests (not upgrades).", s->http_requests);
  family(&b, "uvws_handshakes_refused_total", "counter",
         "Upgrade attempts answered with an HTTP error, by status.");
  for (i = 0; i < WS_STATS_STATUSES; i++)
    if (s->refused_by_status[i] != 0)
      buf_printf(&b, "uvws_handshakes_refused_total{status=\"%d\"} %" PRIu64
                 "\n", 400 + i, s->refused_by_status[i]);
  family(&b, "uvws_handshake_failures_total", "counter",
         "Upgrade attempts that failed, by reason.");
  for (i = 0; i < WS_HANDSHAKE_FAILURES; i++)
    buf_printf(&b, "uvws_handshake_failures_total{reason=\"%s\"} %" PRIu64
               "\n", ws_handshake_failure_name(i),
               s->handshake_failures[i]);
  counter(&b, "uvws_connections_closed_total",
          "WebSocket connections that ended.", s->connections_closed);
  counter(&b, "uvws_messages_received_total", "Messages received.",
          s->messages_in);
  counter(&b, "uvws_messages_sent_total",
          "Messages queued for sending, broadcasts once per receiver.",
          s->messages_out);
  counter(&b, "uvws_message_bytes_received_total",
          "Payload bytes of the messages received.", s->message_bytes_in);
  counter(&b, "uvws_message_bytes_sent_total",
          "Payload bytes of the messages queued for sending.",
          s->message_bytes_out);
  counter(&b, "uvws_bytes_received_total",
          "Bytes read from connections, HTTP and frame headers included.",
          s->bytes_in);
  counter(&b, "uvws_bytes_sent_total",
          "Bytes written to connections, HTTP and frame headers included.",
          s->bytes_out);
  frames(&b, "uvws_frames_received_total", "Frames received, by kind.",
         s->frames_in);
  frames(&b, "uvws_frames_sent_total", "Frames queued for sending, by kind.",
         s->frames_out);
  close_codes(&b, "uvws_close_codes_sent_total",
              "Close frames sent, by close code.", s->close_codes_sent);
  close_codes(&b, "uvws_close_codes_received_total",
              "Close frames received, by close code (1005: none).",
              s->close_codes_received);
  counter(&b, "uvws_queue_full_total",
          "Sends refused because the connection's queue was full.",
          s->queue_full);
  counter(&b, "uvws_slow_consumer_closes_total",
          "Room members closed with 1008 for not reading.",
          s->slow_consumer_closes);
  counter(&b, "uvws_slow_consumer_skips_total",
          "Broadcasts skipped for members that do not read.",
          s->slow_consumer_skips);
  counter(&b, "uvws_pong_timeouts_total",
          "Connections dropped for not answering a ping.", s->pong_timeouts);
  counter(&b, "uvws_idle_timeouts_total",
          "Connections closed for being idle.", s->idle_timeouts);
  counter(&b, "uvws_close_timeouts_total",
          "Connections dropped for not finishing their close in time.",
          s->close_timeouts);
  gauge(&b, "uvws_wslay_contexts_in_use",
        "wslay contexts lent to connections now.", s->wslay_contexts_in_use);
  gauge(&b, "uvws_wslay_contexts_pooled",
        "Free wslay contexts kept for reuse.", s->wslay_contexts_pooled);
  counter(&b, "uvws_tls_handshakes_total", "TLS handshakes completed.",
          s->tls_handshakes);
  counter(&b, "uvws_tls_handshake_failures_total",
          "TLS handshakes that did not complete.", s->tls_handshake_failures);
  counter(&b, "uvws_messages_deflated_total",
          "Messages sent compressed (a broadcast once).",
          s->messages_deflated);
  counter(&b, "uvws_deflate_input_bytes_total",
          "Bytes of the messages compressed, before.", s->deflate_bytes_in);
  counter(&b, "uvws_deflate_output_bytes_total",
          "Bytes of the messages compressed, after.", s->deflate_bytes_out);
  counter(&b, "uvws_messages_inflated_total",
          "Compressed messages received and inflated.", s->messages_inflated);
  counter(&b, "uvws_inflate_input_bytes_total",
          "Compressed bytes received.", s->inflate_bytes_in);
  counter(&b, "uvws_inflate_output_bytes_total",
          "Bytes the compressed messages received inflated to.",
          s->inflate_bytes_out);
  if (b.failed) {
    free(b.text);
    return NULL;
  }
  *len = b.len;
  return b.text;
}

int ops_metrics_serve(ws_server_t* server, ws_request_t* request) {
  static const char unavailable[] =
      "counters are compiled out (UVWS_COUNTERS=OFF)\n";
  static const char no_memory[] = "out of memory\n";
  const char* target;
  const char* method;
  ws_stats_t stats;
  size_t len;
  char* text;
  int err;

  target = ws_request_target(request);
  if (strncmp(target, "/metrics", 8) != 0 ||
      (target[8] != '\0' && target[8] != '?'))
    return 0;
  method = ws_request_method(request);
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    ws_request_add_header(request, "Allow", "GET, HEAD");
    ws_request_respond(request, 405, "text/plain; charset=utf-8",
                       "405 Method Not Allowed\n", 23);
    return 1;
  }
  err = loop_stats_sum(server, &stats);
  if (err != 0) {
    ws_request_respond(request, 501, "text/plain; charset=utf-8",
                       unavailable, sizeof(unavailable) - 1);
    return 1;
  }
  text = ops_metrics_format(&stats, &len);
  if (text == NULL) {
    ws_request_respond(request, 500, "text/plain; charset=utf-8", no_memory,
                       sizeof(no_memory) - 1);
    return 1;
  }
  ws_request_add_header(request, "Cache-Control", "no-cache");
  ws_request_respond(request, 200, "text/plain; version=0.0.4; charset=utf-8",
                     text, len);
  free(text);
  return 1;
}
