/* A connection adopted with bytes read before (ws_server_adopt()) that
 * pauses in on_open: the frames among those bytes are kept, the stream is
 * not read while paused (no read callback, though the peer sends more),
 * and after ws_conn_resume() every message comes, in order: the kept ones,
 * then what the socket brings. */
#include "raw_client.h"

static ws_server_t* server;
static ws_conn_t* conn_;
static uv_tcp_t* app_tcp;
static uint64_t reads;
static ws__io_t counting_io;
static const ws__io_t* real_io;

static void counting_on_read(ws_conn_t* conn, unsigned char* data,
                             ssize_t nread) {
  reads++;
  real_io->on_read(conn, data, nread);
}

static void pause_on_open(ws_conn_t* conn) {
  harness.open_count++;
  conn_ = conn;
  ASSERT_EQ(0, ws_conn_pause(conn));
}

static void log_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                           const void* data, size_t len) {
  (void) conn;
  (void) opcode;
  harness_logf("%.*s|", (int) len, (const char*) data);
}

static void on_handed_back(uv_handle_t* handle) {
  free(handle);
}

static void on_app_connection(uv_stream_t* listener, int status) {
  static const char upgrade[] = HARNESS_UPGRADE;
  unsigned char first[512];
  size_t n;

  ASSERT_EQ(0, status);
  app_tcp = malloc(sizeof(*app_tcp));
  ASSERT_NOT_NULL(app_tcp);
  ASSERT_EQ(0, uv_tcp_init(listener->loop, app_tcp));
  ASSERT_EQ(0, uv_accept(listener, (uv_stream_t*) app_tcp));
  /* As if the application had read the request and three frames. */
  memcpy(first, upgrade, sizeof(upgrade) - 1);
  n = sizeof(upgrade) - 1;
  n = harness_frame(first, n, 1, WS_OP_TEXT, "one", 3);
  n = harness_frame(first, n, 1, WS_OP_TEXT, "two", 3);
  n = harness_frame(first, n, 1, WS_OP_TEXT, "three", 5);
  ASSERT_EQ(0, ws_server_adopt(server, (uv_stream_t*) app_tcp, first, n,
                               on_handed_back));
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

int main(void) {
  struct sockaddr_in addr;
  unsigned char frame[16];
  ws_server_callbacks_t cb;
  raw_client_t peer;
  uv_tcp_t listener;
  uv_timer_t tick;
  uv_loop_t loop;
  uint64_t start;
  int namelen;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_timer_init(&loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, on_tick, 10, 10));
  cb = harness_callbacks();
  cb.on_open = pause_on_open;
  cb.on_message = log_on_message;
  server = harness_server(&loop, NULL, &cb);
  real_io = server->hub.io;
  counting_io = *real_io;
  counting_io.on_read = counting_on_read;
  server->hub.io = &counting_io;

  ASSERT_EQ(0, uv_tcp_init(&loop, &listener));
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", 0, &addr));
  ASSERT_EQ(0, uv_tcp_bind(&listener, (const struct sockaddr*) &addr, 0));
  ASSERT_EQ(0, uv_listen((uv_stream_t*) &listener, 8, on_app_connection));
  namelen = (int) sizeof(addr);
  ASSERT_EQ(0, uv_tcp_getsockname(&listener, (struct sockaddr*) &addr,
                                  &namelen));
  raw_connect(&loop, &peer, "127.0.0.1", ntohs(addr.sin_port));
  raw_start_reading(&peer);
  RUN_UNTIL(&loop, harness.open_count == 1);
  reads = 0; /* the adopted bytes came as one "read" */

  /* Paused: the peer sends more, nothing is read or delivered. */
  n = harness_frame(frame, 0, 1, WS_OP_TEXT, "four", 4);
  raw_write(&peer, frame, n);
  start = uv_hrtime();
  while (uv_hrtime() - start < 200 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_EQ(0, reads);
  ASSERT_STR_EQ("", harness.log);

  ASSERT_EQ(0, ws_conn_resume(conn_));
  ASSERT_STR_EQ("", harness.log);
  RUN_UNTIL(&loop, strcmp(harness.log, "one|two|three|four|") == 0);

  uv_close((uv_handle_t*) &tick, NULL);
  uv_close((uv_handle_t*) &listener, NULL);
  raw_close(&peer);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  return 0;
}
