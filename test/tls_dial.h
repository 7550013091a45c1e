/* Dials a wss:// URL with our client and waits for how it ends: the
 * on_connect_error code, or 0 if it opened. For the TLS client tests. */
#ifndef UVWS_TEST_TLS_DIAL_H
#define UVWS_TEST_TLS_DIAL_H

#include "harness.h"
#include "raw_client.h"

static int tls_dial_result;
static int tls_dial_done;
static ws_stats_t tls_dial_stats; /* the client's, as it ended */

static void tls_dial_on_open(ws_conn_t* conn) {
  tls_dial_result = 0;
  tls_dial_done = 1;
  ws_conn_close(conn, 1000, NULL, 0);
}

static void tls_dial_on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  tls_dial_result = error;
  tls_dial_done = 1;
}

/* ca_file NULL: the system's CA store. */
static inline int tls_dial(uv_loop_t* loop, const char* url,
                           const char* ca_file) {
  ws_client_options_t options;
  ws_client_callbacks_t cb;
  ws_client_t* client;

  ws_client_options_init(&options);
  options.tls_ca_file = ca_file;
  memset(&cb, 0, sizeof(cb));
  cb.on_open = tls_dial_on_open;
  cb.on_connect_error = tls_dial_on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, loop, &options, &cb));
  tls_dial_done = 0;
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(loop, tls_dial_done);
  /* Until its connection is gone, and counted. */
  RUN_UNTIL(loop, ws_client_stats(client, &tls_dial_stats) != 0 ||
                      tls_dial_stats.connections == 0);
  ws_client_close(client, NULL);
  return tls_dial_result;
}

#endif /* UVWS_TEST_TLS_DIAL_H */
