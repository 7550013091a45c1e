/* A shared room's broadcast, from a thread of its own, reaches members on
 * two loops: those that negotiated deflate without keeping our context
 * get it compressed, compressed once for all of them on the broadcasting
 * thread (the room counts one deflate call per broadcast, the loops none
 * for them); members without deflate get the plain frame; a member that
 * keeps our context, or asked for a smaller window, gets its own
 * compression on its loop. */
#include "deflate_util.h"
#include "loop_thread.h"

#ifdef UVWS_HAVE_ZLIB
#define LOOPS 2
#define ROUNDS 5
#define SHARED 6
#define PLAIN 2
#define SMALL 1
/* Loop 0 only: deflate_max_takeover = 1 is the whole server's. */
#define KEPT 1
#define MAX_CONNS (SHARED + PLAIN + SMALL + KEPT)

enum { K_SHARED, K_PLAIN, K_SMALL, K_KEPT };

#define NO_TAKEOVER                                                           \
  "Sec-WebSocket-Extensions: permessage-deflate; "                            \
  "server_no_context_takeover; client_no_context_takeover"

typedef struct {
  ws_conn_t* conn;
  int kind;
  unsigned char out[16384];
  size_t out_len;
} member_t;

static loop_thread_t lts[LOOPS];
static ws_server_t* servers[LOOPS];
static ws_shared_room_t* room;
static member_t members[LOOPS][MAX_CONNS];
static int counts[LOOPS];
static char json[ROUNDS][1024];
static size_t json_len[ROUNDS];
static atomic_int ready;
static atomic_int sent;
static atomic_int checked;

static void make_messages(void) {
  size_t n;
  int r;

  for (r = 0; r < ROUNDS; r++) {
    n = (size_t) snprintf(json[r], sizeof(json[r]), "{\"round\":%d,\"rows\":[",
                          r);
    while (n < sizeof(json[r]) - 40)
      n += (size_t) snprintf(json[r] + n, sizeof(json[r]) - n,
                             "{\"id\":%lu,\"ok\":true},",
                             (unsigned long) (n * (size_t) (r + 1)));
    json[r][n - 1] = ']';
    json[r][n++] = '}';
    json_len[r] = n;
  }
}

static const char* offer_of(int kind) {
  switch (kind) {
    case K_SHARED:
      return NO_TAKEOVER "\r\n";
    case K_SMALL:
      return NO_TAKEOVER "; server_max_window_bits=10\r\n";
    case K_KEPT:
      return DEFLATE_OFFER;
    default:
      return "";
  }
}

static int frames_in(const member_t* m) {
  deflate_sent_t f;
  size_t at;
  int n;

  for (at = 0, n = 0; at < m->out_len; at += f.total, n++)
    deflate_parse(m->out + at, m->out_len - at, &f);
  return n;
}

static void check_member(member_t* m) {
  unsigned char inflated[2048]; /* each loop checks its own */
  deflate_sent_t f;
  z_stream kept;
  size_t at;
  int r;

  memset(&kept, 0, sizeof(kept));
  ASSERT_EQ(Z_OK, inflateInit2(&kept, -15));
  for (at = 0, r = 0; r < ROUNDS; r++, at += f.total) {
    deflate_parse(m->out + at, m->out_len - at, &f);
    ASSERT_EQ(WS_OP_TEXT, f.opcode);
    ASSERT_EQ(m->kind != K_PLAIN, f.rsv1);
    if (!f.rsv1) {
      ASSERT_EQ(json_len[r], f.len);
      ASSERT_MEM_EQ(json[r], f.payload, f.len);
      continue;
    }
    ASSERT_LT(f.len, json_len[r] / 2);
    /* A kept context: later messages may refer to earlier ones. */
    if (m->kind == K_KEPT)
      ASSERT_EQ(json_len[r], deflate_inflate_with(&kept, f.payload, f.len,
                                                  inflated,
                                                  sizeof(inflated)));
    else
      ASSERT_EQ(json_len[r], deflate_inflate(f.payload, f.len, inflated,
                                             sizeof(inflated)));
    ASSERT_MEM_EQ(json[r], inflated, json_len[r]);
  }
  ASSERT_EQ(m->out_len, at);
  inflateEnd(&kept);
}

