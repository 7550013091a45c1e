/* Members of a shared room leave and join again, from each of three
 * loops, and some close, while four threads broadcast to it: each member
 * gets each thread's messages in order (a message sent while it was out
 * is missing, none comes twice), and everything is freed in the end. */
#include "loop_thread.h"
#include "uvws.h"

#define LOOPS 3
#define CONNS 9
#define SENDERS 4
#define MESSAGES 500 /* per sender */

static loop_thread_t lts[LOOPS];
static loop_thread_t client_lt;
static ws_server_t* servers[LOOPS];
static ws_shared_room_t* room;
static atomic_int attached;
static atomic_int opened;
static atomic_int server_closes;
static atomic_int done;
/* Each loop's own connections, touched only on that loop's thread. */
static ws_conn_t* members[LOOPS][CONNS];
static int member_count[LOOPS];
static int toggles[LOOPS];
static ws_client_t* client;
static ws_conn_t* client_conns[CONNS];
static int client_open[CONNS];
static uint32_t next_seq[CONNS][SENDERS];
static atomic_int received;
static int client_closed;

static int loop_of(ws_conn_t* conn) {
  return ((loop_thread_t*) ws_server_loop(ws_conn_server(conn))->data)->index;
}

static void server_on_open(ws_conn_t* conn) {
  int l;

  l = loop_of(conn);
  members[l][member_count[l]++] = conn;
  ASSERT_EQ(0, ws_shared_room_join(room, conn));
  atomic_fetch_add(&opened, 1);
}

static void server_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  int l;
  int i;

  (void) info;
  l = loop_of(conn);
  for (i = 0; members[l][i] != conn; i++) {
  }
  members[l][i] = members[l][--member_count[l]];
  if (atomic_fetch_add(&server_closes, 1) + 1 == CONNS)
    ws_server_close(ws_conn_server(conn), NULL);
}

/* Every millisecond, one member of this loop leaves, or joins again. */
static int churn_watch(loop_thread_t* lt) {
  ws_conn_t* conn;
  int l;
  int r;

  l = lt->index;
  if (atomic_load(&done))
    return 0;
  if (member_count[l] == 0)
    return 1;
  conn = members[l][toggles[l]++ % member_count[l]];
  if (ws_shared_room_contains(room, conn)) {
    ASSERT_EQ(0, ws_shared_room_leave(room, conn));
  } else {
    /* A member whose close handshake has begun cannot join again. */
    r = ws_shared_room_join(room, conn);
    ASSERT(r == 0 || r == WS_ECLOSED);
  }
  return 1;
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  uint32_t word[2];
  size_t i;

  i = (size_t) ws_conn_get_data(conn);
  ASSERT_EQ(WS_OP_BINARY, op);
  ASSERT_EQ(sizeof(word), len);
  memcpy(word, data, sizeof(word));
  ASSERT_LT(word[0], SENDERS);
  ASSERT_GE(word[1], next_seq[i][word[0]]);
  next_seq[i][word[0]] = word[1] + 1;
  /* A third of the members close while the broadcasts go on. */
  if (atomic_fetch_add(&received, 1) == 100 * (int) i && i % 3 == 0)
    ASSERT_EQ(0, ws_conn_close(conn, WS_CLOSE_NORMAL, NULL, 0));
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) info;
  client_open[(size_t) ws_conn_get_data(conn)] = 0;
  if (++client_closed == CONNS)
    ws_client_close(client, NULL);
}

static void client_on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  TEST__FAIL("connect error %s", ws_err_name(error));
}

static int client_watch(loop_thread_t* lt) {
  int i;

  (void) lt;
  if (!atomic_load(&done))
    return 1;
  for (i = 0; i < CONNS; i++)
    if (client_open[i])
      ws_conn_close(client_conns[i], WS_CLOSE_NORMAL, NULL, 0);
  return 0;
}

static void loop_setup(loop_thread_t* lt) {
  if (lt->index > 0)
    ASSERT_EQ(0, ws_server_attach(servers[0], &lt->loop,
                                  &servers[lt->index]));
  loop_thread_watch(lt, churn_watch);
  atomic_fetch_add(&attached, 1);
}

static void client_setup(loop_thread_t* lt) {
  ws_client_callbacks_t cb;
  char url[64];
  size_t i;

  memset(&cb, 0, sizeof(cb));
  cb.on_message = client_on_message;
  cb.on_close = client_on_close;
  cb.on_connect_error = client_on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &lt->loop, NULL, &cb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(servers[0]));
  for (i = 0; i < CONNS; i++) {
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, (void*) i,
                                   &client_conns[i]));
    client_open[i] = 1;
  }
  loop_thread_watch(lt, client_watch);
}

static void sender(void* arg) {
  uint32_t word[2];

  word[0] = (uint32_t) (uintptr_t) arg;
  for (word[1] = 0; word[1] < MESSAGES; word[1]++) {
    ASSERT_EQ(0, ws_shared_room_broadcast(room, WS_OP_BINARY, word,
                                          sizeof(word), 0));
    if (word[1] % 50 == 49)
      uv_sleep(1); /* spread over a few of the loops' churn ticks */
  }
}

int main(void) {
  ws_server_callbacks_t cb;
  uv_thread_t senders[SENDERS];
  ws_shared_room_t* gone;
  uintptr_t s;
  int i;

  for (i = 0; i < LOOPS; i++)
    loop_thread_init(&lts[i], i);
  loop_thread_init(&client_lt, LOOPS);
  memset(&cb, 0, sizeof(cb));
  cb.on_open = server_on_open;
  cb.on_close = server_on_close;
  ASSERT_EQ(0, ws_server_new(&servers[0], &lts[0].loop, NULL, &cb));
  ASSERT_EQ(0, ws_server_listen(servers[0], "127.0.0.1", 0));
  ASSERT_EQ(0, ws_shared_room_new(&room, servers[0]));
  for (i = 0; i < LOOPS; i++)
    loop_thread_start(&lts[i], loop_setup);
  WAIT_UNTIL(atomic_load(&attached) == LOOPS);
  loop_thread_start(&client_lt, client_setup);
  WAIT_UNTIL(atomic_load(&opened) == CONNS);
  for (s = 0; s < SENDERS; s++)
    ASSERT_EQ(0, uv_thread_create(&senders[s], sender, (void*) s));
  /* Meanwhile rooms come and go, broadcast to on the way. */
  for (i = 0; i < 20; i++) {
    ASSERT_EQ(0, ws_shared_room_new(&gone, servers[0]));
    ASSERT_EQ(0, ws_shared_room_broadcast(gone, WS_OP_TEXT, "x", 1, 0));
    ws_shared_room_destroy(gone);
  }
  for (s = 0; s < SENDERS; s++)
    ASSERT_EQ(0, uv_thread_join(&senders[s]));
  atomic_store(&done, 1);
  loop_thread_join(&client_lt);
  for (i = 0; i < LOOPS; i++)
    loop_thread_join(&lts[i]);
  ASSERT_GT(atomic_load(&received), 0);
  return 0;
}
