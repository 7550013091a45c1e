/* Our client refuses a server whose certificate comes from a CA it does
 * not trust (not in the system's store, or not the CA file it was given):
 * on_connect_error(WS_ECERT). With the right CA file it opens. */
#include "tls_dial.h"
#include "tls_peer.h"

int main(void) {
  ws_server_t* server;
  tls_files_t files;
  tls_files_t stranger;
  uv_loop_t loop;
  char url[64];

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  tls_files_make(&stranger);
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = tls_server(&loop, &files, NULL, NULL);
  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/",
           ws_server_tls_port(server));

  ASSERT_EQ(WS_ECERT, tls_dial(&loop, url, NULL));
  ASSERT_EQ(WS_ECERT, tls_dial(&loop, url, stranger.ca_cert));
  ASSERT_EQ(0, tls_dial(&loop, url, files.ca_cert));
  ASSERT_EQ(1, harness.open_count);
  RUN_UNTIL(&loop, harness.close_count == 1);

  harness_close_server(&loop, server);
  tls_files_remove(&files);
  tls_files_remove(&stranger);
  return 0;
}
