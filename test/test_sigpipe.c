/* Writing to a peer that has gone raises SIGPIPE on POSIX systems, whose
 * default action kills the process, and libuv leaves it so. A server or a
 * client therefore sets SIGPIPE to be ignored when it is at its default;
 * a disposition the program chose is left alone. */
#include <signal.h>

#include "test.h"
#include "uvws.h"

#ifdef SIGPIPE
static void handler(int signum) {
  (void) signum;
}
#endif

int main(void) {
#ifdef SIGPIPE
  ws_server_t* server;
  ws_client_t* client;
  uv_loop_t loop;

  ASSERT_EQ(0, uv_loop_init(&loop));
  signal(SIGPIPE, SIG_DFL);
  ASSERT_EQ(0, ws_server_new(&server, &loop, NULL, NULL));
  ASSERT(signal(SIGPIPE, SIG_DFL) == SIG_IGN);
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, NULL));
  ASSERT(signal(SIGPIPE, handler) == SIG_IGN);
  ws_server_close(server, NULL);
  ws_client_close(client, NULL);

  /* The program's own handler stays. */
  ASSERT_EQ(0, ws_server_new(&server, &loop, NULL, NULL));
  ASSERT(signal(SIGPIPE, SIG_DFL) == handler);
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
#endif
  return 0;
}
