/* Redis URLs: redis://HOST[:PORT] and unix:/PATH.
 *
 * HOST must be numeric (or localhost): hiredis resolves names with a
 * blocking getaddrinfo(), which would stall the loop. */
#include "redis_int.h"

#include <stdlib.h>
#include <string.h>

static int ws__redis_parse_port(const char* s, int* port) {
  char* end;
  long v;

  if (*s < '0' || *s > '9')
    return WS_EINVAL;
  v = strtol(s, &end, 10);
  if (*end != '\0' || v < 1 || v > 65535)
    return WS_EINVAL;
  *port = (int) v;
  return 0;
}

static int ws__redis_parse_host(const char* s, size_t len,
                                ws__redis_addr_t* addr) {
  unsigned char buf[16];

  if (len == 0 || len >= sizeof(addr->host))
    return WS_EINVAL;
  memcpy(addr->host, s, len);
  addr->host[len] = '\0';
  if (strcmp(addr->host, "localhost") == 0) {
    strcpy(addr->host, "127.0.0.1");
    return 0;
  }
  if (uv_inet_pton(AF_INET, addr->host, buf) == 0 ||
      uv_inet_pton(AF_INET6, addr->host, buf) == 0)
    return 0;
  return WS_EINVAL;
}

int ws__redis_parse_url(const char* url, ws__redis_addr_t* addr) {
  const char* host;
  const char* end;
  size_t len;

  memset(addr, 0, sizeof(*addr));
  addr->port = 6379;
  if (url == NULL)
    return WS_EINVAL;
  if (strncmp(url, "unix:", 5) == 0) {
    len = strlen(url + 5);
    if (len == 0 || len >= sizeof(addr->path))
      return WS_EINVAL;
    memcpy(addr->path, url + 5, len + 1);
    return 0;
  }
  if (strncmp(url, "redis://", 8) != 0)
    return WS_EINVAL;
  host = url + 8;
  if (*host == '[') {
    end = strchr(host, ']');
    if (end == NULL || (end[1] != '\0' && end[1] != ':'))
      return WS_EINVAL;
    if (ws__redis_parse_host(host + 1, (size_t) (end - host - 1), addr) != 0)
      return WS_EINVAL;
    end++;
  } else {
    end = host + strcspn(host, ":/");
    if (*end == '/')
      return WS_EINVAL;
    if (ws__redis_parse_host(host, (size_t) (end - host), addr) != 0)
      return WS_EINVAL;
  }
  if (*end == ':')
    return ws__redis_parse_port(end + 1, &addr->port);
  return *end == '\0' ? 0 : WS_EINVAL;
}
