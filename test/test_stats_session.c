/* A scripted session over loopback (refused handshakes of every kind, an
 * echo of four messages and a clean close, a protocol error, a slow room
 * member) leaves exactly the counts it must in ws_server_stats() and
 * ws_room_stats(): every byte the clients wrote counted in, every byte
 * they read counted out. */
#include "raw_client.h"

#define BIG 100000

static ws_room_t* room;
static uint64_t written;  /* bytes the clients wrote */
static uint64_t received; /* bytes the clients read */

static int refuse_forbidden(ws_conn_t* conn, ws_request_t* request) {
  (void) conn;
  return strcmp(ws_request_target(request), "/forbidden") == 0 ? 403 : 0;
}

static void join_on_open(ws_conn_t* conn) {
  harness.open_count++;
  ASSERT_EQ(0, ws_room_join(room, conn));
}

static void client_write(raw_client_t* c, const void* data, size_t len) {
  raw_write(c, data, len);
  written += len;
}

/* Until the server has closed: counts what was read, closes our end. */
static void client_finish(uv_loop_t* loop, raw_client_t* c) {
  RUN_UNTIL(loop, c->eof);
  received += c->in_len;
  raw_close(c);
  RUN_UNTIL(loop, c->closed);
}

/* One connection that sends request and must get status back. */
static void refused(uv_loop_t* loop, int port, const char* request,
                    const char* status) {
  raw_client_t c;

  raw_connect(loop, &c, "127.0.0.1", port);
  raw_start_reading(&c);
  client_write(&c, request, strlen(request));
  RUN_UNTIL(loop, c.eof);
  ASSERT(c.in_len > 12 && memcmp(c.in + 9, status, 3) == 0);
  client_finish(loop, &c);
}

