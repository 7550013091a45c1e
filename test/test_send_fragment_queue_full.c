/* Each fragment counts against max_queued_bytes: one that would pass it
 * fails with WS_EQUEUEFULL, queues nothing, and leaves the connection
 * open and the message under way; on_drain says when to go on, and the
 * peer gets the whole message, one fragment after another. */
#include "raw_client.h"

#define PIECE (16 * 1024)
#define LIMIT (256 * 1024)
#define SIZE (4 * 1024 * 1024)

static unsigned char pattern[SIZE];
static size_t produced;
static int refusals;
static int drains;

static void produce(ws_conn_t* conn) {
  size_t before;
  size_t n;
  int r;

  while (produced < SIZE) {
    n = SIZE - produced < PIECE ? SIZE - produced : PIECE;
    before = ws_conn_queued_bytes(conn);
    r = ws_conn_send_fragment(conn, pattern + produced, n,
                              produced + n == SIZE);
    if (r == WS_EQUEUEFULL) {
      ASSERT_EQ(before, ws_conn_queued_bytes(conn));
      ASSERT_GT(before + n + 4, LIMIT);
      refusals++;
      return;
    }
    ASSERT_EQ(0, r);
    produced += n;
  }
}

static void fragments_on_open(ws_conn_t* conn) {
  harness.open_count++;
  ASSERT_EQ(0, ws_conn_send_begin(conn, WS_OP_BINARY));
  produce(conn);
}

static void fragments_on_drain(ws_conn_t* conn) {
  drains++;
  produce(conn);
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t peer;
  uv_timer_t tick;
  uv_loop_t loop;
  unsigned char* message;
  const unsigned char* p;
  const unsigned char* end;
  size_t got;
  size_t len;
  int frames;
  size_t i;

  for (i = 0; i < SIZE; i++)
    pattern[i] = (unsigned char) (i * 31 + i / 251);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_timer_init(&loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, on_tick, 10, 10));
  ws_server_options_init(&options);
  options.max_queued_bytes = LIMIT;
  cb = harness_callbacks();
  cb.on_open = fragments_on_open;
  cb.on_drain = fragments_on_drain;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_handshake(&peer); /* not reading yet: the queue fills */
  RUN_UNTIL(&loop, refusals > 0 && harness.open_count == 1);
  ASSERT_EQ(0, harness.close_count);

  raw_start_reading(&peer);
  RUN_UNTIL_LONG(&loop, produced == SIZE && ws_server_connection_count(
                                                 server) == 1 &&
                            peer.in_len >= raw_head_len(&peer) + SIZE +
                                               (SIZE / PIECE) * 4,
                 30);
  ASSERT_EQ(0, harness.close_count);
  ASSERT_GT(drains, 0);

  /* The frames: the first binary, the rest continuations, the last
   * final; together the message. */
  message = malloc(SIZE);
  ASSERT_NOT_NULL(message);
  p = peer.in + raw_head_len(&peer);
  end = peer.in + peer.in_len;
  got = 0;
  frames = 0;
  while (p < end) {
    ASSERT_EQ(frames == 0 ? 0x02 : 0x00, p[0] & 0x0f);
    ASSERT_EQ(126, p[1]);
    len = ((size_t) p[2] << 8) | p[3];
    ASSERT_EQ(PIECE, len);
    ASSERT_LE(got + len, SIZE);
    memcpy(message + got, p + 4, len);
    got += len;
    frames++;
    ASSERT_EQ(got == SIZE ? 0x80 : 0x00, p[0] & 0x80);
    p += 4 + len;
  }
  ASSERT_EQ(SIZE, got);
  ASSERT_MEM_EQ(pattern, message, SIZE);
  free(message);

  uv_close((uv_handle_t*) &tick, NULL);
  raw_close(&peer);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  return 0;
}
