/* deflate_max_takeover is the whole server's, however many loops it spans
 * (ws_server_attach()): connections offering context takeover on two
 * loops at once get at most that many places between them, not that
 * many each; places given back on either loop can be taken again. */
#include "deflate_util.h"
#include "loop_thread.h"

#ifdef UVWS_HAVE_ZLIB
#define LOOPS 2
#define PER_LOOP 4
#define MAX_TAKEOVER 3

static loop_thread_t lts[LOOPS];
static ws_server_t* servers[LOOPS];
static ws_conn_t* conns[LOOPS][PER_LOOP];
static atomic_int kept[LOOPS];
static atomic_int attached;
static atomic_int opened;
static atomic_int step;    /* 1: loop 0 frees its conns; 2: loop 1 frees
                              its own and opens as many again; 3: end */
static atomic_int done[LOOPS];

static ws_conn_t* open_keeping(ws_server_t* server) {
  char head[1024];
  ws_conn_t* conn;

  conn = deflate_open(server, DEFLATE_OFFER, head, sizeof(head));
  ASSERT(conn->pmd);
  /* A place holds both contexts, or none. */
  ASSERT_EQ(conn->pmd_tx_keep, conn->pmd_rx_keep);
  return conn;
}

static int loop_watch(loop_thread_t* lt) {
  int n;
  int i;

  if (lt->index == 0 && atomic_load(&step) == 1 &&
      atomic_load(&done[0]) == 0) {
    for (i = 0; i < PER_LOOP; i++)
      harness_free(conns[0][i]);
    atomic_store(&done[0], 1);
  }
  if (lt->index == 1 && atomic_load(&step) == 2 &&
      atomic_load(&done[1]) == 0) {
    /* Every place is free again, loop 0's too: this loop takes them
     * all, and no more. */
    for (i = 0; i < PER_LOOP; i++)
      harness_free(conns[1][i]);
    for (i = 0, n = 0; i < PER_LOOP; i++) {
      conns[1][i] = open_keeping(servers[1]);
      n += conns[1][i]->pmd_tx_keep;
    }
    ASSERT_EQ(MAX_TAKEOVER, n);
    for (i = 0; i < PER_LOOP; i++)
      harness_free(conns[1][i]);
    atomic_store(&done[1], 1);
  }
  if (atomic_load(&step) != 3)
    return 1;
  if (lt->index == 0) {
    ASSERT_EQ(0, atomic_load(servers[0]->hub.takeovers));
    ws_server_close(servers[0], NULL);
  }
  return 0;
}

static void loop_setup(loop_thread_t* lt) {
  int i;

  if (lt->index > 0)
    ASSERT_EQ(0, ws_server_attach(servers[0], &lt->loop,
                                  &servers[lt->index]));
  atomic_fetch_add(&attached, 1);
  /* Both loops open theirs at the same time. */
  WAIT_UNTIL(atomic_load(&attached) == LOOPS);
  for (i = 0; i < PER_LOOP; i++) {
    conns[lt->index][i] = open_keeping(servers[lt->index]);
    if (conns[lt->index][i]->pmd_tx_keep)
      atomic_fetch_add(&kept[lt->index], 1);
  }
  atomic_fetch_add(&opened, 1);
  loop_thread_watch(lt, loop_watch);
}

#endif

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  int i;

  for (i = 0; i < LOOPS; i++)
    loop_thread_init(&lts[i], i);
  memset(&cb, 0, sizeof(cb));
  ws_server_options_init(&o);
  o.deflate = 1;
  o.deflate_max_takeover = MAX_TAKEOVER;
  ASSERT_EQ(0, ws_server_new(&servers[0], &lts[0].loop, &o, &cb));
  for (i = 0; i < LOOPS; i++)
    loop_thread_start(&lts[i], loop_setup);
  WAIT_UNTIL(atomic_load(&opened) == LOOPS);
  /* 8 offers over two loops: 3 places in all. */
  ASSERT_EQ(MAX_TAKEOVER, atomic_load(&kept[0]) + atomic_load(&kept[1]));
  atomic_store(&step, 1);
  WAIT_UNTIL(atomic_load(&done[0]) == 1);
  atomic_store(&step, 2);
  WAIT_UNTIL(atomic_load(&done[1]) == 1);
  atomic_store(&step, 3);
  for (i = 0; i < LOOPS; i++)
    loop_thread_join(&lts[i]);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
