#include "listen.h"

#include <stdio.h>
#include <string.h>

int sample_listen(ws_server_t* server, const char* host, int port,
                  const char* cert, const char* key) {
  ws_tls_options_t tls;
  int err;

  if (cert != NULL) {
    ws_tls_options_init(&tls);
    tls.cert_file = cert;
    tls.key_file = key;
    err = ws_server_listen_tls(server, host, port, &tls);
  } else {
    err = ws_server_listen(server, host, port);
  }
  if (err != 0)
    fprintf(stderr, "listen on %s port %d: %s\n", host, port,
            ws_strerror(err));
  return err;
}

void sample_print_listening(const char* host, int port, int tls) {
  const char* scheme;

  scheme = tls ? "wss" : "ws";
  if (strchr(host, ':') != NULL)
    printf("listening on %s://[%s]:%d/\n", scheme, host, port);
  else
    printf("listening on %s://%s:%d/\n", scheme, host, port);
  fflush(stdout);
}
