/* A build without OpenSSL: no TLS, and the calls that need it say so. */
#include "uvws_int.h"

int ws_tls_available(void) {
  return 0;
}

int ws__tls_server_ctx_new(ws__tls_ctx_t** ctx, const ws_tls_options_t* o) {
  (void) o;
  *ctx = NULL;
  return WS_ENOTSUP;
}

int ws__tls_client_ctx_new(ws__tls_ctx_t** ctx, const char* ca_file,
                           void* ssl_ctx) {
  (void) ca_file;
  (void) ssl_ctx;
  *ctx = NULL;
  return WS_ENOTSUP;
}

void ws__tls_ctx_ref(ws__tls_ctx_t* ctx) {
  (void) ctx;
}

void ws__tls_ctx_unref(ws__tls_ctx_t* ctx) {
  (void) ctx;
}

int ws__tls_start(ws_conn_t* conn, ws__tls_ctx_t* ctx, const char* host) {
  (void) conn;
  (void) ctx;
  (void) host;
  return WS_ENOTSUP;
}

int ws_conn_is_tls(const ws_conn_t* conn) {
  (void) conn;
  return 0;
}
