/* permessage-deflate is counted on both sides: what one side deflated
 * (messages, bytes before and after) is what the other inflated. Messages
 * under the threshold, and those that would not shrink, go plain and are
 * not counted. */
#include "raw_client.h"

#ifdef UVWS_HAVE_ZLIB
#define JSON_MESSAGES 10
#define JSON_SIZE 3000
#define NOISE_SIZE 2000

static ws_client_t* client;
static int received;
static int closed;

static void server_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                              const void* data, size_t len) {
  ASSERT_EQ(0, ws_conn_send(conn, opcode, data, len));
}

static void client_on_open(ws_conn_t* conn) {
  char json[JSON_SIZE];
  unsigned char noise[NOISE_SIZE];
  uint32_t x;
  size_t n;
  int i;

  ASSERT(conn->pmd);
  for (i = 0; i < JSON_MESSAGES; i++) {
    n = (size_t) snprintf(json, sizeof(json), "{\"n\":%d,\"text\":\"", i);
    memset(json + n, 'a' + i, sizeof(json) - n - 2);
    memcpy(json + sizeof(json) - 2, "\"}", 2);
    ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, json, sizeof(json)));
  }
  /* Bytes deflate cannot shrink. */
  x = 2463534242u;
  for (n = 0; n < sizeof(noise); n++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    noise[n] = (unsigned char) x;
  }
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_BINARY, noise, sizeof(noise)));
  /* Under the threshold (64). */
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "short", 5));
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t opcode,
                              const void* data, size_t len) {
  (void) opcode;
  (void) data;
  (void) len;
  if (++received == JSON_MESSAGES + 2)
    ws_conn_close(conn, 1000, NULL, 0);
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  ASSERT_EQ(1000, info->code);
  closed = 1;
}
#endif

int main(void) {
#ifndef UVWS_HAVE_ZLIB
  return test_skip("built without zlib");
#else
  ws_server_callbacks_t scb;
  ws_client_callbacks_t ccb;
  ws_server_options_t so;
  ws_client_options_t co;
  ws_server_t* server;
  ws_stats_t ss;
  ws_stats_t cs;
  uv_loop_t loop;
  char url[64];

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&so);
  so.deflate = 1;
  memset(&scb, 0, sizeof(scb));
  scb.on_message = server_on_message;
  ASSERT_EQ(0, ws_server_new(&server, &loop, &so, &scb));
  if (ws_server_stats(server, &ss) == UV_ENOTSUP) {
    ws_server_close(server, NULL);
    ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
    ASSERT_EQ(0, uv_loop_close(&loop));
    return test_skip("built with UVWS_COUNTERS=OFF");
  }
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  ws_client_options_init(&co);
  co.deflate = 1;
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = client_on_open;
  ccb.on_message = client_on_message;
  ccb.on_close = client_on_close;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &co, &ccb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, closed);
  ASSERT_EQ(0, ws_server_stats(server, &ss));
  ASSERT_EQ(0, ws_client_stats(client, &cs));

  /* The JSON messages went compressed each way; nothing else did. */
  ASSERT_UINT64_EQ(JSON_MESSAGES, cs.messages_deflated);
  ASSERT_UINT64_EQ(JSON_MESSAGES, ss.messages_inflated);
  ASSERT_UINT64_EQ(JSON_MESSAGES, ss.messages_deflated);
  ASSERT_UINT64_EQ(JSON_MESSAGES, cs.messages_inflated);
  ASSERT_UINT64_EQ(JSON_MESSAGES * JSON_SIZE, cs.deflate_bytes_in);
  ASSERT_UINT64_EQ(JSON_MESSAGES * JSON_SIZE, ss.deflate_bytes_in);
  /* What one side deflated to is what the other read and inflated. */
  ASSERT_UINT64_EQ(cs.deflate_bytes_out, ss.inflate_bytes_in);
  ASSERT_UINT64_EQ(cs.deflate_bytes_in, ss.inflate_bytes_out);
  ASSERT_UINT64_EQ(ss.deflate_bytes_out, cs.inflate_bytes_in);
  ASSERT_UINT64_EQ(ss.deflate_bytes_in, cs.inflate_bytes_out);
  /* Runs of one letter shrink at least tenfold. */
  ASSERT(cs.deflate_bytes_out * 10 < cs.deflate_bytes_in);
  ASSERT(ss.deflate_bytes_out * 10 < ss.deflate_bytes_in);
  /* Every message still counts as a message. */
  ASSERT_UINT64_EQ(JSON_MESSAGES + 2, ss.messages_in);
  ASSERT_UINT64_EQ(JSON_MESSAGES + 2, ss.messages_out);

  ws_client_close(client, NULL);
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
#endif
}
