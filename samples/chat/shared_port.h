/* Several chat processes on one port (uvws-chat --reuseport): each opens
 * its own listening socket with SO_REUSEPORT, the kernel spreads the
 * connections between them (Linux), and each hands its connections to
 * its ws_server_t with ws_server_adopt(). With --redis they share rooms. */
#ifndef CHAT_SHARED_PORT_H
#define CHAT_SHARED_PORT_H

#include <uv.h>

#include "uvws.h"

typedef struct {
  uv_tcp_t tcp;
  ws_server_t* server;
} shared_port_t;

/* Listens on host:port with SO_REUSEADDR and SO_REUSEPORT and adopts
 * every connection into server. Returns 0, UV_ENOTSUP where the system
 * has no SO_REUSEPORT, or a libuv error. */
int shared_port_listen(shared_port_t* sp, uv_loop_t* loop,
                       ws_server_t* server, const char* host, int port);
/* The port it listens on, or a libuv error. */
int shared_port_port(const shared_port_t* sp);
/* Stops listening (connections already adopted are the server's). */
void shared_port_close(shared_port_t* sp);

#endif /* CHAT_SHARED_PORT_H */
