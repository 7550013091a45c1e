/* Writing to a peer that has gone raises SIGPIPE on POSIX systems, whose
 * default action kills the process, and libuv leaves it so. The first
 * server or client of the process therefore sets SIGPIPE to be ignored if
 * it is at its default; later ones leave whatever the program chose. */
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
  ASSERT(signal(SIGPIPE, handler) == SIG_IGN);

  /* The program's own handler stays, and so does a default it restores. */
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, NULL));
  ASSERT(signal(SIGPIPE, SIG_DFL) == handler);
  ws_server_close(server, NULL);
  ASSERT_EQ(0, ws_server_new(&server, &loop, NULL, NULL));
  ASSERT(signal(SIGPIPE, SIG_DFL) == SIG_DFL);
  ws_server_close(server, NULL);
  ws_client_close(client, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
#endif
  return 0;
}