int main(void) {
  static unsigned char big[BIG];
  static unsigned char frames[4096];
  unsigned char payload[1000];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_room_stats_t rs;
  ws_server_t* server;
  raw_client_t a;
  raw_client_t b;
  raw_client_t c;
  ws_stats_t s;
  uv_loop_t loop;
  size_t n;
  int port;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_queued_bytes = 65536;
  options.slow_policy = WS_SLOW_CLOSE;
  cb = harness_callbacks();
  cb.on_handshake = refuse_forbidden;
  cb.on_open = join_on_open;
  server = harness_server(&loop, &options, &cb);
  if (ws_server_stats(server, &s) == UV_ENOTSUP) {
    harness_close_server(&loop, server);
    return test_skip("built with UVWS_COUNTERS=OFF");
  }
  ASSERT_EQ(0, ws_room_new(&room, server));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  port = ws_server_port(server);

  /* Refusals: a version we do not speak, no key, the application's 403,
   * and bytes that are not HTTP. */
  refused(&loop, port,
          "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
          "Connection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 8\r\n\r\n", "426");
  refused(&loop, port,
          "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
          "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", "400");
  refused(&loop, port,
          "GET /forbidden HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
          "Connection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\n\r\n", "403");
  refused(&loop, port, "\x01\x02 hello\r\n\r\n", "400");

  /* A: four messages echoed, then a clean close with 1000. */
  raw_connect(&loop, &a, "127.0.0.1", port);
  raw_start_reading(&a);
  client_write(&a, HARNESS_UPGRADE, sizeof(HARNESS_UPGRADE) - 1);
  memset(payload, 'p', sizeof(payload));
  n = harness_frame(frames, 0, 1, WS__OP_TEXT, "one", 3);
  n = harness_frame(frames, n, 1, WS__OP_TEXT, "two", 3);
  n = harness_frame(frames, n, 1, WS__OP_TEXT, "three", 5);
  n = harness_frame(frames, n, 1, WS__OP_BINARY, payload, sizeof(payload));
  n = harness_frame(frames, n, 1, WS__OP_CLOSE, "\x03\xe8", 2);
  client_write(&a, frames, n);
  RUN_UNTIL(&loop, a.eof);
  ASSERT(raw_has(&a, "\x81\x05three", 7));
  ASSERT(raw_has(&a, "\x88\x02\x03\xe8", 4));
  client_finish(&loop, &a);

  /* B: a frame with a reserved opcode, failed with 1002. */
  raw_connect(&loop, &b, "127.0.0.1", port);
  raw_start_reading(&b);
  client_write(&b, HARNESS_UPGRADE, sizeof(HARNESS_UPGRADE) - 1);
  n = harness_frame(frames, 0, 1, 0x3, "x", 1);
  client_write(&b, frames, n);
  RUN_UNTIL(&loop, b.eof);
  ASSERT(raw_has(&b, "\x88\x02\x03\xea", 4));
  client_finish(&loop, &b);

  /* C: a room member sent a broadcast larger than its queue may hold:
   * closed as a slow consumer (1008), it answers the close. */
  raw_connect(&loop, &c, "127.0.0.1", port);
  raw_start_reading(&c);
  client_write(&c, HARNESS_UPGRADE, sizeof(HARNESS_UPGRADE) - 1);
  RUN_UNTIL(&loop, harness.open_count == 3 && raw_head_len(&c) > 0);
  ASSERT_EQ(1, ws_room_count(room));
  ASSERT_EQ(0, ws_room_broadcast(room, WS_OP_BINARY, big, BIG, NULL));
  RUN_UNTIL(&loop, raw_has(&c, "\x88\x0f\x03\xf0slow consumer", 17));
  n = harness_frame(frames, 0, 1, WS__OP_CLOSE, "\x03\xf0", 2);
  client_write(&c, frames, n);
  client_finish(&loop, &c);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);

  ASSERT_EQ(0, ws_server_stats(server, &s));
  ASSERT_UINT64_EQ(0, s.connections);
  ASSERT_UINT64_EQ(0, s.connections_open);
  ASSERT_UINT64_EQ(7, s.connections_accepted);
  ASSERT_UINT64_EQ(0, s.connections_dropped);
  ASSERT_UINT64_EQ(0, s.accept_errors);
  ASSERT_UINT64_EQ(3, s.handshakes);
  ASSERT_UINT64_EQ(0, s.http_requests);
  for (i = 0; i < WS_STATS_STATUSES; i++) {
    switch (400 + i) {
      case 400: ASSERT_UINT64_EQ(2, s.refused_by_status[i]); break;
      case 403: ASSERT_UINT64_EQ(1, s.refused_by_status[i]); break;
      case 426: ASSERT_UINT64_EQ(1, s.refused_by_status[i]); break;
      default: ASSERT_UINT64_EQ(0, s.refused_by_status[i]); break;
    }
  }
  ASSERT_UINT64_EQ(1, s.handshake_failures[WS_HANDSHAKE_MALFORMED]);
  ASSERT_UINT64_EQ(0, s.handshake_failures[WS_HANDSHAKE_TOO_LARGE]);
  ASSERT_UINT64_EQ(1, s.handshake_failures[WS_HANDSHAKE_BAD_UPGRADE]);
  ASSERT_UINT64_EQ(1, s.handshake_failures[WS_HANDSHAKE_BAD_VERSION]);
  ASSERT_UINT64_EQ(1, s.handshake_failures[WS_HANDSHAKE_REFUSED]);
  ASSERT_UINT64_EQ(0, s.handshake_failures[WS_HANDSHAKE_FULL]);
  ASSERT_UINT64_EQ(0, s.handshake_failures[WS_HANDSHAKE_TIMEOUT]);
  ASSERT_UINT64_EQ(0, s.handshake_failures[WS_HANDSHAKE_CLOSED]);
  ASSERT_UINT64_EQ(0, s.handshake_failures[WS_HANDSHAKE_BAD_RESPONSE]);
  ASSERT_UINT64_EQ(3, s.connections_closed);

  ASSERT_UINT64_EQ(4, s.messages_in);
  ASSERT_UINT64_EQ(4, s.messages_out);
  ASSERT_UINT64_EQ(3 + 3 + 5 + 1000, s.message_bytes_in);
  ASSERT_UINT64_EQ(3 + 3 + 5 + 1000, s.message_bytes_out);
  ASSERT_UINT64_EQ(written, s.bytes_in);
  ASSERT_UINT64_EQ(received, s.bytes_out);

  ASSERT_UINT64_EQ(0, s.frames_in[WS_FRAME_CONTINUATION]);
  ASSERT_UINT64_EQ(3, s.frames_in[WS_FRAME_TEXT]);
  ASSERT_UINT64_EQ(1, s.frames_in[WS_FRAME_BINARY]);
  ASSERT_UINT64_EQ(2, s.frames_in[WS_FRAME_CLOSE]);
  ASSERT_UINT64_EQ(0, s.frames_in[WS_FRAME_PING]);
  ASSERT_UINT64_EQ(0, s.frames_in[WS_FRAME_PONG]);
  ASSERT_UINT64_EQ(1, s.frames_in[WS_FRAME_RESERVED]);
  ASSERT_UINT64_EQ(0, s.frames_out[WS_FRAME_CONTINUATION]);
  ASSERT_UINT64_EQ(3, s.frames_out[WS_FRAME_TEXT]);
  ASSERT_UINT64_EQ(1, s.frames_out[WS_FRAME_BINARY]);
  ASSERT_UINT64_EQ(3, s.frames_out[WS_FRAME_CLOSE]);
  ASSERT_UINT64_EQ(0, s.frames_out[WS_FRAME_PING]);
  ASSERT_UINT64_EQ(0, s.frames_out[WS_FRAME_PONG]);
  ASSERT_UINT64_EQ(0, s.frames_out[WS_FRAME_RESERVED]);

  for (i = 0; i < WS_STATS_CLOSE_CODES; i++) {
    ASSERT_UINT64_EQ(i == 0 || i == 2 || i == 8 ? 1 : 0,
                     s.close_codes_sent[i]);
    ASSERT_UINT64_EQ(i == 0 || i == 8 ? 1 : 0, s.close_codes_received[i]);
  }
  ASSERT_UINT64_EQ(0, s.queue_full);
  ASSERT_UINT64_EQ(1, s.slow_consumer_closes);
  ASSERT_UINT64_EQ(0, s.slow_consumer_skips);
  ASSERT_UINT64_EQ(0, s.pong_timeouts);
  ASSERT_UINT64_EQ(0, s.idle_timeouts);
  ASSERT_UINT64_EQ(0, s.close_timeouts);
  ASSERT_UINT64_EQ(0, s.wslay_contexts_in_use);

  ASSERT_EQ(0, ws_room_stats(room, &rs));
  ASSERT_UINT64_EQ(0, rs.members);
  ASSERT_UINT64_EQ(1, rs.broadcasts);
  ASSERT_UINT64_EQ(0, rs.deliveries);
  ASSERT_UINT64_EQ(BIG, rs.bytes);
  ASSERT_UINT64_EQ(0, rs.skips);
  ASSERT_UINT64_EQ(1, rs.slow_closes);

  harness_close_server(&loop, server);
  return 0;
}
