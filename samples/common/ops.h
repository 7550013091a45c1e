/* What the samples share to be run in production: log lines on stderr
 * (--log LEVEL), /metrics in the Prometheus text format, and the drain
 * timeout of a graceful stop. */
#ifndef SAMPLES_OPS_H
#define SAMPLES_OPS_H

#include <stddef.h>

#include "uvws.h"

/* The drain timeout the samples give ws_server_shutdown() by default. */
#define OPS_DRAIN_TIMEOUT_MS 10000

/* "error", "warn", "info" or "debug": the level; -1 for anything else. */
int ops_parse_log_level(const char* name);

/* A ws_log_cb that prints "uvws LEVEL PEER MESSAGE" lines to stderr. */
void ops_log_to_stderr(void* data, ws_log_level_t level, ws_conn_t* conn,
                       const char* peer, const char* message);

/* Formats stats in the Prometheus text format 0.0.4: every family with
 * its HELP and TYPE lines, named uvws_...; counters end in _total.
 * Returns a malloc()ed text of *len bytes (not NUL-terminated), or NULL
 * if out of memory. */
char* ops_metrics_format(const ws_stats_t* stats, size_t* len);

/* From on_http: answers GET (or HEAD) /metrics with the server's counters
 * (of every loop, with loop_stats.h) and returns 1; returns 0, answering
 * nothing, for any other target. */
int ops_metrics_serve(ws_server_t* server, ws_request_t* request);

#endif /* SAMPLES_OPS_H */
