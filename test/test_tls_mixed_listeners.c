/* One server with a plaintext listener and a TLS one: ws:// works on the
 * first, wss:// on the second, and each connection says which it is. */
#include "tls_dial.h"
#include "tls_peer.h"

static int tls_opens;
static int plain_opens;

static void on_open(ws_conn_t* conn) {
  if (ws_conn_is_tls(conn))
    tls_opens++;
  else
    plain_opens++;
}

int main(void) {
  ws_server_callbacks_t cb;
  ws_tls_options_t tls;
  ws_server_t* server;
  tls_files_t files;
  uv_loop_t loop;
  char url[64];

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  cb.on_open = on_open;
  server = harness_server(&loop, NULL, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  ws_tls_options_init(&tls);
  tls.cert_file = files.cert;
  tls.key_file = files.key;
  ASSERT_EQ(0, ws_server_listen_tls(server, "127.0.0.1", 0, &tls));
  ASSERT_NE(ws_server_port(server), ws_server_tls_port(server));

  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/",
           ws_server_tls_port(server));
  ASSERT_EQ(0, tls_dial(&loop, url, files.ca_cert));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  ASSERT_EQ(0, tls_dial(&loop, url, files.ca_cert));
  ASSERT_EQ(1, tls_opens);
  ASSERT_EQ(1, plain_opens);
  RUN_UNTIL(&loop, harness.close_count == 2);

  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
