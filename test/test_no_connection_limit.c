/* By default a server sets no connection limit of its own: it takes what
 * the process's descriptors allow (running out is handled, see
 * test_fd_exhaustion). max_connections 0 means no limit. */
#include "raw_client.h"

#define CLIENTS 20

int main(void) {
  static raw_client_t clients[CLIENTS];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  uv_loop_t loop;
  int i;

  ws_server_options_init(&options);
  ASSERT_EQ(0, options.max_connections);
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  for (i = 0; i < CLIENTS; i++) {
    raw_connect(&loop, &clients[i], "127.0.0.1", ws_server_port(server));
    raw_start_reading(&clients[i]);
    raw_handshake(&clients[i]);
  }
  RUN_UNTIL(&loop, harness.open_count == CLIENTS);
  for (i = 0; i < CLIENTS; i++)
    raw_close(&clients[i]);
  RUN_UNTIL(&loop, harness.close_count == CLIENTS);
  harness_close_server(&loop, server);
  return 0;
}
