/* Closing in the middle of a fragmented send: the close frame follows the
 * fragments already queued, the message stays unfinished (RFC 6455 allows
 * a close between fragments), the messages that waited for its end are
 * dropped, and the fragment calls say WS_ECLOSED. */
#include "raw_client.h"

static ws_conn_t* conn_;

static void close_on_open(ws_conn_t* conn) {
  size_t before;

  harness.open_count++;
  conn_ = conn;
  ASSERT_EQ(0, ws_conn_send_begin(conn, WS_OP_BINARY));
  ASSERT_EQ(0, ws_conn_send_fragment(conn, "ab", 2, 0));
  before = ws_conn_queued_bytes(conn); /* the 101 and the fragment */
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "afterwards", 10));
  ASSERT_EQ(before + 12, ws_conn_queued_bytes(conn));
  ASSERT_EQ(0, ws_conn_close(conn, WS_CLOSE_NORMAL, "bye", 3));
  ASSERT_EQ(WS_ECLOSED, ws_conn_send_fragment(conn, "cd", 2, 1));
  ASSERT_EQ(WS_ECLOSED, ws_conn_send_begin(conn, WS_OP_TEXT));
  /* What waited is gone; the close frame is queued. */
  ASSERT_EQ(before + 7, ws_conn_queued_bytes(conn));
}

int main(void) {
  static const unsigned char expected[] = "\x02\x02" "ab"
                                          "\x88\x05\x03\xe8" "bye";
  unsigned char frame[16];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t peer;
  uv_loop_t loop;
  size_t head;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  /* After the close handshake the server waits this long for the peer's
   * end of the stream. */
  options.close_timeout = 200;
  cb = harness_callbacks();
  cb.on_open = close_on_open;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&peer);
  raw_handshake(&peer);
  RUN_UNTIL(&loop, (head = raw_head_len(&peer)) > 0 &&
                       peer.in_len >= head + sizeof(expected) - 1);
  ASSERT_EQ(head + sizeof(expected) - 1, peer.in_len);
  ASSERT_MEM_EQ(expected, peer.in + head, sizeof(expected) - 1);

  /* The peer answers the close: a clean close. */
  n = harness_frame(frame, 0, 1, 0x8, "\x03\xe8", 2);
  raw_write(&peer, frame, n);
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(1, harness.last_close.clean);
  ASSERT_EQ(head + sizeof(expected) - 1, peer.in_len);
  raw_close(&peer);
  harness_close_server(&loop, server);
  return 0;
}
