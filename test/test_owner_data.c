/* The application's data for a server or a client is given at creation
 * and reached from any connection's callback in one call. */
#include "harness.h"

static int server_thing;
static int client_thing;
static int server_opens;
static int client_opens;
static ws_server_t* server;
static ws_client_t* client;

static void on_server_open(ws_conn_t* conn) {
  ASSERT_PTR_EQ(&server_thing, ws_conn_owner_data(conn));
  server_opens++;
}

static void on_client_open(ws_conn_t* conn) {
  ASSERT_PTR_EQ(&client_thing, ws_conn_owner_data(conn));
  client_opens++;
  ws_client_close(client, NULL);
  ws_server_close(server, NULL);
}

int main(void) {
  ws_server_options_t server_options;
  ws_client_options_t client_options;
  ws_server_callbacks_t server_cb;
  ws_client_callbacks_t client_cb;
  uv_loop_t loop;
  char url[64];

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&server_options);
  ASSERT_NULL(server_options.data);
  server_options.data = &server_thing;
  memset(&server_cb, 0, sizeof(server_cb));
  server_cb.on_open = on_server_open;
  ASSERT_EQ(0, ws_server_new(&server, &loop, &server_options, &server_cb));
  ASSERT_PTR_EQ(&server_thing, ws_server_get_data(server));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));

  ws_client_options_init(&client_options);
  client_options.data = &client_thing;
  memset(&client_cb, 0, sizeof(client_cb));
  client_cb.on_open = on_client_open;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &client_options, &client_cb));
  ASSERT_PTR_EQ(&client_thing, ws_client_get_data(client));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(1, server_opens);
  ASSERT_EQ(1, client_opens);
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
