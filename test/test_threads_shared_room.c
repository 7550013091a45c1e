/* A shared room whose members live on three loops, broadcast to from four
 * threads at once: every member gets every message once, each thread's in
 * the order it broadcast them, except the member a broadcast excluded. */
#include "loop_thread.h"
#include "uvws.h"

#define LOOPS 3
#define CONNS 12
#define SENDERS 4
#define MESSAGES 200 /* per sender */

static loop_thread_t lts[LOOPS];
static loop_thread_t client_lt;
static ws_server_t* servers[LOOPS];
static ws_shared_room_t* room;
static atomic_int attached;
static atomic_int joined;
static ws_conn_id_t excluded;
static atomic_int server_closes;
static atomic_int close_cbs;
static ws_client_t* client;
static ws_conn_t* client_conns[CONNS];
static uint32_t next_seq[CONNS][SENDERS];
static int counts[CONNS];
static atomic_int received;
static int client_closed;

static void server_on_open(ws_conn_t* conn) {
  ASSERT_EQ(0, ws_shared_room_join(room, conn));
  ASSERT_EQ(WS_EINVAL, ws_shared_room_join(room, conn));
  ASSERT_EQ(1, ws_shared_room_contains(room, conn));
  if (atomic_fetch_add(&joined, 1) == 0)
    excluded = ws_conn_id(conn);
}

static void on_server_closed(ws_server_t* server) {
  (void) server;
  atomic_fetch_add(&close_cbs, 1);
}

static void server_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) info;
  /* The last connection to close, on whichever loop, closes the server. */
  if (atomic_fetch_add(&server_closes, 1) + 1 == CONNS)
    ws_server_close(ws_conn_server(conn), on_server_closed);
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
  /* In order; only sender 0's first message may be missing (except). */
  if (word[0] == 0 && word[1] == 1 && next_seq[i][0] == 0)
    next_seq[i][0] = 1;
  ASSERT_EQ(next_seq[i][word[0]], word[1]);
  next_seq[i][word[0]]++;
  counts[i]++;
  atomic_fetch_add(&received, 1);
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  (void) info;
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
  if (atomic_load(&received) < CONNS * SENDERS * MESSAGES - 1)
    return 1;
  for (i = 0; i < CONNS; i++)
    ASSERT_EQ(0, ws_conn_close(client_conns[i], WS_CLOSE_NORMAL, NULL, 0));
  return 0;
}

static void loop_setup(loop_thread_t* lt) {
  if (lt->index > 0)
    ASSERT_EQ(0, ws_server_attach(servers[0], &lt->loop,
                                  &servers[lt->index]));
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
  for (i = 0; i < CONNS; i++)
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, (void*) i,
                                   &client_conns[i]));
  loop_thread_watch(lt, client_watch);
}

static void sender(void* arg) {
  uint32_t word[2];

  word[0] = (uint32_t) (uintptr_t) arg;
  for (word[1] = 0; word[1] < MESSAGES; word[1]++)
    ASSERT_EQ(0, ws_shared_room_broadcast(
                     room, WS_OP_BINARY, word, sizeof(word),
                     word[0] == 0 && word[1] == 0 ? excluded : 0));
}

int main(void) {
  ws_server_callbacks_t cb;
  uv_thread_t senders[SENDERS];
  uintptr_t s;
  int missing;
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
  ASSERT_EQ(WS_EINVAL, ws_shared_room_broadcast(room, (ws_opcode_t) 8, "x",
                                                1, 0));
  for (i = 0; i < LOOPS; i++)
    loop_thread_start(&lts[i], loop_setup);
  WAIT_UNTIL(atomic_load(&attached) == LOOPS);
  loop_thread_start(&client_lt, client_setup);
  WAIT_UNTIL(atomic_load(&joined) == CONNS);
  for (s = 0; s < SENDERS; s++)
    ASSERT_EQ(0, uv_thread_create(&senders[s], sender, (void*) s));
  for (s = 0; s < SENDERS; s++)
    ASSERT_EQ(0, uv_thread_join(&senders[s]));
  loop_thread_join(&client_lt);
  for (i = 0; i < LOOPS; i++)
    loop_thread_join(&lts[i]);
  ASSERT_EQ(1, atomic_load(&close_cbs));
  missing = 0;
  for (i = 0; i < CONNS; i++) {
    ASSERT_GE(counts[i], SENDERS * MESSAGES - 1);
    missing += SENDERS * MESSAGES - counts[i];
  }
  ASSERT_EQ(1, missing);
  return 0;
}
