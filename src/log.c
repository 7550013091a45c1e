/* Log lines for the application's log callback (options.log_cb): the
 * line formatted, with the connection's peer address as text. Only called
 * once WS__LOG has found the level wanted. */
#include "uvws_int.h"

#include <stdarg.h>
#include <stdio.h>

const char* ws_log_level_name(int level) {
  switch (level) {
    case WS_LOG_ERROR:
      return "error";
    case WS_LOG_WARN:
      return "warn";
    case WS_LOG_INFO:
      return "info";
    case WS_LOG_DEBUG:
      return "debug";
    default:
      return NULL;
  }
}

/* "1.2.3.4:5" or "[::1]:5"; "" without an IP address. */
static void ws__log_peer(ws_conn_t* conn, char* out, size_t size) {
  struct sockaddr_storage addr;
  char ip[64];

  out[0] = '\0';
  if (conn == NULL || conn->detached || conn->state == WS__CONN_CONNECTING ||
      ws__conn_transport(conn)->peer_addr(conn, &addr) != 0)
    return;
  if (addr.ss_family == AF_INET6) {
    uv_ip6_name((const struct sockaddr_in6*) &addr, ip, sizeof(ip));
    snprintf(out, size, "[%s]:%d", ip,
             ntohs(((const struct sockaddr_in6*) &addr)->sin6_port));
  } else if (addr.ss_family == AF_INET) {
    uv_ip4_name((const struct sockaddr_in*) &addr, ip, sizeof(ip));
    snprintf(out, size, "%s:%d", ip,
             ntohs(((const struct sockaddr_in*) &addr)->sin_port));
  }
}

void ws__log(ws__hub_t* hub, ws_log_level_t level, ws_conn_t* conn,
             const char* fmt, ...) {
  char message[256];
  char peer[80];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  ws__log_peer(conn, peer, sizeof(peer));
  hub->options.log_cb(hub->data, level, conn, peer, message);
}
