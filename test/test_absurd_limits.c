/* Limits so large that arithmetic on them could wrap are refused when the
 * server is made, not discovered later as a wrong close code. */
#include "test.h"
#include "uvws.h"

#include <stdint.h>

int main(void) {
  ws_server_options_t options;
  ws_client_options_t client_options;
  ws_server_t* server;
  ws_client_t* client;
  uv_loop_t loop;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_message_size = SIZE_MAX;
  ASSERT_EQ(WS_EINVAL, ws_server_new(&server, &loop, &options, NULL));
  options.max_message_size = SIZE_MAX - 13;
  ASSERT_EQ(WS_EINVAL, ws_server_new(&server, &loop, &options, NULL));
  ws_server_options_init(&options);
  options.max_queued_bytes = SIZE_MAX;
  ASSERT_EQ(WS_EINVAL, ws_server_new(&server, &loop, &options, NULL));

  ws_client_options_init(&client_options);
  client_options.max_message_size = SIZE_MAX;
  ASSERT_EQ(WS_EINVAL, ws_client_new(&client, &loop, &client_options, NULL));

  /* The largest accepted limit works. */
  ws_server_options_init(&options);
  options.max_message_size = WS_MAX_LIMIT;
  options.max_queued_bytes = WS_MAX_LIMIT;
  ASSERT_EQ(0, ws_server_new(&server, &loop, &options, NULL));
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