/* On each loop: gathers its members' output until every one has every
 * broadcast, then checks it and what this loop compressed itself. */
static int loop_watch(loop_thread_t* lt) {
  static int loop0_checked;
  member_t* m;
  uint64_t own;
  int i;

  if (atomic_load(&sent) != 1)
    return 1;
  /* Loop 0 ends the server (on every loop) once both loops are done. */
  if (loop0_checked && lt->index == 0) {
    if (atomic_load(&checked) < LOOPS)
      return 1;
    ASSERT_EQ(0, atomic_load(servers[0]->hub.takeovers));
    ws_shared_room_destroy(room);
    ws_server_close(servers[0], NULL);
    return 0;
  }
  for (i = 0; i < counts[lt->index]; i++) {
    m = &members[lt->index][i];
    m->out_len += harness_take(m->conn, m->out + m->out_len,
                               sizeof(m->out) - m->out_len);
    if (frames_in(m) < ROUNDS)
      return 1;
  }
  own = 0;
  for (i = 0; i < counts[lt->index]; i++) {
    m = &members[lt->index][i];
    check_member(m);
    if (m->kind == K_SMALL || m->kind == K_KEPT)
      own += ROUNDS;
    harness_free(m->conn);
  }
  /* The shared members' compression was not this loop's. */
  ASSERT_UINT64_EQ(own, servers[lt->index]->hub.deflate_calls);
  atomic_fetch_add(&checked, 1);
  if (lt->index != 0)
    return 0;
  loop0_checked = 1;
  return 1;
}

static void loop_setup(loop_thread_t* lt) {
  char head[1024];
  member_t* m;
  int kind;
  int i;

  if (lt->index > 0)
    ASSERT_EQ(0, ws_server_attach(servers[0], &lt->loop,
                                  &servers[lt->index]));
  for (kind = K_SHARED; kind <= K_KEPT; kind++) {
    if (kind == K_KEPT && lt->index != 0)
      continue;
    for (i = 0; i < (kind == K_SHARED  ? SHARED
                     : kind == K_PLAIN ? PLAIN
                     : kind == K_SMALL ? SMALL
                                       : KEPT);
         i++) {
      m = &members[lt->index][counts[lt->index]++];
      m->kind = kind;
      m->conn = deflate_open(servers[lt->index], offer_of(kind), head,
                             sizeof(head));
      ASSERT_EQ(kind != K_PLAIN, m->conn->pmd);
      ASSERT_EQ(kind == K_KEPT, m->conn->pmd && m->conn->pmd_tx_keep);
      ASSERT_EQ(kind == K_SHARED, ws__deflate_shares(m->conn));
      ASSERT_EQ(0, ws_shared_room_join(room, m->conn));
    }
  }
  atomic_fetch_add(&ready, 1);
  loop_thread_watch(lt, loop_watch);
}

#endif

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  int r;
  int i;

  make_messages();
  for (i = 0; i < LOOPS; i++)
    loop_thread_init(&lts[i], i);
  memset(&cb, 0, sizeof(cb));
  ws_server_options_init(&o);
  o.deflate = 1;
  o.deflate_max_takeover = KEPT;
  ASSERT_EQ(0, ws_server_new(&servers[0], &lts[0].loop, &o, &cb));
  ASSERT_EQ(0, ws_shared_room_new(&room, servers[0]));
  for (i = 0; i < LOOPS; i++)
    loop_thread_start(&lts[i], loop_setup);
  WAIT_UNTIL(atomic_load(&ready) == LOOPS);
  /* From this thread, no loop's: compressed here, once each. */
  for (r = 0; r < ROUNDS; r++) {
    ASSERT_EQ(0, ws_shared_room_broadcast(room, WS_OP_TEXT, json[r],
                                          json_len[r], 0));
    ASSERT_UINT64_EQ((uint64_t) r + 1, ws__shared_room_deflate_calls(room));
  }
  atomic_store(&sent, 1);
  for (i = 0; i < LOOPS; i++)
    loop_thread_join(&lts[i]);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
