/* The TLS transport: a connection's bytes through OpenSSL over its own TCP
 * socket. OpenSSL reads and writes through a BIO of ours: it reads the
 * ciphertext libuv read into the hub's shared buffer, and writes into a
 * queue of the connection's that goes out with uv_write(). The plaintext
 * is decrypted into the same shared buffer, in front of the ciphertext
 * still unread, so a connection owns no read buffer. OpenSSL's record
 * buffers are kept while records come and go, and freed once the
 * connection has been idle for WS__TLS_IDLE_MS: an idle connection keeps
 * no record buffer, and a busy one allocates none per record.
 * What it reads and how its writes end go to the hub's ws__io_t, as the
 * stream transport's do. */
#include "uvws_int.h"

#include <stdatomic.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* The largest plaintext of a record (2^14). */
#define WS__TLS_RECORD 16384
/* The largest plaintext of a record and some slack: the shared
 * buffer keeps this much in front of the ciphertext it reads, for the
 * plaintext of a record begun in an earlier read. */
#define WS__TLS_RESERVE (WS__TLS_RECORD + 256)
/* Ciphertext queued before plaintext waits for it to be written. */
#define WS__TLS_OUT_HIGH (64 * 1024)
/* Plaintext given to one SSL_write (four full records). */
#define WS__TLS_CHUNK (4 * WS__TLS_RECORD)
/* Small buffers in a row are gathered into one record of up to this. */
#define WS__TLS_GATHER 4096
#define WS__TLS_MAX_BUFS 16
/* A connection with no record for this long gives its record buffers
 * back (two of about 17 KB). */
#define WS__TLS_IDLE_MS 100

struct ws__tls_ctx_s {
  SSL_CTX* ctx;
  void* (*select_context)(void* arg, const char* server_name);
  void* select_arg;
  atomic_size_t refs;        /* the loops of a server share it */
};

struct ws__tls_s {
  SSL* ssl;
  ws__tls_ctx_t* ctx;
  ws_conn_t* conn;
  ws__outq_t out;            /* ciphertext not yet written */
  uv_write_t req;            /* writes the head of out */
  size_t req_len;            /* ... this many bytes */
  const unsigned char* in;   /* ciphertext OpenSSL reads next */
  size_t in_len;
  uv_buf_t* plain;           /* the plaintext of write(), not yet taken */
  unsigned int plain_count;
  ws__list_t warm_node;      /* in hub->tls_warm while buffers are kept */
  uint64_t last_record;      /* loop time of the last record in or out */
  unsigned int writing : 1;       /* req is in flight */
  unsigned int direct : 1;        /* see ws__tls_bio_write() */
  unsigned int shutdown_wanted : 1; /* uv_shutdown once out is written */
  unsigned int handshake_done : 1;
  unsigned int renegotiating : 1;
  unsigned int failed : 1;        /* a fatal error: no close_notify */
  unsigned int closing : 1;
};

/* ---- The BIO between OpenSSL and the connection's buffers ---- */

/* A record goes straight to the socket if it is the only one of a
 * try_write() and nothing is queued before it; what the socket does not
 * take (or an error, which the flush after meets again) is queued. */
static int ws__tls_bio_write(BIO* bio, const char* data, int len) {
  ws__tls_t* tls;
  uv_buf_t buf;
  size_t left;
  int r;

  tls = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  if (len <= 0)
    return 0;
  left = (size_t) len;
  if (tls->direct && tls->out.bytes == 0 && !tls->writing) {
    buf = uv_buf_init((char*) data, (unsigned int) len);
    r = uv_try_write(ws__conn_stream(tls->conn), &buf, 1);
    if (r > 0) {
      data += r;
      left -= (size_t) r;
    }
  }
  if (left > 0 && ws__outq_append(&tls->out, data, left, NULL, 0) != 0)
    return -1;
  return len;
}

