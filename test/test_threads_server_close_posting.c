/* A server closes while eight threads post to its connections as fast as
 * they can: once it is closing, posts return WS_ECLOSED; every post that
 * returned 0 either arrived or came back through on_post_dropped(); and
 * the loop closes with nothing left (uv_loop_close() returns 0). */
#include "loop_thread.h"
#include "uvws.h"

#define CONNS 4
#define SENDERS 8
#define CLOSE_AFTER 2000 /* messages received in all */

static loop_thread_t server_lt;
static loop_thread_t client_lt;
static ws_server_t* server;
static ws_client_t* client;
static ws_conn_id_t ids[CONNS];
static atomic_int opened;
static atomic_int posted;
static atomic_int refused;
static atomic_int received;
static atomic_int dropped;
static atomic_int close_cbs;
static uint32_t next_seq[CONNS][SENDERS];
static int client_closed;

static void server_on_open(ws_conn_t* conn) {
  int n;

  n = atomic_load(&opened);
  ids[n] = ws_conn_id(conn);
  atomic_store(&opened, n + 1);
}

static void server_on_post_dropped(ws_server_t* s, ws_conn_id_t id,
                                   int error) {
  (void) s;
  (void) id;
  ASSERT_EQ(WS_ECLOSED, error);
  atomic_fetch_add(&dropped, 1);
}

static void on_server_closed(ws_server_t* s) {
  (void) s;
  atomic_fetch_add(&close_cbs, 1);
}

static int server_watch(loop_thread_t* lt) {
  (void) lt;
  if (atomic_load(&received) < CLOSE_AFTER)
    return 1;
  ws_server_close(server, on_server_closed);
  return 0;
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
  /* Nothing is dropped before the close: in order, none missing. */
  ASSERT_EQ(next_seq[i][word[0]], word[1]);
  next_seq[i][word[0]]++;
  atomic_fetch_add(&received, 1);
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  ASSERT_EQ(WS_CLOSE_GOING_AWAY, info->code);
  if (++client_closed == CONNS)
    ws_client_close(client, NULL);
}

static void client_on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  TEST__FAIL("connect error %s", ws_err_name(error));
}

static void server_setup(loop_thread_t* lt) {
  loop_thread_watch(lt, server_watch);
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
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, (void*) i, NULL));
}

/* Posts round the connections until each refuses. */
static void sender(void* arg) {
  int closed[CONNS] = { 0 };
  uint32_t word[2];
  int left;
  int i;
  int r;

  word[0] = (uint32_t) (uintptr_t) arg;
  word[1] = 0;
  for (left = CONNS; left > 0; word[1]++) {
    for (i = 0; i < CONNS; i++) {
      if (closed[i])
        continue;
      r = ws_post_send(ids[i], WS_OP_BINARY, word, sizeof(word));
      if (r == WS_ECLOSED) {
        closed[i] = 1;
        left--;
        atomic_fetch_add(&refused, 1);
        continue;
      }
      ASSERT_EQ(0, r);
      atomic_fetch_add(&posted, 1);
    }
    /* Paced a little, so that the queues stay short. */
    if (word[1] % 64 == 63)
      uv_sleep(1);
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
  loop_thread_join(&server_lt);
  loop_thread_join(&client_lt);
  ASSERT_EQ(1, atomic_load(&close_cbs));
  ASSERT_EQ(SENDERS * CONNS, atomic_load(&refused));
  ASSERT_GE(atomic_load(&received), CLOSE_AFTER);
  ASSERT_EQ(atomic_load(&posted),
            atomic_load(&received) + atomic_load(&dropped));
  return 0;
}
