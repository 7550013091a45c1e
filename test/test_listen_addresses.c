/* What ws_server_listen() does with the addresses a name resolves to,
 * given as a list (the lookup itself is test_listen_localhost's): with
 * port 0 the first address picks the port and every other one gets the
 * same; an address the host does not have is skipped, unless no address is
 * left; a repeated address is bound once; any other failure (a port taken)
 * fails the whole call and leaves no listener of it behind. Without ::1
 * the IPv6 cases are skipped and the test reports itself skipped. */
#include "raw_client.h"

#define MAX_ADDRS 4

typedef struct {
  struct addrinfo ai[MAX_ADDRS];
  struct sockaddr_storage addr[MAX_ADDRS];
  int count;
} addr_list_t;

static void list_init(addr_list_t* list) {
  memset(list, 0, sizeof(*list));
}

/* Appends ip (port 0: the server sets the port). */
static void list_add(addr_list_t* list, const char* ip) {
  struct addrinfo* ai;
  int i;

  i = list->count++;
  ASSERT_LT(i, MAX_ADDRS);
  ai = &list->ai[i];
  if (uv_ip4_addr(ip, 0, (struct sockaddr_in*) &list->addr[i]) == 0) {
    ai->ai_family = AF_INET;
    ai->ai_addrlen = sizeof(struct sockaddr_in);
  } else {
    ASSERT_EQ(0, uv_ip6_addr(ip, 0, (struct sockaddr_in6*) &list->addr[i]));
    ai->ai_family = AF_INET6;
    ai->ai_addrlen = sizeof(struct sockaddr_in6);
  }
  ai->ai_socktype = SOCK_STREAM;
  ai->ai_addr = (struct sockaddr*) &list->addr[i];
  if (i > 0)
    list->ai[i - 1].ai_next = ai;
}

static size_t listener_count(ws_server_t* server) {
  ws__list_t* node;
  size_t n;

  n = 0;
  for (node = server->listeners.next; node != &server->listeners;
       node = node->next)
    n++;
  return n;
}

static int ipv6_loopback(uv_loop_t* loop) {
  struct sockaddr_in6 addr;
  uv_tcp_t tcp;
  int r;

  ASSERT_EQ(0, uv_ip6_addr("::1", 0, &addr));
  ASSERT_EQ(0, uv_tcp_init(loop, &tcp));
  r = uv_tcp_bind(&tcp, (const struct sockaddr*) &addr, 0);
  uv_close((uv_handle_t*) &tcp, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
  return r == 0;
}

/* Connects and completes a handshake over ip:port. */
static void handshake_over(uv_loop_t* loop, const char* ip, int port) {
  raw_client_t c;

  raw_connect(loop, &c, ip, port);
  raw_start_reading(&c);
  raw_handshake(&c);
  RUN_UNTIL(loop, raw_head_len(&c) > 0);
  ASSERT_EQ(0, memcmp(c.in, "HTTP/1.1 101 ", 13));
  raw_close(&c);
  RUN_UNTIL(loop, c.closed);
}

/* A listener of the test's own on ip, port 0; returns the port. */
static int occupy(uv_loop_t* loop, uv_tcp_t* tcp, const char* ip) {
  struct sockaddr_storage addr;
  int len;

  if (uv_ip4_addr(ip, 0, (struct sockaddr_in*) &addr) != 0)
    ASSERT_EQ(0, uv_ip6_addr(ip, 0, (struct sockaddr_in6*) &addr));
  ASSERT_EQ(0, uv_tcp_init(loop, tcp));
  ASSERT_EQ(0, uv_tcp_bind(tcp, (const struct sockaddr*) &addr, 0));
  ASSERT_EQ(0, uv_listen((uv_stream_t*) tcp, 1, NULL));
  len = sizeof(addr);
  ASSERT_EQ(0, uv_tcp_getsockname(tcp, (struct sockaddr*) &addr, &len));
  if (addr.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6*) &addr)->sin6_port);
  return ntohs(((struct sockaddr_in*) &addr)->sin_port);
}

int main(void) {
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_server_t* both;
  addr_list_t list;
  uv_tcp_t taken;
  uv_loop_t loop;
  int ipv6;
  int port;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ipv6 = ipv6_loopback(&loop);
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);

  /* An address this host does not have (TEST-NET-1), alone: its error. */
  list_init(&list);
  list_add(&list, "192.0.2.1");
  ASSERT_EQ(UV_EADDRNOTAVAIL, ws__server_listen_addrs(server, list.ai, 0));
  ASSERT_EQ(0, listener_count(server));
  ASSERT_EQ(WS_EINVAL, ws_server_port(server));

  /* Skipped before one that binds; a repeated address is bound once. */
  list_init(&list);
  list_add(&list, "192.0.2.1");
  list_add(&list, "127.0.0.1");
  list_add(&list, "127.0.0.1");
  ASSERT_EQ(0, ws__server_listen_addrs(server, list.ai, 0));
  ASSERT_EQ(1, listener_count(server));
  port = ws_server_port(server);
  ASSERT_GT(port, 0);
  handshake_over(&loop, "127.0.0.1", port);

  /* Port 0 over two families: one port for both, each served. */
  if (ipv6) {
    ASSERT_EQ(0, ws_server_new(&both, &loop, NULL, &cb));
    list_init(&list);
    list_add(&list, "127.0.0.1");
    list_add(&list, "::1");
    ASSERT_EQ(0, ws__server_listen_addrs(both, list.ai, 0));
    ASSERT_EQ(2, listener_count(both));
    /* The caller's list is left as it was. */
    ASSERT_EQ(0, ((struct sockaddr_in*) list.ai[0].ai_addr)->sin_port);
    port = ws_server_port(both);
    handshake_over(&loop, "127.0.0.1", port);
    handshake_over(&loop, "::1", port);

    /* The second address's port is taken: nothing of the call stays. */
    port = occupy(&loop, &taken, "::1");
    ASSERT_EQ(UV_EADDRINUSE, ws__server_listen_addrs(both, list.ai, port));
    ASSERT_EQ(2, listener_count(both));
    uv_close((uv_handle_t*) &taken, NULL);
    ws_server_close(both, NULL);
  }

  harness_close_server(&loop, server);
  if (!ipv6)
    return test_skip("no IPv6 loopback here: IPv6 cases not run");
  return 0;
}