static int ws__tls_bio_read(BIO* bio, char* out, int len) {
  ws__tls_t* tls;
  size_t n;

  tls = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  if (tls->in_len == 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  n = (size_t) len < tls->in_len ? (size_t) len : tls->in_len;
  memcpy(out, tls->in, n);
  tls->in += n;
  tls->in_len -= n;
  return (int) n;
}

static long ws__tls_bio_ctrl(BIO* bio, int cmd, long num, void* ptr) {
  (void) bio;
  (void) num;
  (void) ptr;
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int ws__tls_bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

static BIO_METHOD* ws__tls_bio_method;
static uv_once_t ws__tls_once = UV_ONCE_INIT;

static void ws__tls_init_method(void) {
  BIO_METHOD* m;

  m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "uvws");
  if (m == NULL)
    return;
  BIO_meth_set_write(m, ws__tls_bio_write);
  BIO_meth_set_read(m, ws__tls_bio_read);
  BIO_meth_set_ctrl(m, ws__tls_bio_ctrl);
  BIO_meth_set_create(m, ws__tls_bio_create);
  ws__tls_bio_method = m;
}

/* ---- Contexts ---- */

int ws_tls_available(void) {
  return 1;
}

static ws__tls_ctx_t* ws__tls_ctx_wrap(SSL_CTX* ssl_ctx) {
  ws__tls_ctx_t* ctx;

  ctx = ws__calloc(1, sizeof(*ctx));
  if (ctx == NULL)
    return NULL;
  ctx->ctx = ssl_ctx;
  atomic_init(&ctx->refs, 1);
  return ctx;
}

void ws__tls_ctx_ref(ws__tls_ctx_t* ctx) {
  atomic_fetch_add(&ctx->refs, 1);
}

void ws__tls_ctx_unref(ws__tls_ctx_t* ctx) {
  if (ctx == NULL || atomic_fetch_sub(&ctx->refs, 1) > 1)
    return;
  SSL_CTX_free(ctx->ctx);
  ws__free(ctx);
}

/* What every context of ours has: TLS 1.2 or newer, no renegotiation, no
 * compression. */
static void ws__tls_ctx_defaults(SSL_CTX* ssl_ctx) {
  SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ssl_ctx, SSL_OP_NO_RENEGOTIATION |
                                   SSL_OP_NO_COMPRESSION);
}

/* SNI: the application picks the context for the name asked for. */
static int ws__tls_on_servername(SSL* ssl, int* alert, void* arg) {
  const char* name;
  ws__tls_t* tls;
  void* chosen;

  (void) alert;
  (void) arg;
  tls = SSL_get_app_data(ssl);
  if (tls == NULL || tls->ctx->select_context == NULL)
    return SSL_TLSEXT_ERR_NOACK;
  name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  chosen = tls->ctx->select_context(tls->ctx->select_arg, name);
  if (chosen != NULL && SSL_set_SSL_CTX(ssl, chosen) == NULL)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  return SSL_TLSEXT_ERR_OK;
}

int ws__tls_server_ctx_new(ws__tls_ctx_t** pctx, const ws_tls_options_t* o) {
  ws__tls_ctx_t* ctx;
  SSL_CTX* ssl_ctx;

  *pctx = NULL;
  if (o->ssl_ctx != NULL) {
    ssl_ctx = o->ssl_ctx;
    SSL_CTX_up_ref(ssl_ctx);
  } else {
    if (o->cert_file == NULL || o->key_file == NULL)
      return WS_EINVAL;
    ssl_ctx = SSL_CTX_new(TLS_server_method());
    if (ssl_ctx == NULL)
      return WS_ENOMEM;
    ws__tls_ctx_defaults(ssl_ctx);
    /* Resumption by tickets, which keep nothing on the server. */
    SSL_CTX_set_session_cache_mode(ssl_ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ssl_ctx, 1);
    if (SSL_CTX_use_certificate_chain_file(ssl_ctx, o->cert_file) != 1 ||
        SSL_CTX_use_PrivateKey_file(ssl_ctx, o->key_file,
                                    SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ssl_ctx) != 1) {
      ERR_clear_error();
      SSL_CTX_free(ssl_ctx);
      return WS_ETLS;
    }
  }
  ctx = ws__tls_ctx_wrap(ssl_ctx);
  if (ctx == NULL) {
    SSL_CTX_free(ssl_ctx);
    return WS_ENOMEM;
  }
  if (o->select_context != NULL) {
    ctx->select_context = o->select_context;
    ctx->select_arg = o->select_arg;
    SSL_CTX_set_tlsext_servername_callback(ssl_ctx, ws__tls_on_servername);
  }
  *pctx = ctx;
  return 0;
}

