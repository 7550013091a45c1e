/* A server listens on IPv4 and IPv6 at once and serves both; no host and
 * bad ports are refused with WS_EINVAL, a taken port with libuv's error. */
#include "raw_client.h"

int main(void) {
  static const char echo[] = "\x81\x02v6";
  unsigned char frame[32];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_server_t* other;
  raw_client_t c6;
  uv_loop_t loop;
  int ipv6;
  int port;
  size_t n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(WS_EINVAL, ws_server_port(server));
  ASSERT_EQ(WS_EINVAL, ws_server_listen(server, NULL, 0));
  ASSERT_EQ(WS_EINVAL, ws_server_listen(server, "127.0.0.1", 70000));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  port = ws_server_port(server);
  ipv6 = ws_server_listen(server, "::1", port) == 0;
  if (ipv6) {
    raw_connect(&loop, &c6, "::1", port);
    raw_start_reading(&c6);
    raw_handshake(&c6);
    n = harness_frame(frame, 0, 1, 1, "v6", 2);
    raw_write(&c6, frame, n);
    RUN_UNTIL(&loop, raw_has(&c6, echo, sizeof(echo) - 1));
    raw_close(&c6);
    RUN_UNTIL(&loop, harness.close_count == 1);
  }
  ASSERT_EQ(0, ws_server_new(&other, &loop, NULL, NULL));
  ASSERT_EQ(UV_EADDRINUSE, ws_server_listen(other, "127.0.0.1", port));
  ws_server_close(other, NULL);
  harness_close_server(&loop, server);
  if (!ipv6)
    return test_skip("no IPv6 loopback here (the IPv4 checks passed)");
  return 0;
}
