/* Linked for each cross target by scripts/cross.sh, from libuv, an llhttp of
 * its own and uvws's static library (whose llhttp has names of its own), to
 * show that they link for that target: a libuv TCP listener, an HTTP
 * request through the program's llhttp, and the uvws functions that do not
 * need wslay (which is not at hand to link: see CMakeLists.txt).
 * With wslay's sources, the real tests run instead (docs/cross-compiling.md).
 * It also runs, for what it is worth, under Wine or on a Mac. */
#include <stdio.h>
#include <string.h>

#include <llhttp.h>
#include <uv.h>
#include <uvws.h>

static int on_url(llhttp_t* parser, const char* at, size_t len) {
  (void) parser;
  return len == 4 && memcmp(at, "/app", 4) == 0 ? 0 : -1;
}

int main(void) {
  static const char request[] =
      "GET /app HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\n\r\n";
  llhttp_settings_t settings;
  llhttp_t parser;
  uv_loop_t loop;
  uv_tcp_t tcp;
  struct sockaddr_in addr;
  int err;

  llhttp_settings_init(&settings);
  settings.on_url = on_url;
  llhttp_init(&parser, HTTP_REQUEST, &settings);
  err = llhttp_execute(&parser, request, sizeof(request) - 1);
  if (err != HPE_PAUSED_UPGRADE) {
    fprintf(stderr, "llhttp: %s\n", llhttp_errno_name((llhttp_errno_t) err));
    return 1;
  }

  if (uv_loop_init(&loop) != 0 || uv_tcp_init(&loop, &tcp) != 0 ||
      uv_ip4_addr("127.0.0.1", 0, &addr) != 0 ||
      uv_tcp_bind(&tcp, (const struct sockaddr*) &addr, 0) != 0) {
    fprintf(stderr, "libuv: cannot bind a TCP handle\n");
    return 1;
  }
  uv_close((uv_handle_t*) &tcp, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) {
    return 1;
  }

  if (ws_version() != UVWS_VERSION_HEX) {
    return 1;
  }
  printf("uvws %s (%s, %s) with libuv %s\n", ws_version_string(),
         ws_err_name(WS_EPROTO), ws_strerror(UV_EPIPE), uv_version_string());
  return 0;
}
