/* ws_conn_close() on a client's connection that has not opened cancels
 * it: during the name lookup, the TCP connect, or the wait for the answer
 * to the upgrade request. It returns 0 and never calls back; the
 * connection ends in one on_connect_error(WS_ECANCELED), from the loop.
 * A second ws_conn_close() returns WS_ECLOSED. The client then closes
 * with nothing left on the loop. */
#include "dial_errors.h"

/* Cancels conn; expects one WS_ECANCELED from the loop. */
static void cancel(uv_loop_t* loop, ws_conn_t* conn) {
  errors = 0;
  in_api_call = 1;
  ASSERT_EQ(0, ws_conn_close(conn, WS_CLOSE_NORMAL, NULL, 0));
  in_api_call = 0;
  ASSERT_EQ(0, errors);
  RUN_UNTIL(loop, errors == 1);
  ASSERT_STR_EQ("WS_ECANCELED", ws_err_name(last_error));
}

int main(void) {
  ws_client_callbacks_t ccb;
  ws_client_t* client;
  fake_server_t mute;
  ws_conn_t* conn;
  uv_loop_t loop;
  int port;

  ASSERT_EQ(0, uv_loop_init(&loop));
  port = fake_listen(&loop, &mute, NULL); /* accepts, never answers */
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_open;
  ccb.on_connect_error = on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, &ccb));

  /* A name lookup under way. */
  conn = connect_to(client, "localhost", port);
  ASSERT_EQ(WS__CONN_CONNECTING, conn->state);
  ASSERT_NOT_NULL(conn->extra->dial);
  ASSERT(conn->extra->dial->dns_busy);
  cancel(&loop, conn);

  /* A TCP connect to an address literal, not yet complete. */
  conn = connect_to(client, "127.0.0.1", port);
  ASSERT_EQ(WS__CONN_CONNECTING, conn->state);
  ASSERT(!conn->extra->dial->dns_busy);
  cancel(&loop, conn);

  /* Connected, the upgrade request sent, no answer yet; and closed twice:
   * the second close finds it closed. */
  conn = connect_to(client, "127.0.0.1", port);
  RUN_UNTIL(&loop, conn->state == WS__CONN_HANDSHAKE);
  ASSERT_EQ(0, ws_conn_close(conn, WS_CLOSE_NORMAL, NULL, 0));
  ASSERT_EQ(WS_ECLOSED, ws_conn_close(conn, WS_CLOSE_NORMAL, NULL, 0));
  RUN_UNTIL(&loop, errors == 2);
  ASSERT_STR_EQ("WS_ECANCELED", ws_err_name(last_error));

  /* Nothing more is reported when the client closes. */
  ws_client_close(client, on_client_closed);
  RUN_UNTIL(&loop, client_closed == 1);
  ASSERT_EQ(2, errors);

  fake_close(&mute);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
