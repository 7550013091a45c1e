/* Throwaway TLS files for the TLS tests, made with OpenSSL at test time
 * (no private key is ever committed): a CA, and a server certificate it
 * signed for "localhost", 127.0.0.1 and ::1, each with its key, as PEM
 * files in a fresh temporary directory. A test that includes this returns
 * test_skip() when uvws has no TLS (tls_skip_unless_available()). */
#ifndef UVWS_TEST_TLS_CERTS_H
#define UVWS_TEST_TLS_CERTS_H

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uvws.h>

#define TLS_SKIP_UNLESS_AVAILABLE()                                           \
  do {                                                                        \
    if (!ws_tls_available())                                                  \
      return test_skip("uvws was built without TLS");                         \
  } while (0)

#ifdef UVWS_TEST_OPENSSL
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

typedef struct {
  char dir[256];
  char ca_cert[300];
  char ca_key[300];
  char cert[300];   /* the server's, signed by the CA */
  char key[300];
} tls_files_t;

static inline EVP_PKEY* tls__key(void) {
  EVP_PKEY* key;

  key = EVP_EC_gen("P-256");
  ASSERT_NOT_NULL(key);
  return key;
}

static inline void tls__ext(X509* cert, X509* issuer, int nid,
                            const char* value) {
  X509V3_CTX ctx;
  X509_EXTENSION* ext;

  X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  ASSERT_NOT_NULL(ext);
  ASSERT_EQ(1, X509_add_ext(cert, ext, -1));
  X509_EXTENSION_free(ext);
}

/* A certificate for key with common name cn, signed by issuer_key (and
 * named by issuer, NULL for a self-signed one). */
static inline X509* tls__cert(EVP_PKEY* key, const char* cn, X509* issuer,
                              EVP_PKEY* issuer_key, const char* san,
                              long serial) {
  X509_NAME* name;
  X509* cert;

  cert = X509_new();
  ASSERT_NOT_NULL(cert);
  ASSERT_EQ(1, X509_set_version(cert, 2));
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  ASSERT_EQ(1, X509_set_pubkey(cert, key));
  name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             (const unsigned char*) cn, -1, -1, 0);
  ASSERT_EQ(1, X509_set_issuer_name(
                   cert, issuer != NULL ? X509_get_subject_name(issuer)
                                        : name));
  if (issuer == NULL) {
    tls__ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
    tls__ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    tls__ext(cert, cert, NID_subject_key_identifier, "hash");
  } else {
    tls__ext(cert, issuer, NID_basic_constraints, "CA:FALSE");
    tls__ext(cert, issuer, NID_subject_alt_name, san);
    tls__ext(cert, issuer, NID_authority_key_identifier, "keyid");
  }
  ASSERT_LT(0, X509_sign(cert, issuer_key, EVP_sha256()));
  return cert;
}

static inline void tls__write(const char* path, X509* cert, EVP_PKEY* key) {
  FILE* f;

  f = fopen(path, "w");
  ASSERT_NOT_NULL(f);
  if (cert != NULL)
    ASSERT_EQ(1, PEM_write_X509(f, cert));
  if (key != NULL)
    ASSERT_EQ(1, PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL));
  ASSERT_EQ(0, fclose(f));
}

/* Makes the CA and a server certificate for san ("DNS:localhost,..."). */
static inline void tls_files_make_san(tls_files_t* f, const char* san) {
  EVP_PKEY* ca_key;
  EVP_PKEY* key;
  X509* ca;
  X509* cert;
  const char* tmp;

  tmp = getenv("TMPDIR");
  snprintf(f->dir, sizeof(f->dir), "%s/uvws-tls-XXXXXX",
           tmp != NULL ? tmp : "/tmp");
  ASSERT_NOT_NULL(mkdtemp(f->dir));
  snprintf(f->ca_cert, sizeof(f->ca_cert), "%s/ca.pem", f->dir);
  snprintf(f->ca_key, sizeof(f->ca_key), "%s/ca.key", f->dir);
  snprintf(f->cert, sizeof(f->cert), "%s/cert.pem", f->dir);
  snprintf(f->key, sizeof(f->key), "%s/key.pem", f->dir);
  ca_key = tls__key();
  ca = tls__cert(ca_key, "uvws test CA", NULL, ca_key, NULL, 1);
  key = tls__key();
  cert = tls__cert(key, "localhost", ca, ca_key, san, 2);
  tls__write(f->ca_cert, ca, NULL);
  tls__write(f->ca_key, NULL, ca_key);
  tls__write(f->cert, cert, NULL);
  tls__write(f->key, NULL, key);
  X509_free(cert);
  X509_free(ca);
  EVP_PKEY_free(key);
  EVP_PKEY_free(ca_key);
}

static inline void tls_files_make(tls_files_t* f) {
  tls_files_make_san(f, "DNS:localhost,IP:127.0.0.1,IP:::1");
}

static inline void tls_files_remove(tls_files_t* f) {
  remove(f->ca_cert);
  remove(f->ca_key);
  remove(f->cert);
  remove(f->key);
  remove(f->dir);
}
#endif /* UVWS_TEST_OPENSSL */

#endif /* UVWS_TEST_TLS_CERTS_H */
