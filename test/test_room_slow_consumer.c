/* A member that stops reading never slows the others or grows without
 * bound: under WS_SLOW_SKIP it misses messages (counted); under
 * WS_SLOW_CLOSE it is closed with 1008. */
#include "raw_client.h"

#define MESSAGES 300
#define SIZE (64 * 1024)
#define LIMIT (256 * 1024)

static ws_room_t* room;
static ws_conn_t* members[2];

static void join_on_open(ws_conn_t* conn) {
  members[harness.open_count++] = conn;
  ASSERT_EQ(0, ws_room_join(room, conn));
}

static void run(ws_slow_policy_t policy) {
  static unsigned char payload[SIZE];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t fast;
  raw_client_t slow;
  uv_loop_t loop;
  size_t frame_len;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_queued_bytes = LIMIT;
  options.slow_policy = policy;
  options.close_timeout = 200;
  cb = harness_callbacks();
  cb.on_open = join_on_open;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &fast, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&fast);
  raw_handshake(&fast);
  RUN_UNTIL(&loop, harness.open_count == 1);
  raw_connect(&loop, &slow, "127.0.0.1", ws_server_port(server));
  raw_handshake(&slow); /* and never reads */
  RUN_UNTIL(&loop, harness.open_count == 2);
  RUN_UNTIL(&loop, raw_head_len(&fast) > 0);

  frame_len = 10 + SIZE;
  for (i = 0; i < MESSAGES; i++) {
    memset(payload, i, sizeof(payload));
    ASSERT_GE(ws_room_broadcast(room, WS_OP_BINARY, payload, SIZE, NULL), 1);
    /* The fast member keeps up. */
    RUN_UNTIL(&loop, fast.in_len >= raw_head_len(&fast) + (i + 1) * frame_len);
    if (harness.close_count == 0)
      ASSERT_LE(ws_conn_queued_bytes(members[1]), LIMIT);
  }
  /* The fast member got every message, in order. */
  for (i = 0; i < MESSAGES; i++) {
    const unsigned char* f = fast.in + raw_head_len(&fast) + i * frame_len;
    ASSERT_MEM_EQ("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", f, 10);
    ASSERT_EQ((unsigned char) i, f[10]);
    ASSERT_EQ((unsigned char) i, f[9 + SIZE]);
  }
  if (policy == WS_SLOW_SKIP) {
    ASSERT_EQ(0, harness.close_count);
    ASSERT_GT(ws_conn_skipped_messages(members[1]), 0);
    ASSERT_LT(ws_conn_skipped_messages(members[1]), MESSAGES);
    ASSERT_EQ(0, ws_conn_skipped_messages(members[0]));
    ASSERT_EQ(2, ws_room_count(room));
  } else {
    RUN_UNTIL(&loop, harness.close_count == 1);
    ASSERT_EQ(WS_CLOSE_POLICY, harness.last_close.code);
    ASSERT_EQ(WS_EQUEUEFULL, harness.last_close.error);
    ASSERT_EQ(13, harness.last_close.reason_len);
    ASSERT_MEM_EQ("slow consumer", harness.last_close.reason, 13);
    ASSERT_EQ(1, ws_room_count(room));
  }
  raw_close(&fast);
  raw_close(&slow);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  harness_close_server(&loop, server);
}

int main(void) {
  run(WS_SLOW_SKIP);
  run(WS_SLOW_CLOSE);
  return 0;
}
