/* The TLS calls' errors, in builds with and without TLS: without it,
 * each says WS_ENOTSUP; with it, bad settings are refused at once. */
#include "harness.h"

int main(void) {
  ws_client_options_t client_options;
  ws_client_t* client;
  ws_tls_options_t tls;
  ws_server_t* server;
  uv_loop_t loop;

  ASSERT_EQ(0, uv_loop_init(&loop));
  server = harness_server(&loop, NULL, NULL);
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, NULL));
  ASSERT_STR_EQ("WS_ENOTSUP", ws_err_name(WS_ENOTSUP));
  ASSERT_STR_EQ("WS_ETLS", ws_err_name(WS_ETLS));
  ASSERT_STR_EQ("WS_ECERT", ws_err_name(WS_ECERT));

  ws_tls_options_init(&tls);
  tls.cert_file = "/nonexistent/cert.pem";
  tls.key_file = "/nonexistent/key.pem";
  ASSERT_EQ(WS_EINVAL, ws_server_listen_tls(server, "127.0.0.1", 0, NULL));
  ASSERT_EQ(WS_EINVAL, ws_server_tls_port(server));
  ws_client_options_init(&client_options);
  client_options.tls_ca_file = "/nonexistent/ca.pem";
#ifdef UVWS_TEST_OPENSSL
  ASSERT_EQ(1, ws_tls_available());
  ASSERT_EQ(WS_ETLS, ws_server_listen_tls(server, "127.0.0.1", 0, &tls));
  tls.key_file = NULL;
  ASSERT_EQ(WS_EINVAL, ws_server_listen_tls(server, "127.0.0.1", 0, &tls));
  {
    ws_client_t* refused;
    ASSERT_EQ(WS_ETLS, ws_client_new(&refused, &loop, &client_options,
                                     NULL));
  }
#else
  ASSERT_EQ(0, ws_tls_available());
  ASSERT_EQ(WS_ENOTSUP, ws_server_listen_tls(server, "127.0.0.1", 0, &tls));
  ASSERT_EQ(WS_ENOTSUP, ws_client_connect(client, "wss://127.0.0.1:1/",
                                          NULL, NULL, NULL));
  {
    ws_client_t* refused;
    ASSERT_EQ(WS_ENOTSUP, ws_client_new(&refused, &loop, &client_options,
                                        NULL));
  }
#endif
  ASSERT_EQ(WS_EINVAL, ws_server_tls_port(server));

  ws_client_close(client, NULL);
  harness_close_server(&loop, server);
  return 0;
}
