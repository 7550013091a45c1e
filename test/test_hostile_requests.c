/* Hostile requests get 431 or 400 and cost bounded memory: a 1 MiB request
 * line, a flood of small headers, one huge header, and garbage. Afterwards
 * the server holds what it held before. */
#include "counting_alloc.h"
#include "raw_client.h"

/* Sends start, then pattern over and over. */
static void attack(uv_loop_t* loop, int port, const char* start,
                   const char* pattern, const char* status) {
  static char chunk[16 * 1024];
  raw_client_t c;
  size_t sent;
  size_t plen;
  size_t i;

  raw_connect(loop, &c, "127.0.0.1", port);
  raw_start_reading(&c);
  raw_write(&c, start, strlen(start));
  plen = strlen(pattern);
  for (i = 0; i < sizeof(chunk); i++)
    chunk[i] = pattern[i % plen];
  /* Up to 1 MiB, in 16 KiB writes, while the server has not answered. */
  for (sent = 0; sent < 1024 * 1024 && c.in_len == 0; sent += sizeof(chunk)) {
    raw_write(&c, chunk, sizeof(chunk));
    uv_run(loop, UV_RUN_NOWAIT);
  }
  RUN_UNTIL(loop, c.eof);
  ASSERT_GE(c.in_len, strlen(status));
  if (memcmp(c.in, status, strlen(status)) != 0) {
    fprintf(stderr, "after '%.20s...' got '%.40s'\n", start, c.in);
    ASSERT(0);
  }
  raw_close(&c);
  RUN_UNTIL(loop, c.closed);
}

int main(void) {
  ws_server_callbacks_t cb;
  ws_server_t* server;
  uv_loop_t loop;
  size_t baseline;
  int port;

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  port = ws_server_port(server);
  baseline = live_bytes;
  peak_bytes = live_bytes;

  attack(&loop, port, "GET /", "a", "HTTP/1.1 431 ");
  attack(&loop, port, "GET / HTTP/1.1\r\nHost: a\r\nX-Long: ", "v",
         "HTTP/1.1 431 ");
  attack(&loop, port, "GET / HTTP/1.1\r\nHost: a\r\n", "a:b\r\n",
         "HTTP/1.1 431 ");
  attack(&loop, port, "\x16\x03\x01", "z", "HTTP/1.1 400 ");
  attack(&loop, port, "GET / HTTP/1.1\r\nHost: a\r\nX: ", "\n",
         "HTTP/1.1 400 ");

  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  printf("peak: %lu bytes over the idle server\n",
         (unsigned long) (peak_bytes - baseline));
  /* The request head is capped at 8 KiB; its copy and index stay near. */
  ASSERT_LT(peak_bytes - baseline, 64 * 1024);
  ASSERT_EQ(baseline + harness_spare_bytes(server), live_bytes);
  ASSERT_EQ(0, harness.open_count);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_blocks);
  return 0;
}
