/* ws_connect_options_t.local_addr binds the client's socket before it
 * connects: the server sees that source address and port
 * (ws_conn_peer_addr()). A name is then resolved to that family only. A
 * local address of another family than the URL's address literal is
 * refused with WS_EINVAL; one in use ends in on_connect_error
 * (UV_EADDRINUSE). */
#include "raw_client.h"

static struct sockaddr_storage seen;
static int server_opened;
static int opened;
static int failed;
static int last_error;

static void on_server_open(ws_conn_t* conn) {
  ASSERT_EQ(0, ws_conn_peer_addr(conn, &seen));
  server_opened++;
}

static void on_open(ws_conn_t* conn) {
  opened++;
  ASSERT_EQ(0, ws_conn_close(conn, WS_CLOSE_NORMAL, NULL, 0));
}

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  failed++;
  last_error = error;
}

static int port_of(const struct sockaddr_storage* addr) {
  if (addr->ss_family == AF_INET6)
    return ntohs(((const struct sockaddr_in6*) addr)->sin6_port);
  return ntohs(((const struct sockaddr_in*) addr)->sin_port);
}

/* A port nobody on 127.0.0.1 uses right now. */
static int free_port(uv_loop_t* loop) {
  struct sockaddr_storage addr;
  uv_tcp_t tcp;
  int len;

  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", 0, (struct sockaddr_in*) &addr));
  ASSERT_EQ(0, uv_tcp_init(loop, &tcp));
  ASSERT_EQ(0, uv_tcp_bind(&tcp, (const struct sockaddr*) &addr, 0));
  len = sizeof(addr);
  ASSERT_EQ(0, uv_tcp_getsockname(&tcp, (struct sockaddr*) &addr, &len));
  uv_close((uv_handle_t*) &tcp, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
  return port_of(&addr);
}

int main(void) {
  ws_connect_options_t copts;
  struct sockaddr_in local;
  ws_client_callbacks_t ccb;
  ws_server_callbacks_t scb;
  ws_server_t* server;
  ws_client_t* client;
  uv_loop_t loop;
  char url[64];
  char ip[64];
  int source;
  int port;
  int r;

  ASSERT_EQ(0, uv_loop_init(&loop));
  scb = harness_callbacks();
  scb.on_open = on_server_open;
  server = harness_server(&loop, NULL, &scb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  port = ws_server_port(server);
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_open;
  ccb.on_connect_error = on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, &ccb));
  ws_connect_options_init(&copts);
  copts.local_addr = (const struct sockaddr*) &local;

  /* A chosen source port, and an address literal. */
  source = free_port(&loop);
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", source, &local));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
  ASSERT_EQ(0, ws_client_connect(client, url, &copts, NULL, NULL));
  memset(&local, 0xff, sizeof(local)); /* copied: the caller's may go */
  RUN_UNTIL(&loop, opened == 1 && server_opened == 1);
  ASSERT_EQ(AF_INET, seen.ss_family);
  ASSERT_EQ(0, uv_ip4_name((struct sockaddr_in*) &seen, ip, sizeof(ip)));
  ASSERT_STR_EQ("127.0.0.1", ip);
  ASSERT_EQ(source, port_of(&seen));
  RUN_UNTIL(&loop, harness.close_count == 1);

  /* A name, resolved to the local address's family only. */
  source = free_port(&loop);
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", source, &local));
  snprintf(url, sizeof(url), "ws://localhost:%d/", port);
  ASSERT_EQ(0, ws_client_connect(client, url, &copts, NULL, NULL));
  RUN_UNTIL(&loop, opened == 2 && server_opened == 2);
  ASSERT_EQ(AF_INET, seen.ss_family);
  ASSERT_EQ(source, port_of(&seen));
  RUN_UNTIL(&loop, harness.close_count == 2);

  /* An IPv4 source for an IPv6 literal: refused, nothing called back. */
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", 0, &local));
  snprintf(url, sizeof(url), "ws://[::1]:%d/", port);
  ASSERT_EQ(WS_EINVAL, ws_client_connect(client, url, &copts, NULL, NULL));

  /* A local address that is not IPv4 or IPv6. */
  local.sin_family = AF_UNSPEC;
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
  ASSERT_EQ(WS_EINVAL, ws_client_connect(client, url, &copts, NULL, NULL));

  /* The server's own address and port as the source: in use. libuv
   * reports it when connecting, from the loop. */
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", port, &local));
  r = ws_client_connect(client, url, &copts, NULL, NULL);
  if (r == 0)
    RUN_UNTIL(&loop, failed == 1);
  else
    last_error = r;
  ASSERT_EQ(UV_EADDRINUSE, last_error);
  ASSERT_EQ(2, opened);

  ws_client_close(client, NULL);
  harness_close_server(&loop, server);
  return 0;
}
