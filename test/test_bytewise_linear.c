/* Bytes that arrive one at a time cost work in step with the bytes: a
 * 1 MiB message fed one byte per read has its frame header parsed a few
 * times (once per header byte at most), not once per byte, and arrives
 * whole. */
#include "harness.h"

#define PAYLOAD (1 << 20)

int main(void) {
  static unsigned char payload[PAYLOAD];
  static unsigned char frame[PAYLOAD + 16];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conn;
  uv_loop_t loop;
  uint64_t before;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  conn = harness_open(server);

  memset(payload, 'a', sizeof(payload));
  n = harness_frame(frame, 0, 1, 1, payload, sizeof(payload));
  before = server->hub.header_parses;
  harness_feed(conn, frame, n, 1);
  ASSERT_STR_EQ("T:1048576:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|",
                harness.log);
  ASSERT_LE(server->hub.header_parses - before, 14 + 1);

  harness_free(conn);
  harness_close_server(&loop, server);
  return 0;
}
