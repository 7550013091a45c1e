/* uvws-cat: a WebSocket client for the command line (and, with --listen,
 * a server), built on the public uvws API only. `uvws-cat --help` and
 * README.md describe it. */
#include <stdarg.h>
#include <stdio.h>

#include <uv.h>

#include "cat.h"

void cat_note(const cat_config_t* config, const char* fmt, ...) {
  va_list ap;

  if (config->quiet)
    return;
  fprintf(stderr, "uvws-cat: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

void cat_error(const char* fmt, ...) {
  va_list ap;

  fprintf(stderr, "uvws-cat: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int main(int argc, char** argv) {
  cat_config_t config;
  uv_loop_t loop;
  int status;
  int err;

  status = cat_parse_args(argc, argv, &config);
  if (status >= 0)
    return status;
  err = uv_loop_init(&loop);
  if (err != 0) {
    cat_error("uv_loop_init: %s", uv_strerror(err));
    return CAT_EXIT_FAILURE;
  }
  if (config.listen_port >= 0)
    status = cat_listen_run(&loop, &config);
  else
    status = cat_client_run(&loop, &config);
  err = uv_loop_close(&loop);
  if (err != 0) {
    cat_error("uv_loop_close: %s", uv_strerror(err));
    return CAT_EXIT_FAILURE;
  }
  return status;
}
