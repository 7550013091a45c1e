/* drain_low_water must be below max_queued_bytes: servers and clients
 * refuse other values with WS_EINVAL when they are made; 0 means a
 * quarter of max_queued_bytes. */
#include "uvws_int.h"

#include "test.h"

int main(void) {
  ws_server_options_t options;
  ws_client_options_t client_options;
  ws_server_t* server;
  ws_client_t* client;
  uv_loop_t loop;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  ASSERT_EQ(0, options.drain_low_water);
  options.max_queued_bytes = 1000;
  options.drain_low_water = 1000;
  ASSERT_EQ(WS_EINVAL, ws_server_new(&server, &loop, &options, NULL));
  options.drain_low_water = 5000;
  ASSERT_EQ(WS_EINVAL, ws_server_new(&server, &loop, &options, NULL));

  ws_client_options_init(&client_options);
  ASSERT_EQ(0, client_options.drain_low_water);
  client_options.max_queued_bytes = 1000;
  client_options.drain_low_water = 1000;
  ASSERT_EQ(WS_EINVAL, ws_client_new(&client, &loop, &client_options, NULL));

  /* Just below is accepted... */
  options.drain_low_water = 999;
  ASSERT_EQ(0, ws_server_new(&server, &loop, &options, NULL));
  ASSERT_EQ(999, server->hub.drain_low_water);
  ws_server_close(server, NULL);
  client_options.drain_low_water = 999;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &client_options, NULL));
  ws_client_close(client, NULL);

  /* ... and 0 is a quarter of the limit. */
  options.drain_low_water = 0;
  ASSERT_EQ(0, ws_server_new(&server, &loop, &options, NULL));
  ASSERT_EQ(250, server->hub.drain_low_water);
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
