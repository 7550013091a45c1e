/* A server's answer to permessage-deflate offers (RFC 7692 section 7):
 * every parameter alone and together, bad values, duplicates, unknown
 * parameters and extensions, several offers in one header and across
 * headers (the first acceptable one wins), the options that shape the
 * answer (off, window bits, connections keeping a context), and option
 * values out of range refused. */
#include "deflate_util.h"

#define BASE "permessage-deflate; server_no_context_takeover; " \
             "client_no_context_takeover"

typedef struct {
  const char* headers; /* extra request header lines */
  const char* answer;  /* the Sec-WebSocket-Extensions answered, "": none */
  int tx_bits;         /* the window we then compress with (0: none) */
} offer_case_t;

static const offer_case_t cases[] = {
  /* No offer, or none of ours. */
  { "", "", 0 },
  { "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-foo\r\n", "", 0 },
  /* Each parameter alone. */
  { DEFLATE_OFFER, BASE, 15 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_no_context_takeover\r\n", BASE, 15 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "client_no_context_takeover\r\n", BASE, 15 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "client_max_window_bits\r\n", BASE, 15 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "client_max_window_bits=10\r\n", BASE, 15 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits=10\r\n", BASE "; server_max_window_bits=10", 10 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits=8\r\n", BASE "; server_max_window_bits=8", 8 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits=15\r\n", BASE "; server_max_window_bits=15", 15 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits=\"12\"\r\n", BASE "; server_max_window_bits=12",
    12 },
  /* All four, with white space and letter case that may vary. */
  { "Sec-WebSocket-Extensions: permessage-deflate ; server_no_context_takeover"
    ";client_no_context_takeover ; server_max_window_bits = 9;"
    " client_max_window_bits=9\r\n", BASE "; server_max_window_bits=9", 9 },
  { "Sec-WebSocket-Extensions: PerMessage-Deflate; "
    "Server_No_Context_Takeover\r\n", BASE, 15 },
  /* Bad values: declined. */
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits=7\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits=16\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits=08\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits=abc\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "client_max_window_bits=7\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "client_max_window_bits=16\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "client_max_window_bits=\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_no_context_takeover=1\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "client_no_context_takeover=\"\"\r\n", "", 0 },
  /* Duplicates and unknown parameters: declined. */
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_no_context_takeover; server_no_context_takeover\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "client_max_window_bits; client_max_window_bits=10\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits=10; server_max_window_bits=10\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; foo\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; foo=bar\r\n", "", 0 },
  /* Malformed headers: no offer. */
  { "Sec-WebSocket-Extensions: permessage-deflate;\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; =9\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: permessage-deflate; a=\"9\r\n", "", 0 },
  { "Sec-WebSocket-Extensions: ; permessage-deflate\r\n", "", 0 },
  /* Several offers: the first acceptable one. */
  { "Sec-WebSocket-Extensions: permessage-deflate; foo, permessage-deflate; "
    "server_max_window_bits=11, permessage-deflate\r\n",
    BASE "; server_max_window_bits=11", 11 },
  { "Sec-WebSocket-Extensions: x-foo; a=\"b,c\", permessage-deflate; "
    "server_max_window_bits=13\r\n", BASE "; server_max_window_bits=13", 13 },
  { "Sec-WebSocket-Extensions: x-foo\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; "
    "server_max_window_bits=14\r\n", BASE "; server_max_window_bits=14", 14 },
  { "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7"
    "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n", BASE, 15 },
};

static void expect_answer(ws_server_t* server, const char* headers,
                          const char* answer, int tx_bits) {
  char head[2048];
  char value[256];
  ws_conn_t* conn;

  conn = deflate_open(server, headers, head, sizeof(head));
  deflate_answer(head, value, sizeof(value));
  if (strcmp(value, answer) != 0) {
    fprintf(stderr, "offer: %s\n", headers);
    ASSERT_STR_EQ(answer, value);
  }
  ASSERT_EQ(tx_bits != 0, conn->pmd);
  if (tx_bits != 0)
    ASSERT_EQ(tx_bits, 8 + conn->pmd_tx_window);
  harness_free(conn);
}

static ws_server_t* server_with(uv_loop_t* loop, int deflate, int bits,
                                unsigned int takeover) {
  ws_server_options_t o;
  ws_server_callbacks_t cb;

  ws_server_options_init(&o);
  o.deflate = deflate;
  o.deflate_window_bits = bits;
  o.deflate_max_takeover = takeover;
  cb = harness_callbacks();
  return harness_server(loop, &o, &cb);
}

