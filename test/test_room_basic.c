/* Room membership, iteration that changes the room, broadcasts in order
 * with a member's own sends, and rooms left or destroyed at any time. */
#include "harness.h"

static size_t take(ws_conn_t* conn, unsigned char* out) {
  return harness_take(conn, out, 4096);
}

static int visits;
static ws_room_t* foreach_room;

static void leave_next(ws_conn_t* conn, void* arg) {
  ws_conn_t** conns;

  conns = arg;
  visits++;
  /* Visiting a, the member after it (b) leaves: b is never visited. */
  if (conn == conns[0])
    ASSERT_EQ(0, ws_room_leave(foreach_room, conns[1]));
  ASSERT_PTR_NE(conns[1], conn);
}

static void destroy_room(ws_conn_t* conn, void* arg) {
  (void) conn;
  (void) arg;
  visits++;
  ws_room_destroy(foreach_room);
}

int main(void) {
  unsigned char out[4096];
  ws_conn_t* conns[3];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_room_t* room;
  ws_room_t* other;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));
  ASSERT_EQ(0, ws_room_new(&other, server));
  ASSERT_PTR_EQ(server, ws_room_server(room));
  ws_room_set_data(room, &visits);
  ASSERT_PTR_EQ(&visits, ws_room_get_data(room));
  conns[0] = harness_open(server);
  conns[1] = harness_open(server);
  conns[2] = harness_open(server);

  /* Membership. */
  ASSERT_EQ(0, ws_room_join(room, conns[0]));
  ASSERT_EQ(WS_EINVAL, ws_room_join(room, conns[0]));
  ASSERT_EQ(0, ws_room_join(room, conns[1]));
  ASSERT_EQ(0, ws_room_join(room, conns[2]));
  ASSERT_EQ(0, ws_room_join(other, conns[0]));
  ASSERT_EQ(3, ws_room_count(room));
  ASSERT_EQ(1, ws_room_contains(room, conns[1]));
  ASSERT_EQ(0, ws_room_leave(room, conns[1]));
  ASSERT_EQ(WS_EINVAL, ws_room_leave(room, conns[1]));
  ASSERT_EQ(0, ws_room_contains(room, conns[1]));
  ASSERT_EQ(0, ws_room_join(room, conns[1])); /* now last: a, c, b */

  /* Broadcast to all but the sender, in order with a member's own sends. */
  ASSERT_EQ(0, ws_conn_send(conns[2], WS_OP_TEXT, "own1", 4));
  ASSERT_EQ(2, ws_room_broadcast(room, WS_OP_TEXT, "all", 3, conns[0]));
  ASSERT_EQ(0, ws_conn_send(conns[2], WS_OP_BINARY, "own2", 4));
  ASSERT_EQ(0, take(conns[0], out));
  n = take(conns[2], out);
  ASSERT_EQ(17, n);
  ASSERT_MEM_EQ("\x81\x04own1\x81\x03" "all\x82\x04own2", out, 17);
  n = take(conns[1], out);
  ASSERT_EQ(5, n);
  ASSERT_MEM_EQ("\x81\x03" "all", out, 5);
  ASSERT_EQ(WS_EINVAL, ws_room_broadcast(room, (ws_opcode_t) 9, "x", 1, NULL));
  ASSERT_EQ(WS_EINVAL, ws_room_broadcast(room, WS_OP_TEXT, NULL, 1, NULL));
  ASSERT_EQ(3, ws_room_broadcast(room, WS_OP_BINARY, NULL, 0, NULL));

  /* Iteration survives members leaving, and the room being destroyed. */
  foreach_room = room;
  visits = 0;
  ws_room_foreach(room, leave_next, conns);
  ASSERT_EQ(2, visits);
  ASSERT_EQ(2, ws_room_count(room));

  /* A closing connection leaves every room before its on_close. */
  ws__conn_abort(conns[0], WS_ESHUTDOWN);
  ASSERT_EQ(1, ws_room_count(room));
  ASSERT_EQ(0, ws_room_count(other));
  ASSERT_EQ(WS_ECLOSED, ws_room_join(other, conns[0]));
  ASSERT_EQ(1, harness.close_count);

  visits = 0;
  ws_room_foreach(room, destroy_room, NULL);
  ASSERT_EQ(1, visits);
  ASSERT_EQ(0, ws_room_join(other, conns[1]));
  ws_room_destroy(NULL);
  /* "other" still has a member: the server destroys it on close. */
  harness_free(conns[0]);
  harness_free(conns[1]);
  harness_free(conns[2]);
  harness_close_server(&loop, server);
  return 0;
}
