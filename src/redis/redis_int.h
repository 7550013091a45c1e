/* What the files of uvws_redis share. */
#ifndef UVWS_REDIS_INT_H
#define UVWS_REDIS_INT_H

#include "uvws_redis.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

/* Called once the poll handle of a connection is closed. */
typedef void (*ws__redis_closed_cb)(void* arg);

/* Drives ac from loop (poll.c). hiredis calls ev.cleanup when it frees
 * ac; on_closed(arg) follows once the handle is closed. Returns 0,
 * WS_ENOMEM or a libuv error (then ac has no hooks: free it). */
int ws__redis_attach(redisAsyncContext* ac, uv_loop_t* loop,
                     ws__redis_closed_cb on_closed, void* arg);

/* Where a bus connects (url.c). */
typedef struct {
  char host[256];  /* for TCP: an address, or a name to resolve */
  int numeric;     /* host is an IPv4 or IPv6 address */
  int port;
  char path[108];  /* unix socket path, when not empty */
} ws__redis_addr_t;

/* "redis://HOST[:PORT]" (HOST: a name, an IPv4 address or [IPv6]) or
 * "unix:/PATH". Returns 0 or WS_EINVAL. */
int ws__redis_parse_url(const char* url, ws__redis_addr_t* addr);

#endif /* UVWS_REDIS_INT_H */
