/* A peer floods a connection that pauses from inside on_message: the
 * server stops reading (no read callbacks at all), the peer's writes back
 * up until its socket refuses more (uv_try_write() says UV_EAGAIN and its
 * write queue grows), and after ws_conn_resume() every message arrives
 * exactly once, in order -- the rest of the read the pause interrupted
 * included. Then it pauses every few hundred messages and resumes from a
 * timer, on whole and fragmented messages alike. */
#include "raw_client.h"

#define FIRST_PAUSE 10
#define BATCH 600                 /* messages per write */
#define MAX_MESSAGES 2000000

static ws_conn_t* conn_;
static uint32_t expected;         /* the next message's number */
static uint32_t total;            /* messages the peer wrote */
static int in_resume;             /* inside our ws_conn_resume() call */
static int paused_by_test;
static uint64_t reads;            /* the connection's read callbacks */
static uv_timer_t resume_timer;
static ws__io_t counting_io;
static const ws__io_t* real_io;

static void counting_on_read(ws_conn_t* conn, unsigned char* data,
                             ssize_t nread) {
  reads++;
  real_io->on_read(conn, data, nread);
}

static size_t payload_len(uint32_t seq) {
  return seq % 7 == 0 ? 300 : 96;
}

static void fill_payload(uint32_t seq, unsigned char* p) {
  size_t i;

  p[0] = (unsigned char) (seq >> 24);
  p[1] = (unsigned char) (seq >> 16);
  p[2] = (unsigned char) (seq >> 8);
  p[3] = (unsigned char) seq;
  for (i = 4; i < payload_len(seq); i++)
    p[i] = (unsigned char) (seq + i);
}

/* Appends message seq as the peer sends it: every 50th in two fragments
 * (which go through wslay), the rest whole. */
static size_t append_message(unsigned char* buf, size_t at, uint32_t seq) {
  unsigned char payload[300];
  size_t len;

  len = payload_len(seq);
  fill_payload(seq, payload);
  if (seq % 50 != 0)
    return harness_frame(buf, at, 1, WS_OP_BINARY, payload, len);
  at = harness_frame(buf, at, 0, WS_OP_BINARY, payload, len / 2);
  return harness_frame(buf, at, 1, 0, payload + len / 2, len - len / 2);
}

/* Writes messages until the peer's socket takes no more (its write queue
 * holds the rest): what the server does not read fills its receive
 * buffer, then the peer's send buffer. Returns at once if the peer is
 * blocked already. */
static void flood_until_blocked(uv_loop_t* loop, raw_client_t* peer) {
  static unsigned char batch[BATCH * (14 + 300) * 2];
  uv_buf_t buf;
  size_t len;
  int r;
  int i;

  while (peer->tcp.write_queue_size == 0) {
    ASSERT_LT(total, MAX_MESSAGES);
    for (len = 0, i = 0; i < BATCH; i++)
      len = append_message(batch, len, total++);
    buf = uv_buf_init((char*) batch, (unsigned int) len);
    r = uv_try_write((uv_stream_t*) &peer->tcp, &buf, 1);
    if (r == UV_EAGAIN)
      r = 0;
    ASSERT_GE(r, 0);
    if ((size_t) r < len)
      raw_write(peer, batch + r, len - (size_t) r);
    uv_run(loop, UV_RUN_NOWAIT);
  }
}

static void resume_on_timer(uv_timer_t* timer) {
  (void) timer;
  paused_by_test = 0;
  in_resume = 1;
  ASSERT_EQ(0, ws_conn_resume(conn_));
  in_resume = 0;
}

static void flood_on_open(ws_conn_t* conn) {
  harness.open_count++;
  conn_ = conn;
}

static void flood_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                             const void* data, size_t len) {
  unsigned char want[300];

  ASSERT_EQ(0, in_resume);
  ASSERT_EQ(0, paused_by_test);
  ASSERT_EQ(WS_OP_BINARY, opcode);
  ASSERT_EQ(payload_len(expected), len);
  fill_payload(expected, want);
  ASSERT_MEM_EQ(want, data, len);
  expected++;
  if (expected == FIRST_PAUSE) {
    ASSERT_EQ(0, ws_conn_pause(conn));
    ASSERT_EQ(0, ws_conn_pause(conn)); /* twice is once */
    paused_by_test = 1;
  } else if (expected > FIRST_PAUSE &&
             (expected % 997 == 0 || expected % 1000 == 0)) {
    ASSERT_EQ(0, ws_conn_pause(conn));
    paused_by_test = 1;
    ASSERT_EQ(0, uv_timer_start(&resume_timer, resume_on_timer, 1, 0));
  }
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

int main(void) {
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t peer;
  uv_timer_t tick;
  uv_loop_t loop;
  uv_buf_t buf;
  uint64_t paused_reads;
  uint64_t start;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_timer_init(&loop, &resume_timer));
  ASSERT_EQ(0, uv_timer_init(&loop, &tick));
  /* Wakes the loop, so that a wait that goes wrong times out. */
  ASSERT_EQ(0, uv_timer_start(&tick, on_tick, 10, 10));
  cb = harness_callbacks();
  cb.on_open = flood_on_open;
  cb.on_message = flood_on_message;
  server = harness_server(&loop, NULL, &cb);
  real_io = server->hub.io;
  counting_io = *real_io;
  counting_io.on_read = counting_on_read;
  server->hub.io = &counting_io;
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_handshake(&peer);
  RUN_UNTIL(&loop, harness.open_count == 1);

  flood_until_blocked(&loop, &peer);
  ASSERT_EQ(FIRST_PAUSE, expected);
  ASSERT_EQ(1, paused_by_test);

  /* Paused: no read callback, no message, and the peer stays blocked. */
  paused_reads = reads;
  start = uv_hrtime();
  while (uv_hrtime() - start < 200 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(paused_reads, reads);
  ASSERT_EQ(FIRST_PAUSE, expected);
  /* The kernel may have grown the server's receive window meanwhile
   * (TCP autotuning) and taken what the peer had queued: then the peer
   * floods until it is blocked again, and still nothing is read. */
  flood_until_blocked(&loop, &peer);
  ASSERT_EQ(paused_reads, reads);
  ASSERT_EQ(FIRST_PAUSE, expected);
  ASSERT_GT(peer.tcp.write_queue_size, 0);
  buf = uv_buf_init((char*) "x", 1);
  ASSERT_EQ(UV_EAGAIN, uv_try_write((uv_stream_t*) &peer.tcp, &buf, 1));

  /* Resumed: everything, exactly once, in order (on_message checks). */
  paused_by_test = 0;
  in_resume = 1;
  ASSERT_EQ(0, ws_conn_resume(conn_));
  in_resume = 0;
  ASSERT_EQ(FIRST_PAUSE, expected); /* nothing from inside the call */
  RUN_UNTIL_LONG(&loop, expected == total, 30);
  RUN_UNTIL(&loop, peer.tcp.write_queue_size == 0);
  printf("%u messages, %" PRIu64 " reads\n", (unsigned) total, reads);
  ASSERT_EQ(0, harness.close_count);

  uv_close((uv_handle_t*) &resume_timer, NULL);
  uv_close((uv_handle_t*) &tick, NULL);
  raw_close(&peer);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  return 0;
}
