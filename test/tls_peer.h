/* A TLS client made by hand for the TLS tests: OpenSSL over a raw_client_t
 * through memory BIOs, so that a test controls every record (what it
 * offers, renegotiation, where it stops). */
#ifndef UVWS_TEST_TLS_PEER_H
#define UVWS_TEST_TLS_PEER_H

#include "raw_client.h"
#include "tls_certs.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

typedef struct {
  raw_client_t raw;
  SSL_CTX* ctx;
  SSL* ssl;
  BIO* in;            /* ciphertext from the server, for OpenSSL */
  BIO* out;           /* ciphertext OpenSSL made, for the server */
  size_t fed;         /* bytes of raw.in given to OpenSSL */
  unsigned char* plain; /* what OpenSSL decrypted */
  size_t plain_len;
  int failed;         /* OpenSSL failed (an alert, a bad record) */
  int closed_notify;  /* the server's close_notify arrived */
} tls_peer_t;

/* A client context that trusts nothing and checks nothing: these tests
 * look at what the server does. */
static inline SSL_CTX* tls_peer_ctx(void) {
  SSL_CTX* ctx;

  ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_NOT_NULL(ctx);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  return ctx;
}

/* Sends what OpenSSL wrote. */
static inline void tls_peer_send(tls_peer_t* p) {
  char buf[16384];
  int n;

  while ((n = BIO_read(p->out, buf, sizeof(buf))) > 0)
    raw_write(&p->raw, buf, (size_t) n);
}

/* Feeds what arrived, reads what it decrypts, and sends the answers. */
static inline void tls_peer_pump(tls_peer_t* p) {
  unsigned char buf[16384];
  int n;
  int e;

  if (p->raw.in_len > p->fed) {
    ASSERT_EQ(p->raw.in_len - p->fed,
              BIO_write(p->in, p->raw.in + p->fed,
                        (int) (p->raw.in_len - p->fed)));
    p->fed = p->raw.in_len;
  }
  while (!p->failed) {
    n = SSL_read(p->ssl, buf, sizeof(buf));
    if (n > 0) {
      p->plain = realloc(p->plain, p->plain_len + (size_t) n);
      ASSERT_NOT_NULL(p->plain);
      memcpy(p->plain + p->plain_len, buf, (size_t) n);
      p->plain_len += (size_t) n;
      continue;
    }
    e = SSL_get_error(p->ssl, n);
    if (e == SSL_ERROR_ZERO_RETURN)
      p->closed_notify = 1;
    else if (e != SSL_ERROR_WANT_READ)
      p->failed = 1;
    ERR_clear_error();
    break;
  }
  tls_peer_send(p);
}

/* Connects to port and starts the handshake (sni may be NULL); ctx is
 * taken (freed by tls_peer_close()). */
static inline void tls_peer_connect(tls_peer_t* p, uv_loop_t* loop,
                                    int port, SSL_CTX* ctx,
                                    const char* sni) {
  memset(p, 0, sizeof(*p));
  raw_connect(loop, &p->raw, "127.0.0.1", port);
  raw_start_reading(&p->raw);
  p->ctx = ctx;
  p->ssl = SSL_new(ctx);
  ASSERT_NOT_NULL(p->ssl);
  p->in = BIO_new(BIO_s_mem());
  p->out = BIO_new(BIO_s_mem());
  ASSERT(p->in != NULL && p->out != NULL);
  SSL_set_bio(p->ssl, p->in, p->out);
  SSL_set_connect_state(p->ssl);
  if (sni != NULL)
    ASSERT_EQ(1, SSL_set_tlsext_host_name(p->ssl, sni));
  SSL_do_handshake(p->ssl);
  ERR_clear_error();
  tls_peer_send(p);
}

/* Runs the loop until the handshake is done (or failed). */
static inline void tls_peer_handshake(tls_peer_t* p, uv_loop_t* loop) {
  while (!SSL_is_init_finished(p->ssl) && !p->failed && !p->raw.eof) {
    uv_run(loop, UV_RUN_ONCE);
    tls_peer_pump(p);
  }
}

static inline void tls_peer_write(tls_peer_t* p, const void* data,
                                  size_t len) {
  ASSERT_EQ((int) len, SSL_write(p->ssl, data, (int) len));
  tls_peer_send(p);
}

/* The WebSocket upgrade over TLS; runs the loop until the 101. */
static inline void tls_peer_upgrade(tls_peer_t* p, uv_loop_t* loop) {
  tls_peer_write(p, HARNESS_UPGRADE, sizeof(HARNESS_UPGRADE) - 1);
  while (p->plain_len < 12 && !p->failed && !p->raw.eof) {
    uv_run(loop, UV_RUN_ONCE);
    tls_peer_pump(p);
  }
  ASSERT(p->plain_len >= 12);
  ASSERT_MEM_EQ("HTTP/1.1 101", p->plain, 12);
}

static inline void tls_peer_close(tls_peer_t* p) {
  if (!p->raw.closed && !uv_is_closing((uv_handle_t*) &p->raw.tcp))
    raw_close(&p->raw);
  SSL_free(p->ssl);
  SSL_CTX_free(p->ctx);
  free(p->plain);
  p->ssl = NULL;
  p->ctx = NULL;
  p->plain = NULL;
}

/* A server (the harness's echo unless cb says otherwise) with one TLS
 * listener on 127.0.0.1 serving f's certificate. */
static inline ws_server_t* tls_server(uv_loop_t* loop, const tls_files_t* f,
                                      const ws_server_options_t* options,
                                      const ws_server_callbacks_t* cb) {
  ws_server_callbacks_t echo;
  ws_tls_options_t tls;
  ws_server_t* server;

  echo = harness_callbacks();
  server = harness_server(loop, options, cb != NULL ? cb : &echo);
  ws_tls_options_init(&tls);
  tls.cert_file = f->cert;
  tls.key_file = f->key;
  ASSERT_EQ(0, ws_server_listen_tls(server, "127.0.0.1", 0, &tls));
  return server;
}

#endif /* UVWS_TEST_TLS_PEER_H */
