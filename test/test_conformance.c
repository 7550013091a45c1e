/* RFC 6455 conformance over loopback (conformance_cases.h): every case
 * runs on its own connection to an echo server, writes its frames in
 * pieces of a size that varies by case, and asserts the exact bytes the
 * server sends back. */
#include "conformance_cases.h"
#include "raw_client.h"

static void run_case(uv_loop_t* loop, int port, const conf_case_t* c,
                     size_t index) {
  static const size_t chops[] = { 0, 1, 7, 4096 };
  raw_client_t client;
  size_t chop;
  size_t off;
  size_t n;
  size_t head;

  /* Big inputs go whole or in big pieces; small ones byte by byte too. */
  chop = chops[index % 4];
  if (chop != 0 && c->in_len / chop > 20000)
    chop = 65536;
  raw_connect(loop, &client, "127.0.0.1", port);
  raw_start_reading(&client);
  raw_handshake(&client);
  if (chop == 0)
    chop = c->in_len;
  for (off = 0; off < c->in_len; off += n) {
    n = c->in_len - off < chop ? c->in_len - off : chop;
    raw_write(&client, c->in + off, n);
  }
  RUN_UNTIL(loop, (head = raw_head_len(&client)) > 0 &&
                      client.in_len >= head + c->expect_len &&
                      (client.eof || !c->expect_eof));
  if (client.in_len - head != c->expect_len ||
      memcmp(client.in + head, c->expect, c->expect_len) != 0) {
    fprintf(stderr, "case '%s' (chop %lu): got %lu bytes, wanted %lu\n",
            c->name, (unsigned long) chop,
            (unsigned long) (client.in_len - head),
            (unsigned long) c->expect_len);
    ASSERT_MEM_EQ(c->expect, client.in + head,
                  c->expect_len < client.in_len - head
                      ? c->expect_len
                      : client.in_len - head);
    ASSERT(0);
  }
  raw_close(&client);
  RUN_UNTIL(loop, client.closed);
}

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  uv_loop_t loop;
  size_t i;

  conformance_cases();

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_message_size = MAX_MESSAGE;
  cb = harness_callbacks();
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  for (i = 0; i < case_count; i++) {
    /* The log of an echo server grows with every case: start afresh. */
    harness.log_len = 0;
    run_case(&loop, ws_server_port(server), &cases[i], i);
    free(cases[i].in);
    free(cases[i].expect);
  }
  printf("%lu conformance cases\n", (unsigned long) case_count);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  ASSERT_EQ(harness.open_count, (int) case_count);
  ASSERT_EQ(harness.close_count, (int) case_count);
  harness_close_server(&loop, server);
  return 0;
}
