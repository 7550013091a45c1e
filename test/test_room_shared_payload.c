/* Broadcasting one 1 KiB message to 10,000 members allocates the payload
 * once: each member's queue gets a small reference to the same bytes (and
 * each member holds its busy state, where the queue lives, until it is
 * written). */
#include "counting_alloc.h"
#include "harness.h"

#define MEMBERS 10000

static ws_conn_t* conns[MEMBERS];

int main(void) {
  static const char upgrade[] = HARNESS_UPGRADE;
  static unsigned char payload[1024];
  unsigned char out[2048];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_room_t* room;
  uv_loop_t loop;
  size_t bytes_before;
  size_t per_member;
  size_t n;
  int i;

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_connections = MEMBERS;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));
  for (i = 0; i < MEMBERS; i++) {
    conns[i] = harness_conn(server);
    harness_feed(conns[i], upgrade, sizeof(upgrade) - 1, 0);
    harness_take(conns[i], out, sizeof(out));
    ASSERT_EQ(0, ws_room_join(room, conns[i]));
  }
  memset(payload, 'x', sizeof(payload));

  bytes_before = live_bytes - harness_spare_bytes(server);
  big_size = sizeof(payload);
  big_allocs = 0;
  ASSERT_EQ(MEMBERS, ws_room_broadcast(room, WS_OP_BINARY, payload,
                                       sizeof(payload), NULL));
  ASSERT_EQ(1, big_allocs);
  /* One buffer holds the frame; each member's queue has a reference. */
  per_member = (live_bytes - harness_spare_bytes(server) - bytes_before -
                16 * 1024) / MEMBERS;
  printf("per member: %lu bytes of queue entry and busy state\n",
         (unsigned long) per_member);
  ASSERT_LE(per_member, 64 + sizeof(ws__busy_t));

  for (i = 0; i < MEMBERS; i++) {
    n = harness_take(conns[i], out, sizeof(out));
    ASSERT_EQ(4 + sizeof(payload), n);
    ASSERT_MEM_EQ("\x82\x7e\x04\x00", out, 4);
    ASSERT_MEM_EQ(payload, out + 4, sizeof(payload));
  }
  /* The room lets go of the buffer before the loop polls; the last member
   * to write it had freed its share, so the buffer is gone. */
  uv_run(&loop, UV_RUN_NOWAIT);
  ASSERT_EQ(bytes_before + harness_spare_bytes(server), live_bytes);
  for (i = 0; i < MEMBERS; i++)
    harness_free(conns[i]);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_blocks);
  return 0;
}
