/* SO_REUSEPORT listening for uvws-chat --reuseport (shared_port.h). libuv
 * 1.44 (Debian 12) cannot set the option, so the socket is made here with
 * the system's own calls, then given to libuv. */
#include "shared_port.h"

#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#if defined(SO_REUSEPORT) && !defined(_WIN32)
static void shared_port__free(uv_handle_t* handle) {
  free(handle);
}

static void shared_port__on_connection(uv_stream_t* listener, int status) {
  shared_port_t* sp;
  uv_tcp_t* tcp;

  sp = listener->data;
  if (status != 0)
    return;
  tcp = malloc(sizeof(*tcp));
  if (tcp == NULL)
    return;
  if (uv_tcp_init(listener->loop, tcp) != 0) {
    free(tcp);
    return;
  }
  if (uv_accept(listener, (uv_stream_t*) tcp) != 0 ||
      ws_server_adopt(sp->server, (uv_stream_t*) tcp, NULL, 0,
                      shared_port__free) != 0)
    uv_close((uv_handle_t*) tcp, shared_port__free);
}

int shared_port_listen(shared_port_t* sp, uv_loop_t* loop,
                       ws_server_t* server, const char* host, int port) {
  struct sockaddr_storage addr;
  int one;
  int err;
  int fd;

  memset(&addr, 0, sizeof(addr));
  if (uv_ip4_addr(host, port, (struct sockaddr_in*) &addr) != 0 &&
      uv_ip6_addr(host, port, (struct sockaddr_in6*) &addr) != 0)
    return UV_EINVAL;
  fd = socket(addr.ss_family, SOCK_STREAM, 0);
  if (fd < 0)
    return uv_translate_sys_error(errno);
  one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
      bind(fd, (const struct sockaddr*) &addr,
           addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                      : sizeof(struct sockaddr_in)) != 0) {
    err = uv_translate_sys_error(errno);
    close(fd);
    return err;
  }
  sp->server = server;
  err = uv_tcp_init(loop, &sp->tcp);
  if (err != 0) {
    close(fd);
    return err;
  }
  sp->tcp.data = sp;
  err = uv_tcp_open(&sp->tcp, fd);
  if (err != 0) {
    close(fd);
    uv_close((uv_handle_t*) &sp->tcp, NULL);
    return err;
  }
  /* From here the handle owns fd: uv_close() closes it. */
  err = uv_listen((uv_stream_t*) &sp->tcp, 511, shared_port__on_connection);
  if (err != 0) {
    uv_close((uv_handle_t*) &sp->tcp, NULL);
    return err;
  }
  return 0;
}
#else
int shared_port_listen(shared_port_t* sp, uv_loop_t* loop,
                       ws_server_t* server, const char* host, int port) {
  (void) sp;
  (void) loop;
  (void) server;
  (void) host;
  (void) port;
  return UV_ENOTSUP;
}
#endif

int shared_port_port(const shared_port_t* sp) {
  struct sockaddr_storage addr;
  int len;
  int err;

  len = sizeof(addr);
  err = uv_tcp_getsockname(&sp->tcp, (struct sockaddr*) &addr, &len);
  if (err != 0)
    return err;
  if (addr.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6*) &addr)->sin6_port);
  return ntohs(((struct sockaddr_in*) &addr)->sin_port);
}

void shared_port_close(shared_port_t* sp) {
  uv_close((uv_handle_t*) &sp->tcp, NULL);
}
