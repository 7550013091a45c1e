/* Small frames written together over TLS share a record: 8 messages of
 * 20 bytes sent in one loop turn, by turns to the connection alone and to
 * its room (so its queue holds buffers of its own and the room's shared
 * ones, one after the other), reach the peer in one TLS record, not one
 * per buffer. The records are counted in the ciphertext a hand-made TLS
 * client receives. */
#include "tls_peer.h"

#define MESSAGES 8
#define SIZE 20

static ws_room_t* room;

static void on_open(ws_conn_t* conn) {
  ASSERT_EQ(0, ws_room_join(room, conn));
}

static void on_message(ws_conn_t* conn, ws_opcode_t op, const void* data,
                       size_t len) {
  static const char payload[SIZE] = "twenty bytes of text";
  int i;

  (void) op;
  (void) data;
  (void) len;
  for (i = 0; i < MESSAGES; i++) {
    if (i % 2 == 0)
      ASSERT_EQ(0, ws_conn_send(conn, WS_OP_BINARY, payload, SIZE));
    else
      ASSERT_EQ(1,
                ws_room_broadcast(room, WS_OP_BINARY, payload, SIZE, NULL));
  }
}

/* TLS records in len bytes of ciphertext, which must end at a record's
 * end. */
static int count_records(const unsigned char* p, size_t len) {
  size_t offset;
  int records;

  records = 0;
  for (offset = 0; offset + 5 <= len;
       offset += 5 + ((size_t) p[offset + 3] << 8 | p[offset + 4]))
    records++;
  ASSERT_EQ(len, offset);
  return records;
}

int main(void) {
  /* A masked binary frame of one byte, masked with a zero key. */
  static const unsigned char trigger[] = { 0x82, 0x81, 0, 0, 0, 0, 'x' };
  ws_server_callbacks_t cb;
  ws_server_t* server;
  tls_files_t files;
  tls_peer_t peer;
  uv_loop_t loop;
  size_t cipher_before;
  size_t plain_before;
  size_t want;
  int records;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  cb.on_open = on_open;
  cb.on_message = on_message;
  server = tls_server(&loop, &files, NULL, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));

  tls_peer_connect(&peer, &loop, ws_server_tls_port(server), tls_peer_ctx(),
                   NULL);
  tls_peer_handshake(&peer, &loop);
  tls_peer_upgrade(&peer, &loop);
  RUN_UNTIL(&loop, ws_room_count(room) == 1);
  /* Whatever followed the handshake (tickets, the 101) is in: count from
   * here. */
  tls_peer_pump(&peer);
  cipher_before = peer.raw.in_len;
  plain_before = peer.plain_len;
  tls_peer_write(&peer, trigger, sizeof(trigger));
  want = plain_before + MESSAGES * (2 + SIZE);
  while (peer.plain_len < want && !peer.failed && !peer.raw.eof) {
    uv_run(&loop, UV_RUN_ONCE);
    tls_peer_pump(&peer);
  }
  ASSERT_EQ(want, peer.plain_len);
  records = count_records(peer.raw.in + cipher_before,
                          peer.raw.in_len - cipher_before);
  printf("%d messages came in %d TLS records\n", MESSAGES, records);
  ASSERT_EQ(1, records);

  tls_peer_close(&peer);
  ws_room_destroy(room);
  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
