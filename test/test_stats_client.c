/* A client counts too: a refused TCP connect and a server's refusal as
 * failed handshakes, its messages, masked frames and its close, and the
 * bytes it read and wrote match the server's the other way round. Its
 * log callback hears the refusal. */
#include "raw_client.h"

static int opened;
static int closed;
static int failed;
static int echoed;
static int warned;

static int refuse_nope(ws_conn_t* conn, ws_request_t* req) {
  (void) conn;
  return strcmp(ws_request_target(req), "/nope") == 0 ? 403 : 0;
}

static void on_open(ws_conn_t* conn) {
  opened++;
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "hello", 5));
}

static void on_message(ws_conn_t* conn, ws_opcode_t op, const void* data,
                       size_t len) {
  (void) op;
  (void) data;
  ASSERT_EQ(5, len);
  echoed++;
  ASSERT_EQ(0, ws_conn_close(conn, 1000, NULL, 0));
}

static void on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  ASSERT_EQ(1, info->clean);
  closed++;
}

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  ASSERT(error == WS_EBADSTATUS || error == UV_ECONNREFUSED);
  failed++;
}

static void on_log(void* data, ws_log_level_t level, ws_conn_t* conn,
                   const char* peer, const char* message) {
  (void) data;
  (void) conn;
  (void) peer;
  if (level == WS_LOG_WARN &&
      strcmp(message, "handshake failed: bad_response (WS_EBADSTATUS)") == 0)
    warned++;
}

int main(void) {
  ws_client_options_t copts;
  ws_client_callbacks_t ccb;
  ws_server_callbacks_t scb;
  ws_server_t* server;
  ws_client_t* client;
  ws_stats_t ss;
  ws_stats_t cs;
  uv_tcp_t spare;
  uv_loop_t loop;
  char url[64];
  int closed_port;
  struct sockaddr_in addr;
  int len;

  ASSERT_EQ(0, uv_loop_init(&loop));
  scb = harness_callbacks();
  scb.on_handshake = refuse_nope;
  server = harness_server(&loop, NULL, &scb);
  if (ws_server_stats(server, &ss) == UV_ENOTSUP) {
    harness_close_server(&loop, server);
    return test_skip("built with UVWS_COUNTERS=OFF");
  }
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));

  /* A port nobody listens on: bound, then closed. */
  ASSERT_EQ(0, uv_tcp_init(&loop, &spare));
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", 0, &addr));
  ASSERT_EQ(0, uv_tcp_bind(&spare, (const struct sockaddr*) &addr, 0));
  len = (int) sizeof(addr);
  ASSERT_EQ(0, uv_tcp_getsockname(&spare, (struct sockaddr*) &addr, &len));
  closed_port = ntohs(addr.sin_port);
  uv_close((uv_handle_t*) &spare, NULL);

  ws_client_options_init(&copts);
  copts.log_cb = on_log;
  copts.log_level = WS_LOG_WARN;
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_open;
  ccb.on_message = on_message;
  ccb.on_close = on_close;
  ccb.on_connect_error = on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &copts, &ccb));

  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", closed_port);
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, failed == 1);
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/nope",
           ws_server_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, failed == 2);
  ASSERT_EQ(1, warned);
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, closed == 1 && ws_server_connection_count(server) == 0);

  ASSERT_EQ(0, ws_client_stats(client, &cs));
  ASSERT_EQ(0, ws_server_stats(server, &ss));
  ASSERT_UINT64_EQ(3, cs.connections_accepted);
  ASSERT_UINT64_EQ(1, cs.handshakes);
  ASSERT_UINT64_EQ(1, cs.handshake_failures[WS_HANDSHAKE_CLOSED]);
  ASSERT_UINT64_EQ(1, cs.handshake_failures[WS_HANDSHAKE_BAD_RESPONSE]);
  ASSERT_UINT64_EQ(1, cs.connections_closed);
  ASSERT_UINT64_EQ(0, cs.connections_open);
  ASSERT_UINT64_EQ(1, cs.messages_out);
  ASSERT_UINT64_EQ(1, cs.messages_in);
  ASSERT_UINT64_EQ(1, cs.frames_out[WS_FRAME_TEXT]);
  ASSERT_UINT64_EQ(1, cs.frames_out[WS_FRAME_CLOSE]);
  ASSERT_UINT64_EQ(1, cs.frames_in[WS_FRAME_CLOSE]);
  ASSERT_UINT64_EQ(1, cs.close_codes_sent[0]);
  ASSERT_UINT64_EQ(1, cs.close_codes_received[0]);
  /* What one side wrote, the other read. */
  ASSERT_UINT64_EQ(ss.bytes_in, cs.bytes_out);
  ASSERT_UINT64_EQ(ss.bytes_out, cs.bytes_in);
  ASSERT_UINT64_EQ(1, ss.refused_by_status[403 - 400]);

  ws_client_close(client, NULL);
  harness_close_server(&loop, server);
  return 0;
}
