/* What the tests of a client's dial ending early share: callbacks that
 * count on_connect_error (and fail if one comes from inside an API call),
 * and a connect made as an API call. */
#ifndef UVWS_TEST_DIAL_ERRORS_H
#define UVWS_TEST_DIAL_ERRORS_H

#include "fake_server.h"

static int in_api_call;
static int errors;
static int last_error;
static int client_closed;

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  ASSERT_EQ(0, in_api_call);
  errors++;
  last_error = error;
}

static void on_open(ws_conn_t* conn) {
  (void) conn;
  ASSERT(0); /* nothing here ever answers the upgrade */
}

static void on_client_closed(ws_client_t* client) {
  (void) client;
  client_closed++;
}

static ws_conn_t* connect_to(ws_client_t* client, const char* host,
                             int port) {
  ws_conn_t* conn;
  char url[64];

  snprintf(url, sizeof(url), "ws://%s:%d/", host, port);
  in_api_call = 1;
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, &conn));
  in_api_call = 0;
  return conn;
}

#endif /* UVWS_TEST_DIAL_ERRORS_H */