int ws__tls_client_ctx_new(ws__tls_ctx_t** pctx, const char* ca_file,
                           void* app_ctx) {
  ws__tls_ctx_t* ctx;
  SSL_CTX* ssl_ctx;
  int ok;

  *pctx = NULL;
  if (app_ctx != NULL) {
    ssl_ctx = app_ctx;
    SSL_CTX_up_ref(ssl_ctx);
  } else {
    ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (ssl_ctx == NULL)
      return WS_ENOMEM;
    ws__tls_ctx_defaults(ssl_ctx);
    SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, NULL);
    if (ca_file != NULL)
      ok = SSL_CTX_load_verify_locations(ssl_ctx, ca_file, NULL);
    else
      ok = SSL_CTX_set_default_verify_paths(ssl_ctx);
    if (ok != 1) {
      ERR_clear_error();
      SSL_CTX_free(ssl_ctx);
      return WS_ETLS;
    }
  }
  ctx = ws__tls_ctx_wrap(ssl_ctx);
  if (ctx == NULL) {
    SSL_CTX_free(ssl_ctx);
    return WS_ENOMEM;
  }
  *pctx = ctx;
  return 0;
}

/* ---- Errors ---- */

/* Why OpenSSL failed: the certificate, or the rest of TLS (logged). */
static int ws__tls_error(ws__tls_t* tls) {
  const char* reason;
  long verify;

  tls->failed = 1;
  verify = SSL_get_verify_result(tls->ssl);
  if (verify != X509_V_OK)
    reason = X509_verify_cert_error_string(verify);
  else
    reason = ERR_reason_error_string(ERR_peek_last_error());
  WS__LOG(tls->conn->hub, WS_LOG_WARN, tls->conn, "TLS failed: %s",
          reason != NULL ? reason : "the peer closed or sent no TLS");
  ERR_clear_error();
  return verify != X509_V_OK ? WS_ECERT : WS_ETLS;
}

/* A renegotiation (TLS 1.2 and older) ends the connection. */
static void ws__tls_on_info(const SSL* ssl, int where, int ret) {
  ws__tls_t* tls;

  (void) ret;
  tls = SSL_get_app_data(ssl);
  if (tls == NULL)
    return;
  if (where & SSL_CB_HANDSHAKE_DONE) {
    /* TLS 1.3's post-handshake messages (tickets) signal it again. */
    if (!tls->handshake_done)
      WS__COUNT(tls->conn->hub, tls_handshakes);
    tls->handshake_done = 1;
  } else if ((where & SSL_CB_HANDSHAKE_START) && tls->handshake_done &&
             SSL_version(ssl) < TLS1_3_VERSION) {
    tls->renegotiating = 1;
  }
}

/* ---- Record buffers: kept while busy, freed once idle ---- */

static void ws__tls_on_idle(uv_timer_t* timer) {
  ws__tls_t* tls;
  ws__hub_t* hub;
  uint64_t now;

  hub = WS__CONTAINER_OF(timer, ws__hub_t, tls_idle);
  now = uv_now(hub->loop);
  while (!ws__list_empty(&hub->tls_warm)) {
    tls = WS__CONTAINER_OF(hub->tls_warm.next, ws__tls_t, warm_node);
    if (now - tls->last_record < WS__TLS_IDLE_MS) {
      uv_timer_start(timer, ws__tls_on_idle,
                     tls->last_record + WS__TLS_IDLE_MS - now, 0);
      return;
    }
    ws__list_remove(&tls->warm_node);
    /* Part of a record still waits for the rest: try again later. */
    if (SSL_free_buffers(tls->ssl) != 1) {
      tls->last_record = now;
      ws__list_insert_tail(&hub->tls_warm, &tls->warm_node);
    }
  }
}

/* A record came or went: the buffers stay for WS__TLS_IDLE_MS more. */
static void ws__tls_touch(ws__tls_t* tls) {
  ws__hub_t* hub;

  hub = tls->conn->hub;
  tls->last_record = uv_now(hub->loop);
  if (hub->tls_warm.prev == &tls->warm_node)
    return;
  ws__list_remove(&tls->warm_node);
  ws__list_insert_tail(&hub->tls_warm, &tls->warm_node);
  if (!uv_is_active((uv_handle_t*) &hub->tls_idle))
    uv_timer_start(&hub->tls_idle, ws__tls_on_idle, WS__TLS_IDLE_MS, 0);
}

/* ---- Writing ---- */

static void ws__tls_pump(ws__tls_t* tls);
static void ws__tls_fail(ws__tls_t* tls, int error);

