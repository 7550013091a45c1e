/* Members join and leave between broadcasts: each gets exactly the
 * messages broadcast while it was a member, once each, in order, and
 * interleaved correctly with its own sends. */
#include "harness.h"

#define MEMBERS 200
#define ROUNDS 300

typedef struct {
  ws_conn_t* conn;
  int member;
  unsigned char expect[ROUNDS * 16];
  size_t expect_len;
} member_t;

static member_t members[MEMBERS];

/* Deterministic choices without rand(): a small LCG. */
static unsigned int next_random(void) {
  static unsigned int x = 12345;

  x = x * 1103515245u + 12345u;
  return x >> 16;
}

int main(void) {
  static const char upgrade[] = HARNESS_UPGRADE;
  static unsigned char out[ROUNDS * 16];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_room_t* room;
  uv_loop_t loop;
  char text[16];
  size_t n;
  int expected_count;
  int round;
  int len;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));
  for (i = 0; i < MEMBERS; i++) {
    members[i].conn = harness_conn(server);
    harness_feed(members[i].conn, upgrade, sizeof(upgrade) - 1, 0);
    harness_take(members[i].conn, out, sizeof(out));
  }
  for (round = 0; round < ROUNDS; round++) {
    /* About one in ten members changes its mind each round. */
    for (i = 0; i < MEMBERS; i++) {
      if (next_random() % 10 != 0)
        continue;
      if (members[i].member) {
        ASSERT_EQ(0, ws_room_leave(room, members[i].conn));
      } else {
        ASSERT_EQ(0, ws_room_join(room, members[i].conn));
      }
      members[i].member = !members[i].member;
    }
    /* Some members send something of their own first. */
    i = (int) (next_random() % MEMBERS);
    len = snprintf(text, sizeof(text), "own%d", round);
    ASSERT_EQ(0, ws_conn_send(members[i].conn, WS_OP_TEXT, text,
                              (size_t) len));
    memcpy(members[i].expect + members[i].expect_len, "\x81", 1);
    members[i].expect[members[i].expect_len + 1] = (unsigned char) len;
    memcpy(members[i].expect + members[i].expect_len + 2, text, (size_t) len);
    members[i].expect_len += 2 + (size_t) len;

    len = snprintf(text, sizeof(text), "b%d", round);
    expected_count = 0;
    for (i = 0; i < MEMBERS; i++)
      expected_count += members[i].member;
    ASSERT_EQ(expected_count, ws_room_count(room));
    ASSERT_EQ(expected_count, ws_room_broadcast(room, WS_OP_TEXT, text,
                                                (size_t) len, NULL));
    for (i = 0; i < MEMBERS; i++) {
      if (!members[i].member)
        continue;
      members[i].expect[members[i].expect_len] = 0x81;
      members[i].expect[members[i].expect_len + 1] = (unsigned char) len;
      memcpy(members[i].expect + members[i].expect_len + 2, text,
             (size_t) len);
      members[i].expect_len += 2 + (size_t) len;
    }
    /* Every few rounds the members' queues are written out. */
    if (round % 7 == 0 || round == ROUNDS - 1) {
      for (i = 0; i < MEMBERS; i++) {
        n = harness_take(members[i].conn, out, sizeof(out));
        ASSERT_EQ(members[i].expect_len, n);
        ASSERT_MEM_EQ(members[i].expect, out, n);
        members[i].expect_len = 0;
      }
    }
  }
  for (i = 0; i < MEMBERS; i++)
    harness_free(members[i].conn);
  ASSERT_EQ(0, ws_room_count(room));
  ws_room_destroy(room);
  harness_close_server(&loop, server);
  return 0;
}
