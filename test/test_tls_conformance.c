/* The RFC 6455 conformance cases (conformance_cases.h) once over TLS:
 * every case on its own TLS connection to an echo server, its frames
 * written in records of a size that varies by case, the exact bytes the
 * server sends back asserted, and where the server must end the
 * connection, that it does. */
#include "conformance_cases.h"
#include "tls_peer.h"

static void run_case(uv_loop_t* loop, int port, const conf_case_t* c,
                     size_t index) {
  static const size_t chops[] = { 0, 1, 7, 4096 };
  tls_peer_t peer;
  size_t chop;
  size_t off;
  size_t n;
  size_t head;

  chop = chops[index % 4];
  if (chop != 0 && c->in_len / chop > 20000)
    chop = 16384;
  tls_peer_connect(&peer, loop, port, tls_peer_ctx(), NULL);
  tls_peer_handshake(&peer, loop);
  ASSERT(SSL_is_init_finished(peer.ssl));
  tls_peer_write(&peer, HARNESS_UPGRADE, sizeof(HARNESS_UPGRADE) - 1);
  if (chop == 0)
    chop = c->in_len > 16384 ? 16384 : c->in_len;
  for (off = 0; off < c->in_len; off += n) {
    n = c->in_len - off < chop ? c->in_len - off : chop;
    tls_peer_write(&peer, c->in + off, n);
  }
  for (;;) {
    tls_peer_pump(&peer);
    head = 0;
    for (n = 0; n + 4 <= peer.plain_len; n++)
      if (memcmp(peer.plain + n, "\r\n\r\n", 4) == 0) {
        head = n + 4;
        break;
      }
    if (head > 0 && peer.plain_len >= head + c->expect_len &&
        (!c->expect_eof || peer.closed_notify || peer.raw.eof))
      break;
    ASSERT(!peer.raw.eof && !peer.failed);
    uv_run(loop, UV_RUN_ONCE);
  }
  if (peer.plain_len - head != c->expect_len ||
      memcmp(peer.plain + head, c->expect, c->expect_len) != 0) {
    fprintf(stderr, "case '%s' (chop %lu): got %lu bytes, wanted %lu\n",
            c->name, (unsigned long) chop,
            (unsigned long) (peer.plain_len - head),
            (unsigned long) c->expect_len);
    ASSERT(0);
  }
  tls_peer_close(&peer);
  RUN_UNTIL(loop, peer.raw.closed);
}

int main(void) {
  ws_server_options_t options;
  ws_server_t* server;
  tls_files_t files;
  uv_loop_t loop;
  size_t i;

  TLS_SKIP_UNLESS_AVAILABLE();
  conformance_cases();
  tls_files_make(&files);
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_message_size = MAX_MESSAGE;
  server = tls_server(&loop, &files, &options, NULL);
  for (i = 0; i < case_count; i++) {
    harness.log_len = 0;
    run_case(&loop, ws_server_tls_port(server), &cases[i], i);
    free(cases[i].in);
    free(cases[i].expect);
  }
  printf("%lu conformance cases over TLS\n", (unsigned long) case_count);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  ASSERT_EQ(harness.open_count, (int) case_count);
  ASSERT_EQ(harness.close_count, (int) case_count);
  harness_close_server(&loop, server);
  tls_files_remove(&files);
  return 0;
}
