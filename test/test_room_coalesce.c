/* Consecutive broadcasts in one loop iteration share one buffer: each
 * member's queue holds them as one entry (one write), in order, and a
 * member left out of one (the sender) gets the others as their own
 * entries. After the iteration the room keeps no buffer. */
#include "counting_alloc.h"
#include "harness.h"

#define MEMBERS 50
#define MESSAGES 16

static int queue_entries(const ws_conn_t* conn) {
  const ws__seg_t* seg;
  int n;

  n = 0;
  for (seg = conn->busy->out.head; seg != NULL; seg = seg->next)
    n++;
  return n;
}

int main(void) {
  static const char upgrade[] = HARNESS_UPGRADE;
  unsigned char out[4096];
  unsigned char want[4096];
  ws_conn_t* conns[MEMBERS];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_room_t* room;
  uv_loop_t loop;
  size_t baseline;
  size_t want_len;
  char text[16];
  size_t n;
  int len;
  int i;
  int m;

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));
  for (i = 0; i < MEMBERS; i++) {
    conns[i] = harness_conn(server);
    harness_feed(conns[i], upgrade, sizeof(upgrade) - 1, 0);
    harness_take(conns[i], out, sizeof(out));
    ASSERT_EQ(0, ws_room_join(room, conns[i]));
  }
  uv_run(&loop, UV_RUN_NOWAIT);
  baseline = live_bytes - harness_spare_bytes(server);

  want_len = 0;
  for (m = 0; m < MESSAGES; m++) {
    len = snprintf(text, sizeof(text), "msg %d", m);
    /* Member 0 sends message 5 and does not get it back. */
    ASSERT_EQ(m == 5 ? MEMBERS - 1 : MEMBERS,
              ws_room_broadcast(room, WS_OP_TEXT, text, (size_t) len,
                                m == 5 ? conns[0] : NULL));
    want[want_len] = 0x81;
    want[want_len + 1] = (unsigned char) len;
    memcpy(want + want_len + 2, text, (size_t) len);
    want_len += 2 + (size_t) len;
  }
  /* One entry each, but two for the sender: before and after its own. */
  for (i = 1; i < MEMBERS; i++)
    ASSERT_EQ(1, queue_entries(conns[i]));
  ASSERT_EQ(2, queue_entries(conns[0]));
  for (i = 0; i < MEMBERS; i++) {
    n = harness_take(conns[i], out, sizeof(out));
    if (i == 0) {
      /* Everything but "msg 5" (7 bytes, after five 7-byte frames). */
      ASSERT_EQ(want_len - 7, n);
      ASSERT_MEM_EQ(want, out, 35);
      ASSERT_MEM_EQ(want + 42, out + 35, want_len - 42);
    } else {
      ASSERT_EQ(want_len, n);
      ASSERT_MEM_EQ(want, out, n);
    }
  }
  uv_run(&loop, UV_RUN_NOWAIT);
  ASSERT_EQ(baseline + harness_spare_bytes(server), live_bytes);
  for (i = 0; i < MEMBERS; i++)
    harness_free(conns[i]);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_blocks);
  return 0;
}
