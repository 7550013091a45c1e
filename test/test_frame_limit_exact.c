/* max_message_size is checked exactly, at the frame header, before any
 * payload is kept: a frame one byte over the limit is refused with 1009
 * when its header arrives, one at the limit is received, whatever the size
 * of its header. Fragments count together against the limit. */
#include "counting_alloc.h"
#include "harness.h"

#define LIMIT 1000

static ws_server_t* server;
static uv_loop_t loop;

static ws_conn_t* open_conn(void) {
  harness.log_len = 0;
  harness.log[0] = '\0';
  return harness_open(server);
}

/* Feeds only the header of a masked binary frame announcing len bytes. */
static void feed_header(ws_conn_t* conn, int fin, unsigned int opcode,
                        size_t len) {
  unsigned char frame[LIMIT + 64];
  static unsigned char payload[LIMIT + 64];
  size_t n;

  n = harness_frame(frame, 0, fin, opcode, payload, len);
  harness_feed(conn, frame, n - len, 0);
}

int main(void) {
  static unsigned char payload[LIMIT + 64];
  unsigned char frame[LIMIT + 64];
  unsigned char out[LIMIT + 64];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_conn_t* conn;
  size_t n;

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_message_size = LIMIT;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);

  /* One byte over, announced by a 2+2+4-byte header: 1009 at once. */
  conn = open_conn();
  feed_header(conn, 1, 0x2, LIMIT + 1);
  ASSERT_EQ(WS_CLOSE_TOO_BIG, conn->close_code);
  harness_free(conn);

  /* At the limit: received whole. */
  conn = open_conn();
  n = harness_frame(frame, 0, 1, 0x2, payload, LIMIT);
  harness_feed(conn, frame, n, 7);
  ASSERT_STR_EQ("B:1000|", harness.log);
  harness_take(conn, out, sizeof(out));
  harness_free(conn);

  /* Fragments: 600 + 400 fit, 600 + 401 do not, refused at the header. */
  conn = open_conn();
  n = harness_frame(frame, 0, 0, 0x2, payload, 600);
  n = harness_frame(frame, n, 1, 0x0, payload, 400);
  harness_feed(conn, frame, n, 0);
  ASSERT_STR_EQ("B:1000|", harness.log);
  harness_take(conn, out, sizeof(out));
  n = harness_frame(frame, 0, 0, 0x2, payload, 600);
  harness_feed(conn, frame, n, 0);
  feed_header(conn, 1, 0x0, 401);
  ASSERT_EQ(WS_CLOSE_TOO_BIG, conn->close_code);
  harness_free(conn);

  harness_close_server(&loop, server);

  /* The largest limit: no sum wraps, a frame split across reads arrives. */
  ASSERT_EQ(0, uv_loop_init(&loop));
  options.max_message_size = WS_MAX_LIMIT;
  server = harness_server(&loop, &options, &cb);
  conn = open_conn();
  n = harness_frame(frame, 0, 1, 0x2, payload, 300);
  harness_feed(conn, frame, n, 3);
  ASSERT_STR_EQ("B:300|", harness.log);
  harness_take(conn, out, sizeof(out));
  harness_free(conn);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_blocks);
  return 0;
}
