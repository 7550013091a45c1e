/* The log callback hears refused handshakes with their reason, protocol
 * errors with the close code, handshake and pong timeouts, and slow
 * consumers, with the peer's
 * address and the server's user data; lines above log_level never come
 * (opens and closes are WS_LOG_DEBUG). */
#include "raw_client.h"

#define MAX_LINES 16

typedef struct {
  ws_log_level_t level;
  ws_conn_t* conn;
  char peer[80];
  char message[256];
} line_t;

static line_t lines[MAX_LINES];
static int line_count;
static int user_data;
static ws_room_t* room;

static void on_log(void* data, ws_log_level_t level, ws_conn_t* conn,
                   const char* peer, const char* message) {
  line_t* l;

  ASSERT_PTR_EQ(&user_data, data);
  ASSERT_LT(line_count, MAX_LINES);
  l = &lines[line_count++];
  l->level = level;
  l->conn = conn;
  snprintf(l->peer, sizeof(l->peer), "%s", peer);
  snprintf(l->message, sizeof(l->message), "%s", message);
}

static void join_on_open(ws_conn_t* conn) {
  harness.open_count++;
  ASSERT_EQ(0, ws_room_join(room, conn));
}

static ws_server_t* start(uv_loop_t* loop, ws_log_level_t level,
                          uint64_t ping_interval) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;

  ws_server_options_init(&options);
  ASSERT_EQ(WS_LOG_INFO, options.log_level);
  ASSERT_NULL(options.log_cb);
  options.log_cb = on_log;
  options.log_level = level;
  options.data = &user_data;
  options.handshake_timeout = 100;
  options.ping_interval = ping_interval;
  options.pong_timeout = 100;
  options.close_timeout = 100;
  options.max_queued_bytes = 4096;
  cb = harness_callbacks();
  cb.on_open = join_on_open;
  server = harness_server(loop, &options, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  line_count = 0;
  return server;
}

/* Sends request (if any) and waits until the server closes. */
static void session(uv_loop_t* loop, ws_server_t* server, const void* request,
                    size_t len) {
  raw_client_t c;

  raw_connect(loop, &c, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&c);
  if (len > 0)
    raw_write(&c, request, len);
  RUN_UNTIL(loop, c.eof);
  raw_close(&c);
  RUN_UNTIL(loop, c.closed);
  RUN_UNTIL(loop, ws_server_connection_count(server) == 0);
}

int main(void) {
  static const char bad_version[] =
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 8\r\n\r\n";
  unsigned char bytes[512];
  ws_server_t* server;
  uv_loop_t loop;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  server = start(&loop, WS_LOG_WARN, 0);

  session(&loop, server, bad_version, sizeof(bad_version) - 1);
  ASSERT_EQ(1, line_count);
  ASSERT_EQ(WS_LOG_WARN, lines[0].level);
  ASSERT_NOT_NULL(lines[0].conn);
  ASSERT_STR_EQ("handshake refused: 426 (bad_version)", lines[0].message);
  ASSERT_EQ(0, strncmp(lines[0].peer, "127.0.0.1:", 10));

  /* An open connection (its open line is DEBUG: not given), then a frame
   * with a reserved opcode. */
  memcpy(bytes, HARNESS_UPGRADE, sizeof(HARNESS_UPGRADE) - 1);
  n = harness_frame(bytes, sizeof(HARNESS_UPGRADE) - 1, 1, 0x3, "x", 1);
  line_count = 0;
  session(&loop, server, bytes, n);
  ASSERT_EQ(1, line_count);
  ASSERT_EQ(WS_LOG_WARN, lines[0].level);
  ASSERT_STR_EQ("protocol error: closing with 1002", lines[0].message);
  ASSERT_EQ(0, strncmp(lines[0].peer, "127.0.0.1:", 10));

  /* Nothing sent: the handshake timeout. */
  line_count = 0;
  session(&loop, server, NULL, 0);
  ASSERT_EQ(1, line_count);
  ASSERT_EQ(WS_LOG_WARN, lines[0].level);
  ASSERT_STR_EQ("handshake failed: timeout (WS_ETIMEDOUT)", lines[0].message);
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));

  /* At WS_LOG_DEBUG, opens and closes come too. */
  server = start(&loop, WS_LOG_DEBUG, 0);
  n = harness_frame(bytes, sizeof(HARNESS_UPGRADE) - 1, 1, WS__OP_CLOSE,
                    "\x03\xe8", 2);
  session(&loop, server, bytes, n);
  ASSERT_EQ(2, line_count);
  ASSERT_EQ(WS_LOG_DEBUG, lines[0].level);
  ASSERT_STR_EQ("open", lines[0].message);
  ASSERT_EQ(WS_LOG_DEBUG, lines[1].level);
  ASSERT_STR_EQ("closed: 1000 clean", lines[1].message);
  ASSERT_STR_EQ("info", ws_log_level_name(WS_LOG_INFO));
  ASSERT_NULL(ws_log_level_name(0));
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));

  /* A member that cannot take a broadcast, and one that never answers a
   * ping. */
  server = start(&loop, WS_LOG_WARN, 100);
  {
    static unsigned char big[8192];
    raw_client_t c;

    raw_connect(&loop, &c, "127.0.0.1", ws_server_port(server));
    raw_start_reading(&c);
    raw_handshake(&c);
    RUN_UNTIL(&loop, harness.open_count == 1);
    ASSERT_EQ(0, ws_room_broadcast(room, WS_OP_BINARY, big, sizeof(big),
                                   NULL));
    RUN_UNTIL(&loop, c.eof);
    raw_close(&c);
    RUN_UNTIL(&loop, c.closed && ws_server_connection_count(server) == 0);
  }
  /* It does not answer the close either. */
  ASSERT_EQ(2, line_count);
  ASSERT_STR_EQ("slow consumer: closing with 1008", lines[0].message);
  ASSERT_STR_EQ("close timeout: dropping", lines[1].message);
  line_count = 0;
  session(&loop, server, HARNESS_UPGRADE, sizeof(HARNESS_UPGRADE) - 1);
  ASSERT_EQ(1, line_count);
  ASSERT_STR_EQ("pong timeout: dropping", lines[0].message);

  harness_close_server(&loop, server);
  return 0;
}