static void ws__tls_on_write(uv_write_t* req, int status) {
  ws__tls_t* tls;

  tls = req->data;
  tls->writing = 0;
  if (tls->closing)
    return;
  if (status < 0) {
    tls->failed = 1;
    ws__tls_fail(tls, status);
    return;
  }
  ws__outq_consume(&tls->out, tls->req_len);
  tls->req_len = 0;
  ws__tls_pump(tls);
}

/* Writes the ciphertext queued: what the socket takes at once (if
 * try_first), then the rest in one write. Returns 0 or a libuv error. */
static int ws__tls_flush(ws__tls_t* tls, int try_first) {
  uv_buf_t bufs[WS__TLS_MAX_BUFS];
  unsigned int n;
  unsigned int i;
  size_t len;
  int r;

  if (tls->writing)
    return 0;
  while (try_first && tls->out.bytes > 0) {
    n = ws__outq_bufs(&tls->out, bufs, WS__TLS_MAX_BUFS);
    for (len = 0, i = 0; i < n; i++)
      len += bufs[i].len;
    r = uv_try_write(ws__conn_stream(tls->conn), bufs, n);
    if (r == UV_EAGAIN || r == UV_ENOSYS)
      break;
    if (r < 0)
      return r;
    ws__outq_consume(&tls->out, (size_t) r);
    if ((size_t) r < len)
      break;
  }
  if (tls->out.bytes == 0)
    return 0;
  n = ws__outq_bufs(&tls->out, bufs, WS__TLS_MAX_BUFS);
  for (len = 0, i = 0; i < n; i++)
    len += bufs[i].len;
  tls->req.data = tls;
  r = uv_write(&tls->req, ws__conn_stream(tls->conn), bufs, n,
               ws__tls_on_write);
  if (r != 0)
    return r;
  tls->writing = 1;
  tls->req_len = len;
  return 0;
}

/* Encrypts the len bytes at data, in records, while the ciphertext queued
 * stays under the high water; *taken counts the plaintext bytes OpenSSL
 * took. Returns 1 if it took them all, 0 if it stopped (the high water,
 * or the handshake must finish first), or an error. */
static int ws__tls_encrypt_buf(ws__tls_t* tls, const char* data, size_t len,
                               size_t* taken) {
  size_t offset;
  size_t chunk;
  size_t done;
  int r;

  for (offset = 0; offset < len; offset += done) {
    if (tls->out.bytes >= WS__TLS_OUT_HIGH)
      return 0;
    chunk = len - offset;
    if (chunk > WS__TLS_CHUNK)
      chunk = WS__TLS_CHUNK;
    r = SSL_write_ex(tls->ssl, data + offset, chunk, &done);
    if (r != 1) {
      r = SSL_get_error(tls->ssl, r);
      if (r == SSL_ERROR_WANT_READ)
        return 0;
      return ws__tls_error(tls);
    }
    *taken += done;
  }
  return 1;
}

/* Encrypts from bufs while the ciphertext queued stays under the high
 * water; *taken counts the plaintext bytes OpenSSL took. Small buffers in
 * a row (a broadcast's frames: each a header and a shared payload) go in
 * one record, not one each. Returns 0 (also when the handshake must
 * finish first) or an error. */
static int ws__tls_encrypt(ws__tls_t* tls, const uv_buf_t* bufs,
                           unsigned int n, size_t* taken) {
  char gathered[WS__TLS_GATHER];
  size_t len;
  unsigned int i;
  unsigned int j;
  int r;

  *taken = 0;
  ws__tls_touch(tls);
  for (i = 0; i < n; i = j) {
    j = i + 1;
    if (j < n && bufs[i].len + bufs[j].len <= WS__TLS_GATHER) {
      for (len = 0, j = i; j < n && len + bufs[j].len <= WS__TLS_GATHER;
           j++) {
        memcpy(gathered + len, bufs[j].base, bufs[j].len);
        len += bufs[j].len;
      }
      r = ws__tls_encrypt_buf(tls, gathered, len, taken);
    } else {
      r = ws__tls_encrypt_buf(tls, bufs[i].base, bufs[i].len, taken);
    }
    if (r != 1)
      return r;
  }
  return 0;
}

