/* The chat sample slows down a member that asks faster than it reads:
 * once its answers pile up past CHAT_PAUSE_BYTES, the server stops
 * reading it (ws_conn_pause), so its writes block; when it reads, it gets
 * an answer to every request, in order, and stays connected -- it is
 * neither dropped nor closed as a slow consumer. */
#include "chat.h"
#include "raw_client.h"

#define BATCH 2000
#define MAX_REQUESTS 4000000

static ws_server_callbacks_t chat_callbacks;

static size_t answers;
static size_t scanned;

/* Counts the answers read so far, scanning only new bytes. */
static size_t count_answers(const raw_client_t* c, const char* s) {
  size_t n;

  n = strlen(s);
  for (; scanned + n <= c->in_len; scanned++) {
    if (memcmp(c->in + scanned, s, n) == 0)
      answers++;
  }
  return answers;
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
}

int main(void) {
  static const char upgrade[] =
      "GET /ws/lobby?name=alice HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n"
      "\r\n";
  static const char ask[] = "{\"type\":\"members\"}";
  static const char answer[] =
      "{\"type\":\"members\",\"room\":\"lobby\",\"members\":[\"alice\"]}";
  static unsigned char batch[BATCH * 32];
  ws_server_options_t options;
  ws_server_t* server;
  raw_client_t peer;
  uv_timer_t tick;
  uv_loop_t loop;
  uv_buf_t buf;
  chat_t* chat;
  size_t requests;
  size_t len;
  uint64_t start;
  int blocked;
  int r;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, uv_timer_init(&loop, &tick));
  ASSERT_EQ(0, uv_timer_start(&tick, on_tick, 10, 10));
  ASSERT_EQ(0, chat_new(&chat));
  /* The sample's own settings (samples/chat/main.c). */
  ws_server_options_init(&options);
  options.max_message_size = CHAT_MAX_MESSAGE_SIZE;
  options.max_queued_bytes = 4 * 1024 * 1024;
  options.slow_policy = WS_SLOW_CLOSE;
  options.drain_low_water = CHAT_PAUSE_BYTES;
  memset(&chat_callbacks, 0, sizeof(chat_callbacks));
  chat_set_callbacks(&chat_callbacks);
  ASSERT_EQ(0, ws_server_new(&server, &loop, &options, &chat_callbacks));
  ws_server_set_data(server, chat);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));

  raw_connect(&loop, &peer, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&peer);
  raw_write(&peer, upgrade, sizeof(upgrade) - 1);
  RUN_UNTIL(&loop, raw_has(&peer, "\"type\":\"join\"", 13));
  ASSERT_EQ(0, uv_read_stop((uv_stream_t*) &peer.tcp));

  /* Ask, and do not read, until the socket takes no more. */
  requests = 0;
  blocked = 0;
  while (!blocked) {
    ASSERT_LT(requests, MAX_REQUESTS);
    for (len = 0, i = 0; i < BATCH; i++)
      len = harness_frame(batch, len, 1, WS_OP_TEXT, ask, sizeof(ask) - 1);
    requests += BATCH;
    buf = uv_buf_init((char*) batch, (unsigned int) len);
    r = uv_try_write((uv_stream_t*) &peer.tcp, &buf, 1);
    if (r == UV_EAGAIN)
      r = 0;
    ASSERT_GE(r, 0);
    if ((size_t) r < len) {
      raw_write(&peer, batch + r, len - (size_t) r);
      blocked = 1;
    }
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  /* Still held back a while later, and still a member. */
  start = uv_hrtime();
  while (uv_hrtime() - start < 200 * 1000000u)
    uv_run(&loop, UV_RUN_ONCE);
  ASSERT_GT(peer.tcp.write_queue_size, 0);
  ASSERT_EQ(1, ws_server_connection_count(server));

  /* Reading: one answer per request (after the member list that came
   * with the join), and the connection stays. */
  raw_start_reading(&peer);
  RUN_UNTIL_LONG(&loop, peer.tcp.write_queue_size == 0 &&
                            count_answers(&peer, answer) == 1 + requests,
                 20);
  printf("%zu requests answered\n", requests);
  ASSERT_EQ(0, raw_has(&peer, "\x88", 1)); /* no close frame */
  ASSERT_EQ(1, ws_server_connection_count(server));

  uv_close((uv_handle_t*) &tick, NULL);
  raw_close(&peer);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  chat_free(chat);
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
