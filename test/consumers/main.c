/* The program every consumer project builds: a server on a loop of its
 * own, listening on 127.0.0.1 and a port the kernel picks, then closed. It
 * proves that the header, the library and its dependencies were found and
 * link, and that closing leaves the loop empty. */
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>
#include <uvws.h>

#define CHECK(expr)                                                           \
  do {                                                                        \
    if (!(expr)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,       \
              #expr);                                                         \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

static int close_cb_called;

static void on_server_closed(ws_server_t* server) {
  (void) server;
  close_cb_called++;
}

int main(void) {
  uv_loop_t loop;
  ws_server_t* server;
  int port;

  /* The header and the library must be the same release. */
  CHECK(ws_version() == UVWS_VERSION_HEX);

  CHECK(uv_loop_init(&loop) == 0);
  CHECK(ws_server_new(&server, &loop, NULL, NULL) == 0);
  CHECK(ws_server_listen(server, "127.0.0.1", 0) == 0);
  port = ws_server_port(server);
  CHECK(port > 0);
  ws_server_close(server, on_server_closed);
  CHECK(uv_run(&loop, UV_RUN_DEFAULT) == 0);
  CHECK(close_cb_called == 1);
  CHECK(uv_loop_close(&loop) == 0);

  printf("uvws %s: listened on 127.0.0.1:%d, closed, loop empty\n",
         ws_version_string(), port);
  return 0;
}
