/* Fragmented sends between our own server and client, both ways: the
 * receiver gets each message whole, pings sent between the fragments are
 * answered (pongs reported), and a message sent during the fragmented one
 * arrives after it. The client's fragments are masked, each with its own
 * key. */
#include "raw_client.h"

#define SIZE (1024 * 1024)
#define CLIENT_PIECE (64 * 1024)
#define SERVER_PIECE (100 * 1000)

static unsigned char pattern[SIZE];
static ws_conn_t* client_conn;
static int server_got;
static int server_pongs;
static int server_pings_sent;
static int client_got;
static int client_pongs;
static int client_pings_sent;

/* Sends pattern in pieces, a ping before each. */
static void send_in_pieces(ws_conn_t* conn, ws_opcode_t opcode, size_t piece,
                           int* pings) {
  size_t off;
  size_t n;

  ASSERT_EQ(0, ws_conn_send_begin(conn, opcode));
  for (off = 0; off < SIZE; off += n) {
    n = SIZE - off < piece ? SIZE - off : piece;
    ASSERT_EQ(0, ws_conn_ping(conn, "between", 7));
    (*pings)++;
    ASSERT_EQ(0, ws_conn_send_fragment(conn, pattern + off, n,
                                       off + n == SIZE));
    if (off == 0)
      ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "tail", 4));
  }
}

static void server_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                              const void* data, size_t len) {
  server_got++;
  if (server_got == 1) {
    ASSERT_EQ(WS_OP_BINARY, opcode);
    ASSERT_EQ(SIZE, len);
    ASSERT_MEM_EQ(pattern, data, SIZE);
    send_in_pieces(conn, WS_OP_TEXT, SERVER_PIECE, &server_pings_sent);
  } else {
    ASSERT_EQ(2, server_got);
    ASSERT_EQ(WS_OP_TEXT, opcode);
    ASSERT_EQ(4, len);
    ASSERT_MEM_EQ("tail", data, 4);
  }
}

static void server_on_pong(ws_conn_t* conn, const void* data, size_t len) {
  (void) conn;
  ASSERT_EQ(7, len);
  ASSERT_MEM_EQ("between", data, 7);
  server_pongs++;
}

static void client_on_open(ws_conn_t* conn) {
  client_conn = conn;
  send_in_pieces(conn, WS_OP_BINARY, CLIENT_PIECE, &client_pings_sent);
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                              const void* data, size_t len) {
  (void) conn;
  client_got++;
  if (client_got == 1) {
    ASSERT_EQ(WS_OP_TEXT, opcode);
    ASSERT_EQ(SIZE, len);
    ASSERT_MEM_EQ(pattern, data, SIZE);
  } else {
    ASSERT_EQ(2, client_got);
    ASSERT_EQ(WS_OP_TEXT, opcode);
    ASSERT_EQ(4, len);
    ASSERT_MEM_EQ("tail", data, 4);
  }
}

static void client_on_pong(ws_conn_t* conn, const void* data, size_t len) {
  (void) conn;
  ASSERT_EQ(7, len);
  ASSERT_MEM_EQ("between", data, 7);
  client_pongs++;
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

int main(void) {
  ws_client_callbacks_t ccb;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_client_t* client;
  uv_timer_t tick;
  uv_loop_t loop;
  char url[64];
  size_t i;

  for (i = 0; i < SIZE; i++)
    pattern[i] = (unsigned char) ('a' + i % 26);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_timer_init(&loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, on_tick, 10, 10));
  cb = harness_callbacks();
  cb.on_message = server_on_message;
  cb.on_pong = server_on_pong;
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = client_on_open;
  ccb.on_message = client_on_message;
  ccb.on_pong = client_on_pong;
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, &ccb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));

  RUN_UNTIL(&loop, server_got == 2 && client_got == 2 &&
                       server_pongs == server_pings_sent &&
                       client_pongs == client_pings_sent);
  ASSERT_EQ(SIZE / CLIENT_PIECE, client_pings_sent);
  ASSERT_EQ((SIZE + SERVER_PIECE - 1) / SERVER_PIECE, server_pings_sent);

  ASSERT_EQ(0, ws_conn_close(client_conn, WS_CLOSE_NORMAL, NULL, 0));
  RUN_UNTIL(&loop, harness.close_count == 1);
  ASSERT_EQ(1, harness.last_close.clean);
  uv_close((uv_handle_t*) &tick, NULL);
  ws_client_close(client, NULL);
  harness_close_server(&loop, server);
  return 0;
}
