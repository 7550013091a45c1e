/* raw-bcast: the floor for a broadcast. Every connection is a member; the
 * bytes read from any of them are written to all of them, in the order they
 * connected, with one send each: uv_try_write first, a copy and uv_write
 * only for what the kernel did not take. No framing: the members get the
 * publisher's own (masked) frames, 4 bytes longer than a server's.
 * Usage: raw-bcast [PORT [HOST]]; prints "listening on ws://HOST:PORT/". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static char buf[65536];
static uv_tcp_t server;
static uv_tcp_t** members;
static size_t count;
static size_t cap;

static void on_alloc(uv_handle_t* h, size_t size, uv_buf_t* b) {
  (void) h, (void) size;
  *b = uv_buf_init(buf, sizeof(buf));
}

static void on_write(uv_write_t* req, int status) {
  (void) status;
  free(req);
}

static void on_closed(uv_handle_t* h) {
  size_t i;

  for (i = 0; i < count; i++)
    if (members[i] == (uv_tcp_t*) h) {
      memmove(members + i, members + i + 1,
              (count - i - 1) * sizeof(*members));
      count--;
      break;
    }
  free(h);
}

static void send_to(uv_tcp_t* m, const char* data, size_t n) {
  uv_write_t* req;
  uv_buf_t out;
  int r;

  if (uv_is_closing((uv_handle_t*) m))
    return;
  out = uv_buf_init((char*) data, (unsigned int) n);
  r = uv_try_write((uv_stream_t*) m, &out, 1);
  if (r == UV_EAGAIN)
    r = 0;
  if (r < 0 || (size_t) r == n)
    return;
  req = malloc(sizeof(*req) + n - (size_t) r);
  out = uv_buf_init((char*) (req + 1), (unsigned int) (n - (size_t) r));
  memcpy(out.base, data + r, out.len);
  if (uv_write(req, (uv_stream_t*) m, &out, 1, on_write) != 0)
    free(req);
}

static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* b) {
  size_t i;

  if (n < 0) {
    uv_close((uv_handle_t*) s, on_closed);
    return;
  }
  for (i = 0; i < count; i++)
    send_to(members[i], b->base, (size_t) n);
}

static void on_connection(uv_stream_t* listener, int status) {
  uv_tcp_t* c;

  if (status < 0 || (c = malloc(sizeof(*c))) == NULL)
    return;
  uv_tcp_init(listener->loop, c);
  if (uv_accept(listener, (uv_stream_t*) c) != 0) {
    uv_close((uv_handle_t*) c, (uv_close_cb) free);
    return;
  }
  if (count == cap) {
    cap = cap ? cap * 2 : 1024;
    members = realloc(members, cap * sizeof(*members));
  }
  members[count++] = c;
  uv_tcp_nodelay(c, 1);
  uv_read_start((uv_stream_t*) c, on_alloc, on_read);
}

int main(int argc, char** argv) {
  const char* host = argc > 2 ? argv[2] : "127.0.0.1";
  struct sockaddr_in addr;
  int len = sizeof(addr);

  uv_ip4_addr(host, argc > 1 ? atoi(argv[1]) : 8080, &addr);
  uv_tcp_init(uv_default_loop(), &server);
  if (uv_tcp_bind(&server, (const struct sockaddr*) &addr, 0) != 0 ||
      uv_listen((uv_stream_t*) &server, 511, on_connection) != 0) {
    fprintf(stderr, "raw-bcast: cannot listen on %s\n", host);
    return 1;
  }
  uv_tcp_getsockname(&server, (struct sockaddr*) &addr, &len);
  printf("listening on ws://%s:%d/\n", host, ntohs(addr.sin_port));
  fflush(stdout);
  return uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}
