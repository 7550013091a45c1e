/* SNI: the listener's select_context callback gets the server name each
 * client asks for and picks the certificate served: another context for
 * "other.example", the listener's own for other names and for none. */
#include "tls_peer.h"

#include <openssl/pem.h>

static char seen[64];
static int calls;
static SSL_CTX* other_ctx;

static void* select_context(void* arg, const char* server_name) {
  ASSERT_PTR_EQ(&calls, arg);
  calls++;
  snprintf(seen, sizeof(seen), "%s",
           server_name != NULL ? server_name : "(none)");
  if (server_name != NULL && strcmp(server_name, "other.example") == 0)
    return other_ctx;
  return NULL;
}

static X509* read_cert(const char* path) {
  X509* cert;
  FILE* f;

  f = fopen(path, "r");
  ASSERT_NOT_NULL(f);
  cert = PEM_read_X509(f, NULL, NULL, NULL);
  ASSERT_NOT_NULL(cert);
  fclose(f);
  return cert;
}

/* Connects with sni and says which certificate came. */
static X509* served(uv_loop_t* loop, int port, const char* sni) {
  tls_peer_t peer;
  X509* cert;

  tls_peer_connect(&peer, loop, port, tls_peer_ctx(), sni);
  tls_peer_handshake(&peer, loop);
  tls_peer_upgrade(&peer, loop);
  cert = SSL_get1_peer_certificate(peer.ssl);
  ASSERT_NOT_NULL(cert);
  tls_peer_close(&peer);
  RUN_UNTIL(loop, peer.raw.closed);
  return cert;
}

int main(void) {
  ws_server_callbacks_t cb;
  ws_tls_options_t tls;
  ws_server_t* server;
  tls_files_t own;
  tls_files_t other;
  X509* own_cert;
  X509* other_cert;
  X509* cert;
  uv_loop_t loop;
  int port;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&own);
  tls_files_make_san(&other, "DNS:other.example");
  own_cert = read_cert(own.cert);
  other_cert = read_cert(other.cert);
  other_ctx = SSL_CTX_new(TLS_server_method());
  ASSERT_NOT_NULL(other_ctx);
  ASSERT_EQ(1, SSL_CTX_use_certificate_chain_file(other_ctx, other.cert));
  ASSERT_EQ(1, SSL_CTX_use_PrivateKey_file(other_ctx, other.key,
                                           SSL_FILETYPE_PEM));

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  ws_tls_options_init(&tls);
  tls.cert_file = own.cert;
  tls.key_file = own.key;
  tls.select_context = select_context;
  tls.select_arg = &calls;
  ASSERT_EQ(0, ws_server_listen_tls(server, "127.0.0.1", 0, &tls));
  port = ws_server_tls_port(server);

  cert = served(&loop, port, "other.example");
  ASSERT_STR_EQ("other.example", seen);
  ASSERT_EQ(0, X509_cmp(cert, other_cert));
  X509_free(cert);

  cert = served(&loop, port, "localhost");
  ASSERT_STR_EQ("localhost", seen);
  ASSERT_EQ(0, X509_cmp(cert, own_cert));
  X509_free(cert);

  cert = served(&loop, port, NULL);
  ASSERT_EQ(0, X509_cmp(cert, own_cert));
  X509_free(cert);
  ASSERT_GE(calls, 2);

  RUN_UNTIL(&loop, harness.close_count == 3);
  harness_close_server(&loop, server);
  SSL_CTX_free(other_ctx);
  X509_free(own_cert);
  X509_free(other_cert);
  tls_files_remove(&own);
  tls_files_remove(&other);
  return 0;
}