/* Drops the plaintext write()'s bufs took, taken bytes of it. */
static void ws__tls_plain_consume(ws__tls_t* tls, size_t taken) {
  unsigned int i;

  for (i = 0; i < tls->plain_count && taken > 0; i++) {
    if (taken >= tls->plain[i].len) {
      taken -= tls->plain[i].len;
      tls->plain[i].len = 0;
    } else {
      tls->plain[i].base += taken;
      tls->plain[i].len -= (unsigned int) taken;
      taken = 0;
    }
  }
  while (tls->plain_count > 0 && tls->plain[0].len == 0) {
    memmove(tls->plain, tls->plain + 1,
            (tls->plain_count - 1) * sizeof(*tls->plain));
    tls->plain_count--;
  }
}

static void ws__tls_on_shutdown(uv_shutdown_t* req, int status) {
  (void) status;
  ws__free(req);
}

/* Reports a failure: to the write waiting, else as a read error. */
static void ws__tls_fail(ws__tls_t* tls, int error) {
  ws_conn_t* conn;

  conn = tls->conn;
  if (tls->plain != NULL) {
    ws__free(tls->plain);
    tls->plain = NULL;
    tls->plain_count = 0;
    conn->busy->write_req = NULL;
    conn->hub->io->on_written(conn, error);
    return;
  }
  conn->hub->io->on_read(conn, NULL, error);
}

/* Moves the output on, from the loop: encrypts what write() gave while
 * there is room, writes the ciphertext, and ends write() or the shutdown
 * once all of it is written. */
static void ws__tls_pump(ws__tls_t* tls) {
  uv_shutdown_t* req;
  ws_conn_t* conn;
  size_t taken;
  int r;

  conn = tls->conn;
  do {
    r = 0;
    taken = 0;
    if (tls->plain != NULL) {
      r = ws__tls_encrypt(tls, tls->plain, tls->plain_count, &taken);
      ws__tls_plain_consume(tls, taken);
    }
    if (r == 0)
      r = ws__tls_flush(tls, 1);
    if (r != 0) {
      ws__tls_fail(tls, r);
      return;
    }
    /* The socket took it all at once: encrypt more. */
  } while (taken > 0 && tls->plain_count > 0 && !tls->writing);
  if (tls->writing || tls->out.bytes > 0)
    return;
  if (tls->plain != NULL && tls->plain_count == 0) {
    ws__free(tls->plain);
    tls->plain = NULL;
    conn->busy->write_req = NULL;
    conn->hub->io->on_written(conn, 0);
    return;
  }
  if (tls->shutdown_wanted && tls->plain == NULL) {
    tls->shutdown_wanted = 0;
    req = ws__malloc(sizeof(*req));
    if (req == NULL)
      return; /* the close timeout ends it */
    if (uv_shutdown(req, ws__conn_stream(conn), ws__tls_on_shutdown) != 0)
      ws__free(req);
  }
}

static int ws__tls_try_write(ws_conn_t* conn, const uv_buf_t* bufs,
                             unsigned int n) {
  ws__tls_t* tls;
  unsigned int i;
  size_t taken;
  size_t len;
  int r;

  tls = conn->extra->tls;
  if (tls->plain != NULL || !SSL_is_init_finished(tls->ssl))
    return UV_EAGAIN;
  /* One record only (one buffer, or buffers gathered into one): it may
   * go straight to the socket, with no copy into the queue. */
  for (len = 0, i = 0; i < n; i++)
    len += bufs[i].len;
  tls->direct = len <= WS__TLS_RECORD && (n == 1 || len <= WS__TLS_GATHER);
  r = ws__tls_encrypt(tls, bufs, n, &taken);
  tls->direct = 0;
  if (r == 0)
    r = ws__tls_flush(tls, 1);
  if (r != 0)
    return r;
  return taken > 0 ? (int) taken : UV_EAGAIN;
}

/* The ciphertext goes to uv_write() (no uv_try_write() here), so that
 * on_written always comes from the loop, after this returns. */
static int ws__tls_write(ws_conn_t* conn, const uv_buf_t* bufs,
                         unsigned int n) {
  ws__tls_t* tls;
  size_t taken;
  int r;

  tls = conn->extra->tls;
  tls->plain = ws__malloc(n * sizeof(*bufs));
  if (tls->plain == NULL)
    return WS_ENOMEM;
  memcpy(tls->plain, bufs, n * sizeof(*bufs));
  tls->plain_count = n;
  r = ws__tls_encrypt(tls, tls->plain, tls->plain_count, &taken);
  ws__tls_plain_consume(tls, taken);
  if (r == 0)
    r = ws__tls_flush(tls, 0);
  if (r != 0) {
    ws__free(tls->plain);
    tls->plain = NULL;
    return r;
  }
  /* The connection waits for on_written, as for a stream's write. */
  conn->busy->write_req = &tls->req;
  return 0;
}

