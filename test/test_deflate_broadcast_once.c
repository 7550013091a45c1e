/* A room broadcast is compressed once for every member that negotiated
 * deflate without keeping our context (the default answer), and those
 * members share the very same bytes; members without deflate get the
 * plain frame; members that keep a context, or asked for a smaller
 * window, get their own compression. Counted by the hub's deflate calls:
 * 1 + (own ones) per broadcast, however many members share. */
#include "deflate_util.h"

#define SHARED 40
#define KEPT 3
#define SMALL 2
#define PLAIN 5
#define MEMBERS (SHARED + KEPT + SMALL + PLAIN)

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  static unsigned char out[8192];
  static unsigned char inflated[4096];
  static char json[1024];
  ws_conn_t* conns[MEMBERS];
  z_stream kept[KEPT];
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  ws_server_t* server;
  ws__shared_t* shared;
  unsigned char* base;
  ws_room_t* room;
  deflate_sent_t f;
  uv_loop_t loop;
  uint64_t calls;
  char head[1024];
  size_t n;
  int round;
  int i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&o);
  o.deflate = 1;
  o.deflate_max_takeover = KEPT;
  cb = harness_callbacks();
  server = harness_server(&loop, &o, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));
  /* The first KEPT take the context-keeping places; then none is left. */
  for (i = 0; i < MEMBERS; i++) {
    if (i < KEPT + SHARED)
      conns[i] = deflate_open(server, DEFLATE_OFFER, head, sizeof(head));
    else if (i < KEPT + SHARED + SMALL)
      conns[i] = deflate_open(server,
                              "Sec-WebSocket-Extensions: permessage-deflate;"
                              " server_max_window_bits=10\r\n",
                              head, sizeof(head));
    else
      conns[i] = deflate_open(server, "", head, sizeof(head));
    ASSERT_EQ(i < KEPT + SHARED + SMALL, conns[i]->pmd);
    ASSERT_EQ(i < KEPT, conns[i]->pmd && conns[i]->pmd_tx_keep);
    ASSERT_EQ(0, ws_room_join(room, conns[i]));
  }
  for (i = 0; i < KEPT; i++) {
    memset(&kept[i], 0, sizeof(kept[i]));
    ASSERT_EQ(Z_OK, inflateInit2(&kept[i], -15));
  }

  for (round = 0; round < 3; round++) {
    n = (size_t) snprintf(json, sizeof(json), "{\"round\":%d,\"rows\":[",
                          round);
    while (n < sizeof(json) - 40)
      n += (size_t) snprintf(json + n, sizeof(json) - n,
                             "{\"id\":%lu,\"ok\":true},", (unsigned long) n);
    json[n - 1] = ']';
    json[n++] = '}';
    calls = server->hub.deflate_calls;
    ASSERT_EQ(MEMBERS, ws_room_broadcast(room, WS_OP_TEXT, json, n, NULL));
    ASSERT_UINT64_EQ(calls + 1 + KEPT + SMALL, server->hub.deflate_calls);

    shared = conns[KEPT]->busy->out.head->shared;
    base = conns[KEPT]->busy->out.head->base;
    ASSERT_NOT_NULL(shared);
    for (i = 0; i < MEMBERS; i++) {
      /* Those that share hold a piece of the same buffer. */
      if (i >= KEPT && i < KEPT + SHARED) {
        ASSERT_PTR_EQ(shared, conns[i]->busy->out.head->shared);
        ASSERT_PTR_EQ(base, conns[i]->busy->out.head->base);
      }
      deflate_parse(out, harness_take(conns[i], out, sizeof(out)), &f);
      ASSERT_EQ(i < KEPT + SHARED + SMALL, f.rsv1);
      if (!f.rsv1) {
        ASSERT_EQ(n, f.len);
        ASSERT_MEM_EQ(json, f.payload, n);
        continue;
      }
      ASSERT_LT(f.len, n / 2);
      /* A kept context: later messages refer to earlier ones. */
      if (i < KEPT)
        ASSERT_EQ(n, deflate_inflate_with(&kept[i], f.payload, f.len,
                                          inflated, sizeof(inflated)));
      else
        ASSERT_EQ(n, deflate_inflate(f.payload, f.len, inflated,
                                     sizeof(inflated)));
      ASSERT_MEM_EQ(json, inflated, n);
    }
  }

  for (i = 0; i < KEPT; i++)
    inflateEnd(&kept[i]);
  for (i = 0; i < MEMBERS; i++)
    harness_free(conns[i]);
  ws_room_destroy(room);
  harness_close_server(&loop, server);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
