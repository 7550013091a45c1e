/* A shared room keeps the server's slow-consumer policy on every loop: a
 * member (on one loop) that stops reading is closed with 1008 once its
 * queue is full, while a member on the other loop gets every message of a
 * broadcasting thread. */
#include "loop_thread.h"
#include "uvws.h"

#define LOOPS 2
#define MESSAGES 400
#define SIZE (64 * 1024)

static loop_thread_t lts[LOOPS];
static loop_thread_t client_lt;
static ws_server_t* servers[LOOPS];
static ws_shared_room_t* room;
static atomic_int attached;
static atomic_int joined;
static atomic_int slow_closed;
static atomic_int server_closes;
static atomic_int received;
static ws_client_t* client;
static ws_conn_t* slow_conn;
static int client_closed;

static void server_on_open(ws_conn_t* conn) {
  ASSERT_EQ(0, ws_shared_room_join(room, conn));
  atomic_fetch_add(&joined, 1);
}

static void server_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  if (info->error == WS_EQUEUEFULL) {
    ASSERT_EQ(WS_CLOSE_POLICY, info->code);
    atomic_store(&slow_closed, 1);
  } else {
    ASSERT_EQ(0, info->error);
  }
  if (atomic_fetch_add(&server_closes, 1) + 1 == 2)
    ws_server_close(ws_conn_server(conn), NULL);
}

static void client_on_open(ws_conn_t* conn) {
  /* The second connection never reads, until the server gave up on it. */
  if (ws_conn_get_data(conn) != NULL) {
    slow_conn = conn;
    ASSERT_EQ(0, ws_conn_pause(conn));
  }
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  (void) op;
  (void) data;
  ASSERT_EQ(SIZE, len);
  /* What the slow member's socket held comes once it reads again. */
  if (ws_conn_get_data(conn) != NULL)
    return;
  if (atomic_fetch_add(&received, 1) + 1 == MESSAGES)
    ASSERT_EQ(0, ws_conn_close(conn, WS_CLOSE_NORMAL, NULL, 0));
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  (void) info;
  if (++client_closed == 2)
    ws_client_close(client, NULL);
}

static void client_on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  TEST__FAIL("connect error %s", ws_err_name(error));
}

/* The slow member reads again once the server has closed it: its close
 * frame, then the end of the stream. */
static int client_watch(loop_thread_t* lt) {
  (void) lt;
  if (!atomic_load(&slow_closed))
    return 1;
  ASSERT_EQ(0, ws_conn_resume(slow_conn));
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

  memset(&cb, 0, sizeof(cb));
  cb.on_open = client_on_open;
  cb.on_message = client_on_message;
  cb.on_close = client_on_close;
  cb.on_connect_error = client_on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &lt->loop, NULL, &cb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(servers[0]));
  /* Accepted first and second: one on each loop. */
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, (void*) 1, NULL));
  loop_thread_watch(lt, client_watch);
}

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  static unsigned char payload[SIZE];
  int i;

  for (i = 0; i < LOOPS; i++)
    loop_thread_init(&lts[i], i);
  loop_thread_init(&client_lt, LOOPS);
  ws_server_options_init(&options);
  options.max_queued_bytes = 256 * 1024;
  options.close_timeout = 200;
  options.slow_policy = WS_SLOW_CLOSE;
  memset(&cb, 0, sizeof(cb));
  cb.on_open = server_on_open;
  cb.on_close = server_on_close;
  ASSERT_EQ(0, ws_server_new(&servers[0], &lts[0].loop, &options, &cb));
  ASSERT_EQ(0, ws_server_listen(servers[0], "127.0.0.1", 0));
  ASSERT_EQ(0, ws_shared_room_new(&room, servers[0]));
  for (i = 0; i < LOOPS; i++)
    loop_thread_start(&lts[i], loop_setup);
  WAIT_UNTIL(atomic_load(&attached) == LOOPS);
  loop_thread_start(&client_lt, client_setup);
  WAIT_UNTIL(atomic_load(&joined) == 2);
  /* One at a time, so that the reader is never slow itself. */
  for (i = 0; i < MESSAGES; i++) {
    ASSERT_EQ(0, ws_shared_room_broadcast(room, WS_OP_BINARY, payload, SIZE,
                                          0));
    WAIT_UNTIL(atomic_load(&received) == i + 1);
  }
  loop_thread_join(&client_lt);
  for (i = 0; i < LOOPS; i++)
    loop_thread_join(&lts[i]);
  ASSERT_EQ(1, atomic_load(&slow_closed));
  ASSERT_EQ(MESSAGES, atomic_load(&received));
  return 0;
}
