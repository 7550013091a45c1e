/* Our client against our server over TLS (wss://, the certificate checked
 * against a test CA): messages of many sizes up to 5 MiB, a message sent
 * in fragments, a ping, and a clean close both sides see. */
#include "harness.h"
#include "tls_certs.h"

static ws_conn_t* client_conn;
static int client_open;
static int client_closed;
static int client_pongs;
static size_t echoes;
static ws_close_info_t client_close;
static unsigned char* expected;
static size_t expected_len;

static void on_client_open(ws_conn_t* conn) {
  ASSERT_PTR_EQ(client_conn, conn);
  ASSERT_EQ(1, ws_conn_is_tls(conn));
  client_open++;
}

static void on_client_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  (void) conn;
  ASSERT_EQ(expected_len, len);
  ASSERT_EQ(len % 2 ? WS_OP_BINARY : WS_OP_TEXT, op);
  ASSERT_MEM_EQ(expected, data, len);
  echoes++;
}

static void on_client_pong(ws_conn_t* conn, const void* data, size_t len) {
  (void) conn;
  ASSERT_EQ(4, len);
  ASSERT_MEM_EQ("ping", data, 4);
  client_pongs++;
}

static void on_client_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  client_close = *info;
  client_close.reason = NULL;
  client_closed++;
}

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  fprintf(stderr, "connect error: %s\n", ws_err_name(error));
  ASSERT(0);
}

static void fill(size_t len, size_t seed) {
  size_t j;

  expected_len = len;
  for (j = 0; j < len; j++)
    expected[j] = (unsigned char) ('a' + (seed + j) % 26);
}

int main(void) {
  static const size_t sizes[] = { 0,     1,          125,       126,
                                  16383, 16384,      16385,     65535,
                                  65536, 1 << 20,    5 << 20 };
  ws_client_options_t options;
  ws_client_callbacks_t ccb;
  ws_server_callbacks_t scb;
  ws_tls_options_t tls;
  ws_server_t* server;
  ws_client_t* client;
  tls_files_t files;
  uv_loop_t loop;
  char url[64];
  size_t before;
  size_t i;

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  scb = harness_callbacks();
  server = harness_server(&loop, NULL, &scb);
  ws_tls_options_init(&tls);
  tls.cert_file = files.cert;
  tls.key_file = files.key;
  ASSERT_EQ(0, ws_server_listen_tls(server, "127.0.0.1", 0, &tls));
  ASSERT_EQ(ws_server_port(server), ws_server_tls_port(server));

  ws_client_options_init(&options);
  options.tls_ca_file = files.ca_cert;
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_client_open;
  ccb.on_message = on_client_message;
  ccb.on_pong = on_client_pong;
  ccb.on_close = on_client_close;
  ccb.on_connect_error = on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &options, &ccb));
  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/echo",
           ws_server_tls_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, &client_conn));
  while (!client_open)
    ASSERT_EQ(1, uv_run(&loop, UV_RUN_ONCE));

  expected = malloc(5 << 20);
  ASSERT_NOT_NULL(expected);
  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    /* Odd sizes go as binary, even ones as text. */
    fill(sizes[i] | (i % 2), i);
    if (expected_len > (5 << 20))
      expected_len = 5 << 20;
    ASSERT_EQ(0, ws_conn_send(client_conn,
                              expected_len % 2 ? WS_OP_BINARY : WS_OP_TEXT,
                              expected, expected_len));
    while (echoes <= i)
      ASSERT_EQ(1, uv_run(&loop, UV_RUN_ONCE));
  }

  /* One message in three fragments comes back whole. */
  fill(100000, 3);
  before = echoes;
  ASSERT_EQ(0, ws_conn_send_begin(client_conn, WS_OP_TEXT));
  ASSERT_EQ(0, ws_conn_send_fragment(client_conn, expected, 1, 0));
  ASSERT_EQ(0, ws_conn_send_fragment(client_conn, expected + 1, 49999, 0));
  ASSERT_EQ(0, ws_conn_send_fragment(client_conn, expected + 50000, 50000,
                                     1));
  while (echoes == before)
    ASSERT_EQ(1, uv_run(&loop, UV_RUN_ONCE));

  ASSERT_EQ(0, ws_conn_ping(client_conn, "ping", 4));
  while (client_pongs == 0)
    ASSERT_EQ(1, uv_run(&loop, UV_RUN_ONCE));

  ASSERT_EQ(0, ws_conn_close(client_conn, 4321, "finished", 8));
  while (client_closed == 0 || harness.close_count == 0)
    ASSERT_EQ(1, uv_run(&loop, UV_RUN_ONCE));
  ASSERT_EQ(4321, client_close.code);
  ASSERT_EQ(1, client_close.clean);
  ASSERT_EQ(0, client_close.error);
  ASSERT_EQ(4321, harness.last_close.code);
  ASSERT_EQ(1, harness.last_close.clean);
  ASSERT_EQ(0, harness.last_close.error);

  ws_client_close(client, NULL);
  free(expected);
  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
