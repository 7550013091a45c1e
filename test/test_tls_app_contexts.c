/* Contexts the application configured: a listener serving an SSL_CTX* of
 * the application's (ws_tls_options_t.ssl_ctx) and a client verifying
 * with one (ws_client_options_t.tls_ctx). The client's host name check
 * still applies with the application's context: a certificate for
 * another name is refused with WS_ECERT. */
#include "tls_peer.h"

static int result;
static int done;

static void on_open(ws_conn_t* conn) {
  result = 0;
  done = 1;
  ws_conn_close(conn, 1000, NULL, 0);
}

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  result = error;
  done = 1;
}

static SSL_CTX* server_ctx(const tls_files_t* f) {
  SSL_CTX* ctx;

  ctx = SSL_CTX_new(TLS_server_method());
  ASSERT_NOT_NULL(ctx);
  ASSERT_EQ(1, SSL_CTX_use_certificate_chain_file(ctx, f->cert));
  ASSERT_EQ(1, SSL_CTX_use_PrivateKey_file(ctx, f->key, SSL_FILETYPE_PEM));
  return ctx;
}

static int dial(uv_loop_t* loop, ws_client_t* client, int port) {
  char url[64];

  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/", port);
  done = 0;
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(loop, done);
  return result;
}

/* A server whose one TLS listener serves ctx (its reference dropped: the
 * server keeps its own). */
static ws_server_t* serve(uv_loop_t* loop, SSL_CTX* ctx) {
  ws_tls_options_t tls;
  ws_server_t* server;

  ASSERT_EQ(0, ws_server_new(&server, loop, NULL, NULL));
  ws_tls_options_init(&tls);
  tls.ssl_ctx = ctx;
  ASSERT_EQ(0, ws_server_listen_tls(server, "127.0.0.1", 0, &tls));
  SSL_CTX_free(ctx);
  return server;
}

int main(void) {
  ws_client_options_t options;
  ws_client_callbacks_t cb;
  ws_server_t* server;
  ws_server_t* other_server;
  ws_client_t* client;
  tls_files_t files;
  tls_files_t other;
  SSL_CTX* client_ctx;
  uv_loop_t loop;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  tls_files_make_san(&other, "DNS:other.example");
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = serve(&loop, server_ctx(&files));
  other_server = serve(&loop, server_ctx(&other));

  client_ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_NOT_NULL(client_ctx);
  SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, NULL);
  ASSERT_EQ(1, SSL_CTX_load_verify_locations(client_ctx, files.ca_cert,
                                             NULL));
  ASSERT_EQ(1, SSL_CTX_load_verify_locations(client_ctx, other.ca_cert,
                                             NULL));
  ws_client_options_init(&options);
  options.tls_ctx = client_ctx;
  memset(&cb, 0, sizeof(cb));
  cb.on_open = on_open;
  cb.on_connect_error = on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &options, &cb));
  SSL_CTX_free(client_ctx); /* the client holds its own reference */

  /* Both CAs are trusted; only the first certificate names 127.0.0.1. */
  ASSERT_EQ(0, dial(&loop, client, ws_server_tls_port(server)));
  ASSERT_EQ(WS_ECERT, dial(&loop, client, ws_server_tls_port(other_server)));

  ws_client_close(client, NULL);
  ws_server_close(other_server, NULL);
  harness_close_server(&loop, server);
  tls_files_remove(&files);
  tls_files_remove(&other);
  return 0;
}
