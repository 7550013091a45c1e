/* A TLS failure is told to the log callback with OpenSSL's reason: a
 * plaintext request on a TLS port (a server's connection, before any
 * other callback), and a client's certificate that does not verify. */
#include "tls_dial.h"
#include "tls_peer.h"

static char server_line[256];
static char client_line[256];

static void on_server_log(void* data, ws_log_level_t level, ws_conn_t* conn,
                          const char* peer, const char* message) {
  (void) data;
  (void) conn;
  (void) peer;
  if (level == WS_LOG_WARN && strncmp(message, "TLS failed", 10) == 0)
    snprintf(server_line, sizeof(server_line), "%s", message);
}

static void on_client_log(void* data, ws_log_level_t level, ws_conn_t* conn,
                          const char* peer, const char* message) {
  (void) data;
  (void) conn;
  (void) peer;
  if (level == WS_LOG_WARN && strncmp(message, "TLS failed", 10) == 0)
    snprintf(client_line, sizeof(client_line), "%s", message);
}

int main(void) {
  ws_client_options_t client_options;
  ws_client_callbacks_t ccb;
  ws_server_options_t options;
  ws_server_t* server;
  ws_client_t* client;
  raw_client_t raw;
  tls_files_t files;
  uv_loop_t loop;
  char url[64];

  TLS_SKIP_UNLESS_AVAILABLE();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.log_cb = on_server_log;
  server = tls_server(&loop, &files, &options, NULL);

  raw_connect(&loop, &raw, "127.0.0.1", ws_server_tls_port(server));
  raw_start_reading(&raw);
  raw_handshake(&raw);
  RUN_UNTIL(&loop, raw.eof && server_line[0] != '\0');
  printf("server: %s\n", server_line);
  ASSERT_NOT_NULL(strstr(server_line, "http request"));
  raw_close(&raw);

  ws_client_options_init(&client_options);
  client_options.log_cb = on_client_log;
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_connect_error = tls_dial_on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &client_options, &ccb));
  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/",
           ws_server_tls_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, tls_dial_done);
  ASSERT_EQ(WS_ECERT, tls_dial_result);
  printf("client: %s\n", client_line);
  ASSERT_NOT_NULL(strstr(client_line, "certificate"));

  ws_client_close(client, NULL);
  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
