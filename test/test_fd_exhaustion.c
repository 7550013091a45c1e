/* Running out of file descriptors: with RLIMIT_NOFILE at 64, clients
 * connect until none can. Failed accepts are survived, and once
 * descriptors free up the listener serves again. */
#include "raw_client.h"

#ifndef _WIN32
#include <sys/resource.h>
#endif

#define CLIENTS 80

static raw_client_t clients[CLIENTS];

int main(void) {
  static const char echo[] = "\x81\x05" "again";
  struct sockaddr_in addr;
  unsigned char frame[32];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  raw_client_t fresh;
  uv_loop_t loop;
  uint64_t until;
  int connecting;
  int inited;
  int port;
  int i;
  size_t n;
#ifndef _WIN32
  struct rlimit lim;

  ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &lim));
  lim.rlim_cur = 64;
  ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
#else
  return test_skip("no RLIMIT_NOFILE here");
#endif

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  port = ws_server_port(server);
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", port, &addr));

  connecting = 0;
  for (inited = 0; inited < CLIENTS; inited++) {
    i = inited;
    memset(&clients[i], 0, sizeof(clients[i]));
    ASSERT_EQ(0, uv_tcp_init(&loop, &clients[i].tcp));
    clients[i].tcp.data = &clients[i];
    clients[i].connect_req.data = &clients[i];
    if (uv_tcp_connect(&clients[i].connect_req, &clients[i].tcp,
                       (const struct sockaddr*) &addr,
                       raw__connected) != 0) {
      inited++;
      break; /* out of descriptors on the client side too */
    }
    connecting++;
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  ASSERT_LT(connecting, CLIENTS);
  /* Give the server time to meet EMFILE on accept. */
  until = uv_hrtime() + 300 * 1000000ULL;
  while (uv_hrtime() < until)
    uv_run(&loop, UV_RUN_NOWAIT);
  for (i = 0; i < inited; i++)
    raw_close(&clients[i]);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);

  raw_connect(&loop, &fresh, "127.0.0.1", port);
  raw_start_reading(&fresh);
  raw_handshake(&fresh);
  n = harness_frame(frame, 0, 1, 1, "again", 5);
  raw_write(&fresh, frame, n);
  RUN_UNTIL(&loop, raw_has(&fresh, echo, sizeof(echo) - 1));
  raw_close(&fresh);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  return 0;
}
