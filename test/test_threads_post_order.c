/* Eight threads post messages to the connections of a server on another
 * thread (ws_post_send() through ws_conn_id()): every message arrives
 * once, and each sender's messages arrive in the order it posted them. */
#include "loop_thread.h"
#include "uvws.h"

#define CONNS 4
#define SENDERS 8
#define MESSAGES 200 /* per sender and connection */

static loop_thread_t server_lt;
static loop_thread_t client_lt;
static ws_server_t* server;
static ws_client_t* client;
static ws_conn_id_t ids[CONNS];
static atomic_int opened;
static atomic_int dropped;
static int server_closed;
static ws_conn_t* client_conns[CONNS];
static uint32_t next_seq[CONNS][SENDERS];
static atomic_int received;
static int client_closed;

static void server_on_open(ws_conn_t* conn) {
  int n;

  n = atomic_load(&opened);
  ids[n] = ws_conn_id(conn);
  ASSERT_UINT64_NE(0, ids[n]);
  ASSERT_UINT64_EQ(ids[n], ws_conn_id(conn));
  atomic_store(&opened, n + 1);
}

static void server_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  (void) info;
  if (++server_closed == CONNS)
    ws_server_close(server, NULL);
}

static void server_on_post_dropped(ws_server_t* s, ws_conn_id_t id,
                                   int error) {
  (void) s;
  (void) id;
  (void) error;
  atomic_fetch_add(&dropped, 1);
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
  ASSERT_EQ(next_seq[i][word[0]], word[1]);
  next_seq[i][word[0]]++;
  atomic_fetch_add(&received, 1);
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  ASSERT_EQ(1, info->clean);
  if (++client_closed == CONNS)
    ws_client_close(client, NULL);
}

static void client_on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  TEST__FAIL("connect error %s", ws_err_name(error));
}

/* The client's loop: once everything arrived, close. */
static int client_watch(loop_thread_t* lt) {
  int i;

  (void) lt;
  if (atomic_load(&received) < CONNS * SENDERS * MESSAGES)
    return 1;
  for (i = 0; i < CONNS; i++)
    ASSERT_EQ(0, ws_conn_close(client_conns[i], WS_CLOSE_NORMAL, NULL, 0));
  return 0;
}

static void server_setup(loop_thread_t* lt) {
  (void) lt;
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
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  for (i = 0; i < CONNS; i++)
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, (void*) i,
                                   &client_conns[i]));
  loop_thread_watch(lt, client_watch);
}

static void sender(void* arg) {
  uint32_t word[2];
  uint32_t seq;
  int i;

  word[0] = (uint32_t) (uintptr_t) arg;
  for (seq = 0; seq < MESSAGES; seq++) {
    word[1] = seq;
    for (i = 0; i < CONNS; i++)
      ASSERT_EQ(0, ws_post_send(ids[i], WS_OP_BINARY, word, sizeof(word)));
  }
}

int main(void) {
  ws_server_callbacks_t cb;
  uv_thread_t senders[SENDERS];
  uintptr_t s;

  loop_thread_init(&server_lt, 0);
  loop_thread_init(&client_lt, 1);
  memset(&cb, 0, sizeof(cb));
  cb.on_open = server_on_open;
  cb.on_close = server_on_close;
  cb.on_post_dropped = server_on_post_dropped;
  ASSERT_EQ(0, ws_server_new(&server, &server_lt.loop, NULL, &cb));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  loop_thread_start(&server_lt, server_setup);
  loop_thread_start(&client_lt, client_setup);
  WAIT_UNTIL(atomic_load(&opened) == CONNS);
  ASSERT_EQ(WS_EINVAL, ws_post_send(0, WS_OP_TEXT, "x", 1));
  ASSERT_EQ(WS_EINVAL, ws_post_send(ids[0], (ws_opcode_t) 9, "x", 1));
  ASSERT_EQ(WS_EINVAL, ws_post_close(ids[0], 1005, NULL, 0));
  ASSERT_EQ(WS_EINVAL, ws_post_ping(ids[0], NULL, 126));
  for (s = 0; s < SENDERS; s++)
    ASSERT_EQ(0, uv_thread_create(&senders[s], sender, (void*) s));
  for (s = 0; s < SENDERS; s++)
    ASSERT_EQ(0, uv_thread_join(&senders[s]));
  loop_thread_join(&client_lt);
  loop_thread_join(&server_lt);
  ASSERT_EQ(CONNS * SENDERS * MESSAGES, atomic_load(&received));
  ASSERT_EQ(0, atomic_load(&dropped));
  /* The server has closed: its ids name nothing any more. */
  ASSERT_EQ(WS_ECLOSED, ws_post_send(ids[0], WS_OP_TEXT, "x", 1));
  return 0;
}