int main(void) {
  ws_server_options_t o;
  ws_server_t* server;
  ws_conn_t* kept[2];
  char head[2048];
  char value[256];
  uv_loop_t loop;
  size_t i;

  DEFLATE_REQUIRE();
  ASSERT_EQ(0, uv_loop_init(&loop));

  server = server_with(&loop, 1, 0, 0);
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    expect_answer(server, cases[i].headers, cases[i].answer,
                  cases[i].tx_bits);
  harness_close_server(&loop, server);

  /* Off (the default): never negotiated. */
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = server_with(&loop, 0, 0, 0);
  expect_answer(server, DEFLATE_OFFER, "", 0);
  harness_close_server(&loop, server);

  /* A smaller window: said, and no larger one taken. */
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = server_with(&loop, 1, 10, 0);
  expect_answer(server, DEFLATE_OFFER, BASE "; server_max_window_bits=10",
                10);
  expect_answer(server,
                "Sec-WebSocket-Extensions: permessage-deflate; "
                "server_max_window_bits=12\r\n",
                BASE "; server_max_window_bits=10", 10);
  expect_answer(server,
                "Sec-WebSocket-Extensions: permessage-deflate; "
                "server_max_window_bits=9\r\n",
                BASE "; server_max_window_bits=9", 9);
  harness_close_server(&loop, server);

  /* Contexts kept by at most deflate_max_takeover connections; the peer's
   * window capped where it says it can be. */
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = server_with(&loop, 1, 0, 2);
  kept[0] = deflate_open(server,
                         "Sec-WebSocket-Extensions: permessage-deflate; "
                         "client_max_window_bits\r\n",
                         head, sizeof(head));
  ASSERT_STR_EQ("permessage-deflate; client_max_window_bits=15",
                deflate_answer(head, value, sizeof(value)));
  ASSERT(kept[0]->pmd_tx_keep && kept[0]->pmd_rx_keep);
  kept[1] = deflate_open(server,
                         "Sec-WebSocket-Extensions: permessage-deflate; "
                         "server_no_context_takeover\r\n",
                         head, sizeof(head));
  ASSERT_STR_EQ("permessage-deflate; server_no_context_takeover",
                deflate_answer(head, value, sizeof(value)));
  ASSERT(!kept[1]->pmd_tx_keep && kept[1]->pmd_rx_keep);
  ASSERT_EQ(2, atomic_load(server->hub.takeovers));
  /* The third finds no room left. */
  expect_answer(server, DEFLATE_OFFER, BASE, 15);
  harness_free(kept[0]);
  ASSERT_EQ(1, atomic_load(server->hub.takeovers));
  expect_answer(server, DEFLATE_OFFER, "permessage-deflate", 15);
  harness_free(kept[1]);
  ASSERT_EQ(0, atomic_load(server->hub.takeovers));
  harness_close_server(&loop, server);

  /* A smaller window kept only if the peer lets us cap its own. */
  ASSERT_EQ(0, uv_loop_init(&loop));
  server = server_with(&loop, 1, 11, 1);
  expect_answer(server, DEFLATE_OFFER,
                "permessage-deflate; client_no_context_takeover; "
                "server_max_window_bits=11", 11);
  expect_answer(server,
                "Sec-WebSocket-Extensions: permessage-deflate; "
                "client_max_window_bits=9\r\n",
                "permessage-deflate; server_max_window_bits=11; "
                "client_max_window_bits=9", 11);
  harness_close_server(&loop, server);

  /* Options out of range. */
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&o);
  o.deflate = 2;
  ASSERT_EQ(WS_EINVAL, ws_server_new(&server, &loop, &o, NULL));
  ws_server_options_init(&o);
  o.deflate_window_bits = 7;
  ASSERT_EQ(WS_EINVAL, ws_server_new(&server, &loop, &o, NULL));
  o.deflate_window_bits = 16;
  ASSERT_EQ(WS_EINVAL, ws_server_new(&server, &loop, &o, NULL));
  ws_server_options_init(&o);
  o.deflate_mem_level = 10;
  ASSERT_EQ(WS_EINVAL, ws_server_new(&server, &loop, &o, NULL));
  o.deflate_mem_level = -1;
  ASSERT_EQ(WS_EINVAL, ws_server_new(&server, &loop, &o, NULL));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
