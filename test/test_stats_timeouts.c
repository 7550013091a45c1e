/* Each timeout is counted once, by kind: a silent peer's handshake, an
 * idle connection (closed with 1001), a peer that never answers a ping,
 * and one that never answers our close. */
#include "raw_client.h"

static ws_conn_t* opened;

static void keep_open(ws_conn_t* conn) {
  harness.open_count++;
  opened = conn;
}

/* A server with these timeouts, and one raw client that sends upgrade
 * (if any) and reads until the server drops it. */
static void run(const ws_server_options_t* options, int upgrade,
                int close_it, ws_stats_t* s) {
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t c;
  uv_loop_t loop;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  cb.on_open = keep_open;
  server = harness_server(&loop, options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &c, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&c);
  if (upgrade)
    raw_handshake(&c);
  if (close_it) {
    RUN_UNTIL(&loop, harness.open_count == 1);
    ASSERT_EQ(0, ws_conn_close(opened, 1000, NULL, 0));
  }
  RUN_UNTIL(&loop, c.eof);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  ASSERT_EQ(0, ws_server_stats(server, s));
  raw_close(&c);
  harness_close_server(&loop, server);
}

static ws_server_options_t quiet(void) {
  ws_server_options_t o;

  ws_server_options_init(&o);
  o.handshake_timeout = 0;
  o.ping_interval = 0;
  o.close_timeout = 0;
  return o;
}

int main(void) {
  ws_server_options_t o;
  ws_stats_t s;
  uv_loop_t loop;
  ws_server_t* server;

  ASSERT_EQ(0, uv_loop_init(&loop));
  server = harness_server(&loop, NULL, NULL);
  if (ws_server_stats(server, &s) == UV_ENOTSUP) {
    harness_close_server(&loop, server);
    return test_skip("built with UVWS_COUNTERS=OFF");
  }
  harness_close_server(&loop, server);

  o = quiet();
  o.handshake_timeout = 100;
  run(&o, 0, 0, &s);
  ASSERT_UINT64_EQ(1, s.handshake_failures[WS_HANDSHAKE_TIMEOUT]);
  ASSERT_UINT64_EQ(0, s.idle_timeouts + s.pong_timeouts + s.close_timeouts);

  o = quiet();
  o.idle_timeout = 100;
  o.close_timeout = 100;
  run(&o, 1, 0, &s);
  ASSERT_UINT64_EQ(1, s.idle_timeouts);
  ASSERT_UINT64_EQ(1, s.close_codes_sent[1001 - 1000]);
  /* Nor did it answer that close. */
  ASSERT_UINT64_EQ(1, s.close_timeouts);
  ASSERT_UINT64_EQ(0, s.pong_timeouts);

  o = quiet();
  o.ping_interval = 100;
  o.pong_timeout = 100;
  run(&o, 1, 0, &s);
  ASSERT_UINT64_EQ(1, s.pong_timeouts);
  ASSERT_UINT64_EQ(1, s.frames_out[WS_FRAME_PING]);
  ASSERT_UINT64_EQ(0, s.idle_timeouts + s.close_timeouts);

  o = quiet();
  o.close_timeout = 100;
  run(&o, 1, 1, &s);
  ASSERT_UINT64_EQ(1, s.close_timeouts);
  ASSERT_UINT64_EQ(1, s.close_codes_sent[0]);
  ASSERT_UINT64_EQ(0, s.idle_timeouts + s.pong_timeouts);
  ASSERT_UINT64_EQ(0, s.handshake_failures[WS_HANDSHAKE_TIMEOUT]);
  return 0;
}
