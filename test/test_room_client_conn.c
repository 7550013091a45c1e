/* Rooms are for a server's connections: a room sends its frames unmasked,
 * and a client's frames must be masked. A client's connection cannot join
 * a room (WS_EINVAL), and no room can be made on the client's hub (the
 * server ws_conn_server() returns for it); a server's connection joins as
 * always and gets the room's broadcasts. */
#include "raw_client.h"

static ws_room_t* room;
static ws_conn_t* server_conn;
static int client_opened;
static int client_messages;

static void on_server_open(ws_conn_t* conn) {
  server_conn = conn;
  ASSERT_EQ(0, ws_room_join(room, conn));
}

static void on_client_open(ws_conn_t* conn) {
  ws_room_t* hub_room;

  client_opened++;
  ASSERT_EQ(WS_EINVAL, ws_room_join(room, conn));
  ASSERT_EQ(0, ws_room_contains(room, conn));
  hub_room = NULL;
  ASSERT_EQ(WS_EINVAL, ws_room_new(&hub_room, ws_conn_server(conn)));
  ASSERT_NULL(hub_room);
}

static void on_client_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  (void) conn;
  ASSERT_EQ(WS_OP_TEXT, op);
  ASSERT_EQ(6, len);
  ASSERT_MEM_EQ("to all", data, 6);
  client_messages++;
}

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  fprintf(stderr, "connect error: %s\n", ws_err_name(error));
  ASSERT(0);
}

int main(void) {
  ws_client_callbacks_t ccb;
  ws_server_callbacks_t scb;
  ws_server_t* server;
  ws_client_t* client;
  uv_loop_t loop;
  char url[64];

  ASSERT_EQ(0, uv_loop_init(&loop));
  scb = harness_callbacks();
  scb.on_open = on_server_open;
  server = harness_server(&loop, NULL, &scb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  ASSERT_EQ(0, ws_room_new(&room, server));

  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_client_open;
  ccb.on_message = on_client_message;
  ccb.on_connect_error = on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, &ccb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, client_opened == 1 && server_conn != NULL);
  ASSERT_EQ(1, ws_room_count(room));
  ASSERT(ws_room_contains(room, server_conn));
  ASSERT_EQ(1, ws_room_broadcast(room, WS_OP_TEXT, "to all", 6, NULL));
  RUN_UNTIL(&loop, client_messages == 1);

  ws_client_close(client, NULL);
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(0, ws_room_count(room));
  harness_close_server(&loop, server);
  return 0;
}
