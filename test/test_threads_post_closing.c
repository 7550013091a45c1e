/* Eight threads post to connections that close while they do: some
 * closed by the peer, some by ws_post_close() from one of the senders.
 * Nothing is lost: every post that returned 0 either arrived (once, in
 * its sender's order) or came back through on_post_dropped() with
 * WS_ECLOSED. */
#include "loop_thread.h"
#include "uvws.h"

#define CONNS 8
#define SENDERS 8
#define MESSAGES 300          /* per sender and connection */
#define PEER_CLOSES_AFTER 100 /* connections 0 and 1: the client closes */
#define POST_CLOSE_AT 150     /* connections 2 and 3: sender 0 closes */

static loop_thread_t server_lt;
static loop_thread_t client_lt;
static ws_server_t* server;
static ws_client_t* client;
static ws_conn_id_t ids[CONNS];
static atomic_int opened;
static int server_closed;
static atomic_int posted[CONNS];
static atomic_int received[CONNS];
static atomic_int dropped[CONNS];
static atomic_int done;
static ws_conn_t* client_conns[CONNS];
static int client_open[CONNS];
static uint32_t next_seq[CONNS][SENDERS];
static int client_closed;

static void server_on_open(ws_conn_t* conn) {
  int n;

  n = atomic_load(&opened);
  ids[n] = ws_conn_id(conn);
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
  int i;

  ASSERT_PTR_EQ(server, s);
  ASSERT_EQ(WS_ECLOSED, error);
  for (i = 0; i < CONNS && ids[i] != id; i++) {
  }
  ASSERT_LT(i, CONNS);
  atomic_fetch_add(&dropped[i], 1);
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
  /* Once, and in order; a message may be missing only if dropped. */
  ASSERT_GE(word[1], next_seq[i][word[0]]);
  next_seq[i][word[0]] = word[1] + 1;
  if (atomic_fetch_add(&received[i], 1) + 1 == PEER_CLOSES_AFTER && i < 2)
    ASSERT_EQ(0, ws_conn_close(conn, WS_CLOSE_NORMAL, "enough", 6));
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  size_t i;

  i = (size_t) ws_conn_get_data(conn);
  ASSERT_EQ(1, info->clean);
  client_open[i] = 0;
  if (++client_closed == CONNS)
    ws_client_close(client, NULL);
}

static void client_on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  TEST__FAIL("connect error %s", ws_err_name(error));
}

/* Once every post is accounted for, the client closes what is open. */
static int client_watch(loop_thread_t* lt) {
  int r;
  int i;

  (void) lt;
  if (!atomic_load(&done))
    return 1;
  for (i = 0; i < CONNS; i++) {
    if (!client_open[i])
      continue;
    /* Those closed already are closing. */
    r = ws_conn_close(client_conns[i], WS_CLOSE_NORMAL, NULL, 0);
    ASSERT(r == 0 || r == WS_ECLOSED);
  }
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
  for (i = 0; i < CONNS; i++) {
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, (void*) i,
                                   &client_conns[i]));
    client_open[i] = 1;
  }
  loop_thread_watch(lt, client_watch);
}

static void sender(void* arg) {
  uint32_t word[2];
  uint32_t seq;
  int i;

  word[0] = (uint32_t) (uintptr_t) arg;
  for (seq = 0; seq < MESSAGES; seq++) {
    word[1] = seq;
    for (i = 0; i < CONNS; i++) {
      ASSERT_EQ(0, ws_post_send(ids[i], WS_OP_BINARY, word, sizeof(word)));
      atomic_fetch_add(&posted[i], 1);
    }
    if (word[0] == 0 && seq == POST_CLOSE_AT) {
      ASSERT_EQ(0, ws_post_close(ids[2], WS_CLOSE_NORMAL, NULL, 0));
      ASSERT_EQ(0, ws_post_close(ids[3], 4000, "bye", 3));
    }
  }
}

static int all_accounted(void) {
  int i;

  for (i = 0; i < CONNS; i++)
    if (atomic_load(&received[i]) + atomic_load(&dropped[i]) !=
        atomic_load(&posted[i]))
      return 0;
  return 1;
}

int main(void) {
  ws_server_callbacks_t cb;
  uv_thread_t senders[SENDERS];
  uintptr_t s;
  int i;

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
  for (s = 0; s < SENDERS; s++)
    ASSERT_EQ(0, uv_thread_create(&senders[s], sender, (void*) s));
  for (s = 0; s < SENDERS; s++)
    ASSERT_EQ(0, uv_thread_join(&senders[s]));
  WAIT_UNTIL(all_accounted());
  atomic_store(&done, 1);
  loop_thread_join(&client_lt);
  loop_thread_join(&server_lt);
  ASSERT(all_accounted());
  for (i = 0; i < CONNS; i++) {
    ASSERT_EQ(SENDERS * MESSAGES, atomic_load(&posted[i]));
    /* Sender 0's posts after its close came too late, at least. The
     * peer's closes may come after every post has been queued. */
    if (i == 2 || i == 3)
      ASSERT_GE(atomic_load(&dropped[i]), MESSAGES - POST_CLOSE_AT - 1);
    else if (i >= 4)
      ASSERT_EQ(SENDERS * MESSAGES, atomic_load(&received[i]));
  }
  return 0;
}
