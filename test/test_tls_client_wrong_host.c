/* Our client checks the server's certificate against the host of the
 * URL: a certificate of a trusted CA for another name (or another
 * address) is refused with on_connect_error(WS_ECERT). */
#include "tls_dial.h"
#include "tls_peer.h"

int main(void) {
  ws_server_t* server;
  tls_files_t files;
  uv_loop_t loop;
  char url[64];

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make_san(&files, "DNS:other.example,IP:127.0.0.2");
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = tls_server(&loop, &files, NULL, NULL);
  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/",
           ws_server_tls_port(server));

  ASSERT_EQ(WS_ECERT, tls_dial(&loop, url, files.ca_cert));
  ASSERT_EQ(0, harness.open_count);

  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
