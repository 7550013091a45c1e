/* Past max_connections a client gets 503 and is closed; the server keeps
 * serving the connections it has, and accepts again once one leaves. */
#include "raw_client.h"

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t a;
  raw_client_t b;
  raw_client_t c;
  uv_loop_t loop;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_connections = 1;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  raw_connect(&loop, &a, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&a);
  raw_handshake(&a);
  RUN_UNTIL(&loop, harness.open_count == 1);

  raw_connect(&loop, &b, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&b);
  raw_handshake(&b);
  RUN_UNTIL(&loop, b.eof);
  ASSERT_GT(b.in_len, 12);
  ASSERT_MEM_EQ("HTTP/1.1 503", b.in, 12);
  ASSERT_EQ(1, harness.open_count);

  raw_close(&a);
  raw_close(&b);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  raw_connect(&loop, &c, "127.0.0.1", ws_server_port(server));
  raw_start_reading(&c);
  raw_handshake(&c);
  RUN_UNTIL(&loop, harness.open_count == 2);
  raw_close(&c);
  RUN_UNTIL(&loop, harness.close_count == 2);
  harness_close_server(&loop, server);
  return 0;
}
