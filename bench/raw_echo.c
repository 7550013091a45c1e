/* raw-echo: the floor for any libuv echo server. Bytes read are written
 * back as they are: one shared read buffer, uv_try_write first, a copy and
 * uv_write only for what the kernel did not take. No framing at all.
 * Usage: raw-echo [PORT [HOST]]; prints "listening on ws://HOST:PORT/". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static char buf[65536];
static uv_tcp_t server;

static void on_alloc(uv_handle_t* h, size_t size, uv_buf_t* b) {
  (void) h, (void) size;
  *b = uv_buf_init(buf, sizeof(buf));
}

static void on_write(uv_write_t* req, int status) {
  (void) status;
  free(req); /* the copy lives after the request */
}

static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* b) {
  uv_write_t* req;
  uv_buf_t out;
  int r;

  if (n < 0) {
    uv_close((uv_handle_t*) s, (uv_close_cb) free);
    return;
  }
  out = uv_buf_init(b->base, (unsigned int) n);
  r = n > 0 ? uv_try_write(s, &out, 1) : (int) n;
  if (r == UV_EAGAIN)
    r = 0;
  if (r < 0 || r == n)
    return;
  req = malloc(sizeof(*req) + (size_t) (n - r));
  out = uv_buf_init((char*) (req + 1), (unsigned int) (n - r));
  memcpy(out.base, b->base + r, out.len);
  if (uv_write(req, s, &out, 1, on_write) != 0)
    free(req);
}

static void on_connection(uv_stream_t* listener, int status) {
  uv_tcp_t* c;

  if (status < 0 || (c = malloc(sizeof(*c))) == NULL)
    return;
  uv_tcp_init(listener->loop, c);
  if (uv_accept(listener, (uv_stream_t*) c) == 0) {
    uv_tcp_nodelay(c, 1);
    uv_read_start((uv_stream_t*) c, on_alloc, on_read);
  } else {
    uv_close((uv_handle_t*) c, (uv_close_cb) free);
  }
}

int main(int argc, char** argv) {
  const char* host = argc > 2 ? argv[2] : "127.0.0.1";
  struct sockaddr_in addr;
  int len = sizeof(addr);

  uv_ip4_addr(host, argc > 1 ? atoi(argv[1]) : 8080, &addr);
  uv_tcp_init(uv_default_loop(), &server);
  if (uv_tcp_bind(&server, (const struct sockaddr*) &addr, 0) != 0 ||
      uv_listen((uv_stream_t*) &server, 511, on_connection) != 0) {
    fprintf(stderr, "raw-echo: cannot listen on %s\n", host);
    return 1;
  }
  uv_tcp_getsockname(&server, (struct sockaddr*) &addr, &len);
  printf("listening on ws://%s:%d/\n", host, ntohs(addr.sin_port));
  fflush(stdout);
  return uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}
