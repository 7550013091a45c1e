/* While a fragmented message is being sent, no other data frame goes out
 * inside it: ws_conn_send() messages and room broadcasts wait for its
 * last fragment (and count as queued meanwhile), while control frames
 * (our ping, the pong to the peer's ping) go out between fragments. The
 * bytes on the wire, exactly. */
#include "raw_client.h"

static ws_conn_t* conn_;

static void begin_on_open(ws_conn_t* conn) {
  harness.open_count++;
  conn_ = conn;
  ASSERT_EQ(WS_EINVAL, ws_conn_send_fragment(conn, "x", 1, 1));
  ASSERT_EQ(0, ws_conn_send_begin(conn, WS_OP_TEXT));
  ASSERT_EQ(WS_EINVAL, ws_conn_send_begin(conn, WS_OP_TEXT));
  ASSERT_EQ(0, ws_conn_send_fragment(conn, "Hel", 3, 0));
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

int main(void) {
  static const unsigned char expected[] =
      "\x01\x03Hel"        /* the first fragment */
      "\x8a\x01q"          /* the pong to the peer's ping */
      "\x89\x01p"          /* our ping */
      "\x00\x04lo, "       /* a continuation */
      "\x80\x05world"      /* the last fragment */
      "\x81\x05" "after"   /* the message sent meanwhile */
      "\x81\x04room";      /* the broadcast sent meanwhile */
  unsigned char frame[16];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t peer;
  ws_room_t* room;
  uv_timer_t tick;
  uv_loop_t loop;
  size_t head;
  uint64_t start;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_timer_init(&loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, on_tick, 10, 10));
  cb = harness_callbacks();
  cb.on_open = begin_on_open;
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&peer);
  raw_handshake(&peer);
  RUN_UNTIL(&loop, (head = raw_head_len(&peer)) > 0 &&
                       peer.in_len >= head + 5);
  ASSERT_EQ(0, ws_room_join(room, conn_));

  /* The peer pings mid-message: the pong comes at once. */
  n = harness_frame(frame, 0, 1, 0x9, "q", 1);
  raw_write(&peer, frame, n);
  RUN_UNTIL(&loop, peer.in_len >= head + 8);

  /* Data waits for the message to end; a ping does not. */
  ASSERT_EQ(0, ws_conn_send(conn_, WS_OP_TEXT, "after", 5));
  ASSERT_EQ(1, ws_room_broadcast(room, WS_OP_TEXT, "room", 4, NULL));
  ASSERT_EQ(7 + 6, ws_conn_queued_bytes(conn_));
  ASSERT_EQ(0, ws_conn_ping(conn_, "p", 1));
  ASSERT_EQ(0, ws_conn_send_fragment(conn_, "lo, ", 4, 0));
  start = uv_hrtime();
  while (uv_hrtime() - start < 50 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(head + 8 + 3 + 6, peer.in_len);
  ASSERT_EQ(0, ws_conn_send_fragment(conn_, "world", 5, 1));
  RUN_UNTIL(&loop, peer.in_len >= head + sizeof(expected) - 1);
  ASSERT_EQ(head + sizeof(expected) - 1, peer.in_len);
  ASSERT_MEM_EQ(expected, peer.in + head, sizeof(expected) - 1);
  ASSERT_EQ(0, ws_conn_queued_bytes(conn_));

  /* Over: a plain send goes straight out again. */
  ASSERT_EQ(0, ws_conn_send(conn_, WS_OP_TEXT, "next", 4));
  RUN_UNTIL(&loop, peer.in_len == head + sizeof(expected) - 1 + 6);
  ASSERT_MEM_EQ("\x81\x04next", peer.in + head + sizeof(expected) - 1, 6);

  uv_close((uv_handle_t*) &tick, NULL);
  raw_close(&peer);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  return 0;
}
