/* An idle TLS connection keeps no record buffers: after 20 connections of
 * our client to our server have each echoed a 10 KB message and then
 * been idle for a second, what OpenSSL holds for each pair (the server's
 * connection and the client's) is its state only, well under the
 * 2 x 16 KiB each side's read and write buffers would add. (Busy, a
 * connection keeps its buffers; the library frees them after a tenth of
 * a second without records, on a timer due before this test's.)
 * OpenSSL's allocations are counted with CRYPTO_set_mem_functions(). */
#include "tls_peer.h"

#include <openssl/crypto.h>

#define CONNS 20
#define MESSAGE 10000

static size_t live;

typedef union {
  size_t size;
  max_align_t align;
} header_t;

static void* count_malloc(size_t n, const char* file, int line) {
  header_t* h;

  (void) file;
  (void) line;
  h = malloc(sizeof(*h) + n);
  if (h == NULL)
    return NULL;
  h->size = n;
  live += n;
  return h + 1;
}

static void count_free(void* p, const char* file, int line) {
  header_t* h;

  (void) file;
  (void) line;
  if (p == NULL)
    return;
  h = (header_t*) p - 1;
  live -= h->size;
  free(h);
}

static void* count_realloc(void* p, size_t n, const char* file, int line) {
  header_t* h;
  size_t old;

  if (p == NULL)
    return count_malloc(n, file, line);
  h = (header_t*) p - 1;
  old = h->size;
  h = realloc(h, sizeof(*h) + n);
  if (h == NULL)
    return NULL;
  live = live - old + n;
  h->size = n;
  return h + 1;
}

static int opened;
static int echoes;
static int waited;

static void on_waited(uv_timer_t* timer) {
  (void) timer;
  waited = 1;
}

static void on_open(ws_conn_t* conn) {
  static unsigned char message[MESSAGE];

  opened++;
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_BINARY, message, sizeof(message)));
}

static void on_message(ws_conn_t* conn, ws_opcode_t op, const void* data,
                       size_t len) {
  (void) conn;
  (void) op;
  (void) data;
  ASSERT_EQ(MESSAGE, len);
  echoes++;
}

int main(void) {
  ws_client_options_t options;
  ws_client_callbacks_t cb;
  ws_server_t* server;
  ws_client_t* client;
  tls_files_t files;
  uv_timer_t wait;
  uv_loop_t loop;
  size_t before;
  size_t per_pair;
  char url[64];
  int i;

  ASSERT_EQ(1, CRYPTO_set_mem_functions(count_malloc, count_realloc,
                                        count_free));
  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = tls_server(&loop, &files, NULL, NULL);
  ws_client_options_init(&options);
  options.tls_ca_file = files.ca_cert;
  memset(&cb, 0, sizeof(cb));
  cb.on_open = on_open;
  cb.on_message = on_message;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &options, &cb));
  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/",
           ws_server_tls_port(server));

  /* The first connection fills OpenSSL's caches: count from after it. */
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, echoes == 1);
  before = live;
  for (i = 0; i < CONNS; i++)
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, echoes == CONNS + 1);
  /* The server's last write may still be finishing; then all are idle. */
  ASSERT_EQ(0, uv_timer_init(&loop, &wait));
  ASSERT_EQ(0, uv_timer_start(&wait, on_waited, 1000, 0));
  RUN_UNTIL(&loop, waited);
  uv_close((uv_handle_t*) &wait, NULL);
  per_pair = (live - before) / CONNS;
  printf("OpenSSL holds %lu bytes per idle pair of TLS connections\n",
         (unsigned long) per_pair);
  ASSERT_LT(per_pair, 48 * 1024);

  ws_client_close(client, NULL);
  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
