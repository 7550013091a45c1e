/* ws_server_listen() takes a host name: "localhost" with port 0 listens on
 * every address the name resolves to, all on one port, and serves each of
 * them; a name that does not resolve returns libuv's lookup error (a
 * UV_EAI_ code), and an empty name WS_EINVAL. Where localhost has no IPv6
 * address (or the host no ::1), the IPv6 part is skipped: the test runs
 * the rest and then reports itself skipped. */
#include "raw_client.h"

/* Whether name resolves to an address of family, as the server sees it. */
static int resolves_to(uv_loop_t* loop, const char* name, int family) {
  struct addrinfo hints;
  struct addrinfo* ai;
  uv_getaddrinfo_t req;
  int found;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (uv_getaddrinfo(loop, &req, NULL, name, NULL, &hints) != 0)
    return 0;
  found = 0;
  for (ai = req.addrinfo; ai != NULL; ai = ai->ai_next)
    if (ai->ai_family == family)
      found = 1;
  uv_freeaddrinfo(req.addrinfo);
  return found;
}

static int ipv6_loopback(uv_loop_t* loop) {
  struct sockaddr_in6 addr;
  uv_tcp_t tcp;
  int r;

  ASSERT_EQ(0, uv_ip6_addr("::1", 0, &addr));
  ASSERT_EQ(0, uv_tcp_init(loop, &tcp));
  r = uv_tcp_bind(&tcp, (const struct sockaddr*) &addr, 0);
  uv_close((uv_handle_t*) &tcp, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
  return r == 0;
}

/* A handshake and an echo over ip:port, then the client goes. */
static void echo_over(uv_loop_t* loop, const char* ip, int port) {
  static const char echo[] = "\x81\x02hi";
  unsigned char frame[32];
  raw_client_t c;
  int closes;
  size_t n;

  closes = harness.close_count;
  raw_connect(loop, &c, ip, port);
  raw_start_reading(&c);
  raw_handshake(&c);
  n = harness_frame(frame, 0, 1, 1, "hi", 2);
  raw_write(&c, frame, n);
  RUN_UNTIL(loop, raw_has(&c, echo, sizeof(echo) - 1));
  raw_close(&c);
  RUN_UNTIL(loop, harness.close_count == closes + 1);
}

int main(void) {
  ws_server_callbacks_t cb;
  ws_server_t* server;
  uv_loop_t loop;
  int ipv6;
  int port;
  int r;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "localhost", 0));
  port = ws_server_port(server);
  ASSERT_GT(port, 0);
  echo_over(&loop, "127.0.0.1", port);

  ipv6 = resolves_to(&loop, "localhost", AF_INET6) && ipv6_loopback(&loop);
  if (ipv6)
    echo_over(&loop, "::1", port);

  r = ws_server_listen(server, "no-such-host.invalid", 0);
  ASSERT_EQ(0, strncmp(ws_err_name(r), "EAI_", 4));
  ASSERT_EQ(WS_EINVAL, ws_server_listen(server, "", 0));
  ASSERT_EQ(port, ws_server_port(server));
  harness_close_server(&loop, server);
  if (!ipv6)
    return test_skip("localhost has no IPv6 address here: IPv6 part not run");
  return 0;
}
