/* Redis URLs: redis://HOST[:PORT] and unix:/PATH. A HOST that is not an
 * address is resolved by the bus with uv_getaddrinfo(), off the loop. */
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

/* Letters, digits, '-' and '.': a host name (RFC 1123). */
static int ws__redis_is_name(const char* s) {
  for (; *s != '\0'; s++) {
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
      return 0;
  }
  return 1;
}

static int ws__redis_parse_host(const char* s, size_t len, int bracketed,
                                ws__redis_addr_t* addr) {
  unsigned char buf[16];

  if (len == 0 || len >= sizeof(addr->host))
    return WS_EINVAL;
  memcpy(addr->host, s, len);
  addr->host[len] = '\0';
  if (bracketed) {
    addr->numeric = uv_inet_pton(AF_INET6, addr->host, buf) == 0;
    return addr->numeric ? 0 : WS_EINVAL;
  }
  addr->numeric = uv_inet_pton(AF_INET, addr->host, buf) == 0;
  return addr->numeric || ws__redis_is_name(addr->host) ? 0 : WS_EINVAL;
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
    if (ws__redis_parse_host(host + 1, (size_t) (end - host - 1), 1,
                             addr) != 0)
      return WS_EINVAL;
    end++;
  } else {
    end = host + strcspn(host, ":/");
    if (*end == '/')
      return WS_EINVAL;
    if (ws__redis_parse_host(host, (size_t) (end - host), 0, addr) != 0)
      return WS_EINVAL;
  }
  if (*end == ':')
    return ws__redis_parse_port(end + 1, &addr->port);
  return *end == '\0' ? 0 : WS_EINVAL;
}
