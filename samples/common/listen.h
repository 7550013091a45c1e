/* Listening the way the servers among the samples do: plaintext, or TLS
 * with --tls-cert/--tls-key, and the line the tests read. */
#ifndef SAMPLES_LISTEN_H
#define SAMPLES_LISTEN_H

#include "uvws.h"

/* Listens on host and port, over TLS if cert and key are both set (else
 * both are NULL). Returns 0, or an error it has reported on stderr. */
int sample_listen(ws_server_t* server, const char* host, int port,
                  const char* cert, const char* key);

/* Prints "listening on ws://HOST:PORT/" (wss:// with tls) on stdout, once
 * the program is ready for signals: the tests start from that line. */
void sample_print_listening(const char* host, int port, int tls);

#endif /* SAMPLES_LISTEN_H */
