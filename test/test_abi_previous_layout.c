/* A program built against an earlier header passes its options and
 * callbacks with the sizes it knew: the library reads those bytes, gives
 * later fields their defaults, and never writes past them. The structs
 * below are frozen copies of uvws 0.2's, the first layout passed by size;
 * later versions only append fields. */
#include "harness.h"

typedef struct {
  size_t max_message_size;
  size_t max_header_size;
  uint64_t handshake_timeout;
  uint64_t idle_timeout;
  uint64_t ping_interval;
  uint64_t pong_timeout;
  uint64_t close_timeout;
  unsigned int max_connections;
  int backlog;
  size_t max_queued_bytes;
  ws_slow_policy_t slow_policy;
} server_options_0_2_t;

typedef struct {
  int (*on_handshake)(ws_conn_t* conn, ws_request_t* request);
  void (*on_open)(ws_conn_t* conn);
  void (*on_message)(ws_conn_t* conn, ws_opcode_t opcode, const void* data,
                     size_t len);
  void (*on_pong)(ws_conn_t* conn, const void* data, size_t len);
  void (*on_close)(ws_conn_t* conn, const ws_close_info_t* info);
  void (*on_http)(ws_conn_t* conn, ws_request_t* request);
} server_callbacks_0_2_t;

typedef struct {
  size_t max_message_size;
  size_t max_header_size;
  uint64_t connect_timeout;
  uint64_t idle_timeout;
  uint64_t ping_interval;
  uint64_t pong_timeout;
  uint64_t close_timeout;
  size_t max_queued_bytes;
} client_options_0_2_t;

/* A struct with guard bytes after it: init must not touch them. */
typedef struct {
  server_options_0_2_t options;
  unsigned char guard[64];
} guarded_t;

int main(void) {
  static const char upgrade[] = HARNESS_UPGRADE;
  unsigned char frame[64];
  unsigned char big[16];
  server_callbacks_0_2_t callbacks;
  client_options_0_2_t client_options;
  ws_server_options_t defaults;
  ws_server_t* server;
  ws_client_t* client;
  ws_conn_t* conn;
  guarded_t g;
  uv_loop_t loop;
  size_t i;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  memset(&harness, 0, sizeof(harness));
  ws_server_options_init(&defaults);

  memset(g.guard, 0xa5, sizeof(g.guard));
  ws_server_options_init_sized((ws_server_options_t*) &g.options,
                               sizeof(g.options));
  for (i = 0; i < sizeof(g.guard); i++)
    ASSERT_EQ(0xa5, g.guard[i]);
  ASSERT_EQ(defaults.max_message_size, g.options.max_message_size);
  ASSERT_EQ(defaults.backlog, g.options.backlog);

  /* The old program's limit holds; fields it did not know get defaults. */
  g.options.max_message_size = 8;
  memset(&callbacks, 0, sizeof(callbacks));
  callbacks.on_message = harness_on_message;
  callbacks.on_close = harness_on_close;
  ASSERT_EQ(0, ws_server_new_sized(&server, &loop,
                                   (const ws_server_options_t*) &g.options,
                                   sizeof(g.options),
                                   (const ws_server_callbacks_t*) &callbacks,
                                   sizeof(callbacks)));
  ASSERT_EQ(8, server->hub.options.max_message_size);
  ASSERT_EQ(0, memcmp((const char*) &defaults + sizeof(g.options),
                      (const char*) &server->hub.options + sizeof(g.options),
                      sizeof(defaults) - sizeof(g.options)));
  conn = harness_conn(server);
  harness_feed(conn, upgrade, sizeof(upgrade) - 1, 0);
  n = harness_frame(frame, 0, 1, 2, "12345678", 8);
  harness_feed(conn, frame, n, 0);
  memset(big, 'x', sizeof(big));
  n = harness_frame(frame, 0, 1, 2, big, 9);
  harness_feed(conn, frame, n, 0);
  ASSERT_EQ(WS_CLOSE_TOO_BIG, conn->close_code);
  harness_free(conn);
  ASSERT_STR_EQ("B:8|close:1009:unclean|", harness.log);
  ws_server_close(server, NULL);

  /* Sizes below the first layout are not a struct of ours. */
  ASSERT_EQ(WS_EINVAL,
            ws_server_new_sized(&server, &loop, &defaults,
                                WS__SERVER_OPTIONS_MIN - 1, NULL, 0));
  ASSERT_EQ(WS_EINVAL,
            ws_server_new_sized(&server, &loop, NULL, 0,
                                (const ws_server_callbacks_t*) &callbacks,
                                WS__SERVER_CALLBACKS_MIN - 1));

  /* A newer program's struct: unknown fields left zero are fine, set ones
   * are refused rather than ignored. */
  {
    struct {
      ws_server_options_t options;
      uint64_t newer_field;
    } newer;

    ws_server_options_init_sized(&newer.options, sizeof(newer));
    ASSERT_UINT64_EQ(0, newer.newer_field);
    ASSERT_EQ(0, ws_server_new_sized(&server, &loop, &newer.options,
                                     sizeof(newer), NULL, 0));
    ws_server_close(server, NULL);
    newer.newer_field = 1;
    ASSERT_EQ(WS_EINVAL, ws_server_new_sized(&server, &loop, &newer.options,
                                             sizeof(newer), NULL, 0));
  }

  /* A client too. */
  ws_client_options_init_sized((ws_client_options_t*) &client_options,
                               sizeof(client_options));
  client_options.max_message_size = 100;
  ASSERT_EQ(0, ws_client_new_sized(
                   &client, &loop,
                   (const ws_client_options_t*) &client_options,
                   sizeof(client_options), NULL, 0));
  ws_client_close(client, NULL);

  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
