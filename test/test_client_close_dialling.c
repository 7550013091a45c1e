/* ws_client_close() never calls back: a connection still dialling (a name
 * lookup, a TCP connect, or an upgrade request with no answer yet) gets
 * its on_connect_error(WS_ESHUTDOWN) later, from the loop, exactly once.
 * A connection that fails by itself (refused) reports once, from the loop,
 * too. Every loop closes with nothing left on it. */
#include "dial_errors.h"

static ws_client_t* new_client(uv_loop_t* loop) {
  ws_client_callbacks_t ccb;
  ws_client_t* client;

  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_open;
  ccb.on_connect_error = on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, loop, NULL, &ccb));
  errors = 0;
  last_error = 0;
  client_closed = 0;
  return client;
}

/* Closes the client while conn is still dialling; expects one
 * WS_ESHUTDOWN from the loop, then the close callback. */
static void close_while_dialling(uv_loop_t* loop, ws_client_t* client) {
  in_api_call = 1;
  ws_client_close(client, on_client_closed);
  in_api_call = 0;
  ASSERT_EQ(0, errors);
  ASSERT_EQ(0, client_closed);
  RUN_UNTIL(loop, client_closed == 1);
  ASSERT_EQ(1, errors);
  ASSERT_STR_EQ("WS_ESHUTDOWN", ws_err_name(last_error));
}

int main(void) {
  ws_client_t* client;
  ws_server_t* closed;
  fake_server_t mute;
  ws_conn_t* conn;
  uv_loop_t loop;
  int port;

  ASSERT_EQ(0, uv_loop_init(&loop));
  port = fake_listen(&loop, &mute, NULL); /* accepts, never answers */

  /* A TCP connect to an address literal, not yet complete. */
  client = new_client(&loop);
  conn = connect_to(client, "127.0.0.1", port);
  ASSERT_EQ(WS__CONN_CONNECTING, conn->state);
  close_while_dialling(&loop, client);

  /* Connected, the upgrade request sent, no answer yet. */
  client = new_client(&loop);
  conn = connect_to(client, "127.0.0.1", port);
  RUN_UNTIL(&loop, conn->state == WS__CONN_HANDSHAKE);
  close_while_dialling(&loop, client);

  /* A name lookup under way. */
  client = new_client(&loop);
  conn = connect_to(client, "localhost", port);
  ASSERT_EQ(WS__CONN_CONNECTING, conn->state);
  close_while_dialling(&loop, client);

  /* Refused: reported once, from the loop, and never again. */
  ASSERT_EQ(0, ws_server_new(&closed, &loop, NULL, NULL));
  ASSERT_EQ(0, ws_server_listen(closed, "127.0.0.1", 0));
  port = ws_server_port(closed);
  ws_server_close(closed, NULL);
  client = new_client(&loop);
  connect_to(client, "127.0.0.1", port);
  ASSERT_EQ(0, errors);
  RUN_UNTIL(&loop, errors == 1);
  ASSERT_EQ(UV_ECONNREFUSED, last_error);
  ws_client_close(client, on_client_closed);
  RUN_UNTIL(&loop, client_closed == 1);
  ASSERT_EQ(1, errors);

  fake_close(&mute);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