/* close_notify, then the TCP shutdown once everything is written. */
static int ws__tls_shutdown(ws_conn_t* conn) {
  ws__tls_t* tls;

  tls = conn->extra->tls;
  if (!tls->failed && SSL_is_init_finished(tls->ssl) &&
      SSL_shutdown(tls->ssl) < 0)
    ERR_clear_error();
  tls->shutdown_wanted = 1;
  ws__tls_pump(tls);
  return 0;
}

/* ---- Reading ---- */

static void ws__tls_on_alloc(uv_handle_t* handle, size_t suggested,
                             uv_buf_t* buf) {
  ws__hub_t* hub;
  uv_buf_t whole;

  (void) suggested;
  hub = ((ws_conn_t*) handle->data)->hub;
  whole = ws__hub_read_buf(hub);
  if (whole.len <= WS__TLS_RESERVE) {
    ws__hub_return_read_buf(hub, whole.base);
    *buf = uv_buf_init(NULL, 0);
    return;
  }
  *buf = uv_buf_init(whole.base + WS__TLS_RESERVE,
                     whole.len - WS__TLS_RESERVE);
}

/* Decrypts the len bytes at in, which follow the reserve at base, into
 * base; *plain_len is how many. Returns 0, UV_EOF (the peer's
 * close_notify) or an error. */
static int ws__tls_decrypt(ws__tls_t* tls, unsigned char* base,
                           const unsigned char* in, size_t len,
                           size_t* plain_len) {
  size_t produced;
  size_t room;
  size_t n;
  int r;

  tls->in = in;
  tls->in_len = len;
  produced = 0;
  ws__tls_touch(tls);
  for (;;) {
    /* Up to the ciphertext not yet read, never over it. */
    room = (size_t) (tls->in - base) - produced;
    if (room == 0) {
      r = WS_EINTERNAL; /* the reserve makes room: never here */
      break;
    }
    r = SSL_read_ex(tls->ssl, base + produced, room, &n);
    if (r == 1) {
      produced += n;
      /* All read, and nothing left in OpenSSL's buffer (decrypted or
       * not): another call would only say so. */
      if (tls->in_len == 0 && !SSL_has_pending(tls->ssl)) {
        r = 0;
        break;
      }
      continue;
    }
    r = SSL_get_error(tls->ssl, r);
    if (r == SSL_ERROR_WANT_READ)
      r = 0;
    else if (r == SSL_ERROR_ZERO_RETURN)
      r = UV_EOF;
    else
      r = ws__tls_error(tls);
    break;
  }
  if (r == 0 && tls->renegotiating) {
    WS__LOG(tls->conn->hub, WS_LOG_WARN, tls->conn,
            "TLS renegotiation refused: dropping");
    r = WS_ETLS;
  }
  tls->in = NULL;
  tls->in_len = 0;
  *plain_len = produced;
  return r;
}

static void ws__tls_on_read(uv_stream_t* stream, ssize_t nread,
                            const uv_buf_t* buf) {
  unsigned char* base;
  ws_conn_t* conn;
  ws__tls_t* tls;
  size_t plain_len;
  int r;

  conn = stream->data;
  tls = conn->extra->tls;
  base = buf->base != NULL
             ? (unsigned char*) buf->base - WS__TLS_RESERVE
             : NULL;
  ws__hub_return_read_buf(conn->hub, (const char*) base);
  if (nread == 0)
    return;
  if (nread < 0) {
    conn->hub->io->on_read(conn, NULL, nread);
    return;
  }
  r = ws__tls_decrypt(tls, base, (const unsigned char*) buf->base,
                      (size_t) nread, &plain_len);
  /* Handshake messages and alerts go out first. */
  if (ws__tls_flush(tls, 1) != 0)
    tls->failed = 1;
  if (plain_len > 0) {
    conn->hub->io->on_read(conn, base, (ssize_t) plain_len);
    if (tls->closing)
      return;
  }
  if (r != 0) {
    conn->hub->io->on_read(conn, NULL, r);
    return;
  }
  /* A write waiting for the handshake may go on now. */
  ws__tls_pump(tls);
}

