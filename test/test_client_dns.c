/* A client resolves names with uv_getaddrinfo: "localhost" opens, and a
 * name that cannot exist ends in on_connect_error. */
#include "raw_client.h"

static int opened;
static int failed;
static int last_error;

static void on_open(ws_conn_t* conn) {
  opened++;
  ASSERT_EQ(0, ws_conn_close(conn, 1000, NULL, 0));
}

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  failed++;
  last_error = error;
}

int main(void) {
  ws_client_options_t options;
  ws_client_callbacks_t ccb;
  ws_server_callbacks_t scb;
  ws_server_t* server;
  ws_client_t* client;
  uv_loop_t loop;
  char url[64];
  int port;

  ASSERT_EQ(0, uv_loop_init(&loop));
  scb = harness_callbacks();
  server = harness_server(&loop, NULL, &scb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  port = ws_server_port(server);
  /* localhost may resolve to ::1 first. */
  (void) ws_server_listen(server, "::1", port);

  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_open;
  ccb.on_connect_error = on_connect_error;
  ws_client_options_init(&options);
  options.connect_timeout = 5000;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &options, &ccb));
  snprintf(url, sizeof(url), "ws://localhost:%d/", port);
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, opened == 1);
  RUN_UNTIL(&loop, harness.close_count == 1);

  ASSERT_EQ(0, ws_client_connect(client, "ws://nonexistent.invalid/", NULL,
                                 NULL, NULL));
  RUN_UNTIL(&loop, failed == 1);
  /* A lookup error from libuv, or the connect timeout if the resolver is
   * slow to say no. */
  ASSERT(last_error == WS_ETIMEDOUT ||
         (last_error < 0 && last_error > -4096 &&
          strncmp(ws_err_name(last_error), "EAI_", 4) == 0));

  ws_client_close(client, NULL);
  harness_close_server(&loop, server);
  return 0;
}
