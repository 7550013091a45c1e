/* One server on two loops with a TLS listener: a burst of wss://
 * connections is spread round robin as plaintext ones are (half on each
 * loop), each served over TLS on its loop's thread, the certificate
 * checked by the client; the TLS handshakes are counted on the loops
 * that did them. The TSan build runs it: the listener's TLS context is
 * shared by both loops. */
#include "loop_thread.h"
#include "tls_certs.h"
#include "uvws.h"

#define LOOPS 2
#define PER_LOOP 6
#define CONNS (LOOPS * PER_LOOP)

static loop_thread_t lts[LOOPS];
static loop_thread_t client_lt;
static ws_server_t* servers[LOOPS];
static atomic_int attached;
static int accepted[LOOPS]; /* each loop's own */
static uint64_t tls_handshakes[LOOPS];
static ws_client_t* client;
static atomic_int echoed;
static int client_closed;
static tls_files_t files;

static int loop_index(ws_conn_t* conn) {
  return ((loop_thread_t*) ws_server_loop(ws_conn_server(conn))->data)->index;
}

static void server_on_open(ws_conn_t* conn) {
  ws_stats_t s;
  int i;

  i = loop_index(conn);
  ASSERT(uv_thread_equal(&lts[i].thread, &(uv_thread_t) { uv_thread_self() }));
  ASSERT_EQ(1, ws_conn_is_tls(conn));
  accepted[i]++;
  /* Its loop's TLS handshakes so far: at its last open, all of them. */
  if (ws_server_stats(ws_conn_server(conn), &s) == 0)
    tls_handshakes[i] = s.tls_handshakes;
}

static void server_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  ASSERT_EQ(0, ws_conn_send(conn, op, data, len));
}

static void on_server_closed(ws_server_t* server) {
  (void) server;
}

static void client_on_open(ws_conn_t* conn) {
  ASSERT_EQ(1, ws_conn_is_tls(conn));
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "over tls", 8));
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  (void) op;
  (void) conn;
  ASSERT_EQ(8, len);
  ASSERT_MEM_EQ("over tls", data, 8);
  atomic_fetch_add(&echoed, 1);
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  ASSERT_EQ(WS_CLOSE_GOING_AWAY, info->code);
  if (++client_closed == CONNS)
    ws_client_close(client, NULL);
}

static void client_on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  TEST__FAIL("connect error %s", ws_err_name(error));
}

/* The last loop closes the server once every connection has answered. */
static int closer_watch(loop_thread_t* lt) {
  if (atomic_load(&echoed) < CONNS)
    return 1;
  ws_server_close(servers[lt->index], on_server_closed);
  return 0;
}

static void loop_setup(loop_thread_t* lt) {
  if (lt->index > 0)
    ASSERT_EQ(0, ws_server_attach(servers[0], &lt->loop,
                                  &servers[lt->index]));
  if (lt->index == LOOPS - 1)
    loop_thread_watch(lt, closer_watch);
  atomic_fetch_add(&attached, 1);
}

static void client_setup(loop_thread_t* lt) {
  ws_client_options_t options;
  ws_client_callbacks_t cb;
  char url[64];
  int i;

  ws_client_options_init(&options);
  options.tls_ca_file = files.ca_cert;
  memset(&cb, 0, sizeof(cb));
  cb.on_open = client_on_open;
  cb.on_message = client_on_message;
  cb.on_close = client_on_close;
  cb.on_connect_error = client_on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &lt->loop, &options, &cb));
  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/",
           ws_server_tls_port(servers[0]));
  for (i = 0; i < CONNS; i++)
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
}

int main(void) {
  ws_server_callbacks_t cb;
  ws_tls_options_t tls;
  ws_stats_t s;
  int counters;
  int i;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  for (i = 0; i < LOOPS; i++)
    loop_thread_init(&lts[i], i);
  loop_thread_init(&client_lt, LOOPS);
  memset(&cb, 0, sizeof(cb));
  cb.on_open = server_on_open;
  cb.on_message = server_on_message;
  ASSERT_EQ(0, ws_server_new(&servers[0], &lts[0].loop, NULL, &cb));
  ws_tls_options_init(&tls);
  tls.cert_file = files.cert;
  tls.key_file = files.key;
  ASSERT_EQ(0, ws_server_listen_tls(servers[0], "127.0.0.1", 0, &tls));
  counters = ws_server_stats(servers[0], &s) == 0;
  for (i = 0; i < LOOPS; i++)
    loop_thread_start(&lts[i], loop_setup);
  WAIT_UNTIL(atomic_load(&attached) == LOOPS);
  loop_thread_start(&client_lt, client_setup);
  for (i = 0; i < LOOPS; i++)
    loop_thread_join(&lts[i]);
  loop_thread_join(&client_lt);
  ASSERT_EQ(CONNS, atomic_load(&echoed));
  for (i = 0; i < LOOPS; i++) {
    ASSERT_EQ(PER_LOOP, accepted[i]);
    if (counters)
      ASSERT_UINT64_EQ(PER_LOOP, tls_handshakes[i]);
  }
  tls_files_remove(&files);
  return 0;
}
