/* What a connection that keeps its compression contexts holds, and what
 * caps it: its own zlib streams (about 2^(bits+2) + 2^(mem_level+9) bytes
 * to compress, 2^bits + 7 KiB to inflate), from its first compressed
 * message until it closes; deflate_window_bits and deflate_mem_level make
 * them smaller; past deflate_max_takeover connections, the others keep
 * nothing, as without deflate. Counted with ws_replace_allocator(). */
#include "counting_alloc.h"
#include "deflate_util.h"

#define KEEPING 4
#define CONNS 8

#ifdef UVWS_HAVE_ZLIB
static char text[4096];
static unsigned char packed[8192];

/* Opens CONNS connections that exchange one compressed message each;
 * returns the bytes held per connection by the first KEEPING (which keep
 * contexts), and checks that the others hold what one without holds. */
static size_t held_per_keeping_conn(int bits, int mem_level) {
  static unsigned char buf[16384];
  ws_conn_t* conns[CONNS];
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  ws_server_t* server;
  uv_loop_t loop;
  char head[1024];
  char offer[256];
  size_t plen;
  size_t before;
  size_t keeping;
  size_t plain;
  size_t n;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&o);
  o.deflate = 1;
  o.deflate_window_bits = bits;
  o.deflate_mem_level = mem_level;
  o.deflate_max_takeover = KEEPING;
  cb = harness_callbacks();
  server = harness_server(&loop, &o, &cb);
  snprintf(offer, sizeof(offer),
           "Sec-WebSocket-Extensions: permessage-deflate; "
           "client_max_window_bits=%d\r\n", bits);
  plen = deflate_compress(text, sizeof(text), packed, sizeof(packed));
  keeping = 0;
  plain = 0;
  for (i = 0; i < CONNS; i++) {
    before = live_bytes;
    conns[i] = deflate_open(server, offer, head, sizeof(head));
    ASSERT_EQ(i < KEEPING, conns[i]->pmd_tx_keep);
    n = deflate_frame(buf, 0, 1, 1, WS_OP_TEXT, packed, plen);
    harness_feed(conns[i], buf, n, 0);
    harness_take(conns[i], buf, sizeof(buf));
    /* The first of each kind also fills the server's pools. */
    if (i == 1)
      keeping = live_bytes - before;
    if (i == CONNS - 1)
      plain = live_bytes - before;
    if (i >= KEEPING)
      ASSERT(conns[i]->extra == NULL || conns[i]->extra->inflater == NULL);
  }
  printf("window %d bits, memory level %d: %lu bytes per connection "
         "keeping contexts, %lu for one that keeps none\n", bits, mem_level,
         (unsigned long) keeping, (unsigned long) plain);
  ASSERT_LT(plain, 1024);
  ASSERT_LE(keeping, plain + ((size_t) 1 << (bits + 2)) +
                         ((size_t) 1 << (mem_level + 9)) +
                         ((size_t) 1 << bits) + 16 * 1024);
  ASSERT_GE(keeping, plain + ((size_t) 1 << (bits + 2)));
  for (i = 0; i < CONNS; i++)
    harness_free(conns[i]);
  harness_close_server(&loop, server);
  return keeping;
}
#endif

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  size_t i;

  for (i = 0; i < sizeof(text); i++)
    text[i] = "{\"temp\":21.5,\"unit\":\"C\",\"room\":\"hall\"}"[i % 38];
  counting_alloc_install();
  ASSERT_LT(held_per_keeping_conn(10, 4), held_per_keeping_conn(15, 8) / 8);
  ASSERT_EQ(0, live_bytes);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