static int ws__tls_read_start(ws_conn_t* conn) {
  int r;

  r = uv_read_start(ws__conn_stream(conn), ws__tls_on_alloc, ws__tls_on_read);
  if (r == 0)
    uv_tcp_nodelay(&conn->tcp, 1);
  return r;
}

static int ws__tls_read_stop(ws_conn_t* conn) {
  return uv_read_stop(ws__conn_stream(conn));
}

/* ---- Starting and closing ---- */

int ws__tls_start(ws_conn_t* conn, ws__tls_ctx_t* ctx, const char* host) {
  struct sockaddr_in6 addr6;
  struct sockaddr_in addr4;
  ws__tls_t* tls;
  BIO* bio;
  int ok;

  uv_once(&ws__tls_once, ws__tls_init_method);
  if (ws__tls_bio_method == NULL || ws__conn_extra(conn) == NULL)
    return WS_ENOMEM;
  tls = ws__calloc(1, sizeof(*tls));
  if (tls == NULL)
    return WS_ENOMEM;
  tls->ssl = SSL_new(ctx->ctx);
  bio = BIO_new(ws__tls_bio_method);
  if (tls->ssl == NULL || bio == NULL) {
    BIO_free(bio);
    SSL_free(tls->ssl);
    ws__free(tls);
    return WS_ENOMEM;
  }
  BIO_set_data(bio, tls);
  SSL_set_bio(tls->ssl, bio, bio);
  SSL_set_app_data(tls->ssl, tls);
  SSL_set_info_callback(tls->ssl, ws__tls_on_info);
  /* An application's context keeps its settings; these are the
   * connection's own. Its record buffers are freed once it is idle
   * (ws__tls_touch()), not after every record. */
  SSL_clear_mode(tls->ssl, SSL_MODE_RELEASE_BUFFERS);
  SSL_set_mode(tls->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* OpenSSL takes a read's ciphertext in one BIO call, not each
   * record's header and body in two. */
  SSL_set_read_ahead(tls->ssl, 1);
  SSL_set_options(tls->ssl, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  ok = 1;
  if (host == NULL) {
    SSL_set_accept_state(tls->ssl);
  } else {
    SSL_set_connect_state(tls->ssl);
    if (uv_ip4_addr(host, 0, &addr4) == 0 ||
        uv_ip6_addr(host, 0, &addr6) == 0) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls->ssl), host);
    } else {
      ok = SSL_set_tlsext_host_name(tls->ssl, host) == 1 &&
           SSL_set1_host(tls->ssl, host) == 1;
    }
  }
  if (!ok) {
    ERR_clear_error();
    SSL_free(tls->ssl);
    ws__free(tls);
    return WS_ETLS;
  }
  ws__tls_ctx_ref(ctx);
  tls->ctx = ctx;
  tls->conn = conn;
  tls->out.spare = &conn->hub->spare_seg;
  conn->extra->tls = tls;
  conn->extra->transport = &ws__tls_transport;
  return 0;
}

static void ws__tls_on_close(uv_handle_t* handle) {
  ws_conn_t* conn;
  ws__tls_t* tls;

  conn = handle->data;
  tls = conn->extra->tls;
  conn->extra->tls = NULL;
  if (!tls->handshake_done)
    WS__COUNT(conn->hub, tls_handshake_failures);
  ws__list_remove(&tls->warm_node);
  SSL_free(tls->ssl);
  ws__tls_ctx_unref(tls->ctx);
  ws__outq_clear(&tls->out);
  ws__free(tls->plain);
  ws__free(tls);
  conn->hub->io->on_closed(conn);
}

static void ws__tls_close(ws_conn_t* conn) {
  conn->extra->tls->closing = 1;
  uv_close((uv_handle_t*) ws__conn_stream(conn), ws__tls_on_close);
}

static int ws__tls_peer_addr(const ws_conn_t* conn,
                             struct sockaddr_storage* addr) {
  int len;

  len = (int) sizeof(*addr);
  return uv_tcp_getpeername(&conn->tcp, (struct sockaddr*) addr, &len);
}

int ws_conn_is_tls(const ws_conn_t* conn) {
  return conn != NULL && ws__conn_transport(conn) == &ws__tls_transport;
}

const ws__transport_t ws__tls_transport = {
  ws__tls_read_start, ws__tls_try_write, ws__tls_write, ws__tls_shutdown,
  ws__tls_close, ws__tls_peer_addr, ws__tls_read_stop
};
