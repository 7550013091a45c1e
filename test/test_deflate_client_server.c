/* Our client and our server, both with deflate, over loopback: messages
 * go compressed both ways (the client's masked) and come back whole, on a
 * connection where the client keeps its context (a place was free on both
 * sides) and on one where nobody does. Counted by each hub's deflate
 * calls. */
#include "raw_client.h"

#ifdef UVWS_HAVE_ZLIB
#define MESSAGES 20

static ws_server_t* server;
static ws_client_t* client;
static int echoes[2];
static int closed[2];
static char message[2][3000];

static void server_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                              const void* data, size_t len) {
  ASSERT_EQ(0, ws_conn_send(conn, opcode, data, len));
}

static void send_next(ws_conn_t* conn) {
  int which;

  which = (int) (intptr_t) ws_conn_get_data(conn);
  snprintf(message[which], sizeof(message[which]),
           "{\"n\":%d,\"conn\":%d,\"pad\":\"", echoes[which], which);
  memset(message[which] + strlen(message[which]), 'x',
         sizeof(message[which]) - 64);
  message[which][sizeof(message[which]) - 1] = '\0';
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, message[which],
                            strlen(message[which])));
}

static void client_on_open(ws_conn_t* conn) {
  ASSERT(conn->pmd);
  send_next(conn);
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                              const void* data, size_t len) {
  int which;

  which = (int) (intptr_t) ws_conn_get_data(conn);
  ASSERT_EQ(WS_OP_TEXT, opcode);
  ASSERT_EQ(strlen(message[which]), len);
  ASSERT_MEM_EQ(message[which], data, len);
  if (++echoes[which] < MESSAGES)
    send_next(conn);
  else
    ws_conn_close(conn, 1000, NULL, 0);
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  ASSERT_EQ(1000, info->code);
  ASSERT_EQ(0, info->error);
  closed[(int) (intptr_t) ws_conn_get_data(conn)]++;
}
#endif

int main(void) {
#ifndef UVWS_HAVE_ZLIB
  return test_skip("built without zlib");
#else
  ws_server_callbacks_t scb;
  ws_client_callbacks_t ccb;
  ws_server_options_t so;
  ws_client_options_t co;
  ws_conn_t* conns[2];
  uv_loop_t loop;
  char url[64];
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&so);
  so.deflate = 1;
  so.deflate_max_takeover = 1;
  memset(&scb, 0, sizeof(scb));
  scb.on_message = server_on_message;
  ASSERT_EQ(0, ws_server_new(&server, &loop, &so, &scb));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  ws_client_options_init(&co);
  co.deflate = 1;
  co.deflate_max_takeover = 1;
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = client_on_open;
  ccb.on_message = client_on_message;
  ccb.on_close = client_on_close;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &co, &ccb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  for (i = 0; i < 2; i++) {
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, (void*) (intptr_t) i,
                                   &conns[i]));
    /* One at a time: the first takes the places that keep a context. */
    RUN_UNTIL(&loop, conns[i]->pmd);
  }
  ASSERT(conns[0]->pmd_tx_keep);
  ASSERT(!conns[1]->pmd_tx_keep);
  ASSERT(!conns[0]->pmd_rx_keep && !conns[1]->pmd_rx_keep);
  RUN_UNTIL(&loop, closed[0] && closed[1]);
  ASSERT_EQ(MESSAGES, echoes[0]);
  ASSERT_EQ(MESSAGES, echoes[1]);
  /* Every message compressed once on each side. */
  ASSERT_UINT64_EQ(2 * MESSAGES, ((ws__hub_t*) client)->deflate_calls);
  ASSERT_UINT64_EQ(2 * MESSAGES, server->hub.deflate_calls);
  ws_client_close(client, NULL);
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
#endif
}
