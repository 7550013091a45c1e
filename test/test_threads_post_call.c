/* ws_post_call() runs a function on a connection's loop from another
 * thread, in order with the posts around it; once the connection has
 * closed it still runs, with conn NULL, and once the server has closed
 * it is refused. */
#include "loop_thread.h"
#include "uvws.h"

static loop_thread_t server_lt;
static loop_thread_t client_lt;
static ws_server_t* server;
static ws_client_t* client;
static ws_conn_id_t id;
static atomic_int opened;
static atomic_int server_conn_closed;
static atomic_int calls;
static atomic_int null_calls;
static char got[8];
static size_t got_len;

static void server_on_open(ws_conn_t* conn) {
  id = ws_conn_id(conn);
  atomic_store(&opened, 1);
}

static void server_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  (void) info;
  atomic_store(&server_conn_closed, 1);
}

static void call_send_b(ws_conn_t* conn, void* arg) {
  ASSERT_PTR_EQ(&calls, arg);
  ASSERT_NOT_NULL(conn);
  /* On the server's loop's thread. */
  ASSERT(uv_thread_equal(&server_lt.thread,
                         &(uv_thread_t) { uv_thread_self() }));
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "b", 1));
  atomic_fetch_add(&calls, 1);
}

static void call_after_close(ws_conn_t* conn, void* arg) {
  ASSERT_NULL(conn);
  ASSERT_PTR_EQ(&null_calls, arg);
  atomic_fetch_add(&null_calls, 1);
  ws_server_close(server, NULL);
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  (void) op;
  ASSERT_EQ(1, len);
  got[got_len++] = *(const char*) data;
  if (got_len == 3)
    ASSERT_EQ(0, ws_conn_close(conn, WS_CLOSE_NORMAL, NULL, 0));
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  (void) info;
  ws_client_close(client, NULL);
}

static void server_setup(loop_thread_t* lt) {
  (void) lt;
}

static void client_setup(loop_thread_t* lt) {
  ws_client_callbacks_t cb;
  char url[64];

  memset(&cb, 0, sizeof(cb));
  cb.on_message = client_on_message;
  cb.on_close = client_on_close;
  ASSERT_EQ(0, ws_client_new(&client, &lt->loop, NULL, &cb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
}

int main(void) {
  ws_server_callbacks_t cb;

  loop_thread_init(&server_lt, 0);
  loop_thread_init(&client_lt, 1);
  memset(&cb, 0, sizeof(cb));
  cb.on_open = server_on_open;
  cb.on_close = server_on_close;
  ASSERT_EQ(0, ws_server_new(&server, &server_lt.loop, NULL, &cb));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  loop_thread_start(&server_lt, server_setup);
  loop_thread_start(&client_lt, client_setup);
  WAIT_UNTIL(atomic_load(&opened));
  ASSERT_EQ(WS_EINVAL, ws_post_call(0, call_send_b, &calls));
  ASSERT_EQ(WS_EINVAL, ws_post_call(id, NULL, &calls));
  ASSERT_EQ(0, ws_post_send(id, WS_OP_TEXT, "a", 1));
  ASSERT_EQ(0, ws_post_call(id, call_send_b, &calls));
  ASSERT_EQ(0, ws_post_send(id, WS_OP_TEXT, "c", 1));
  loop_thread_join(&client_lt);
  ASSERT_EQ(3, got_len);
  ASSERT_MEM_EQ("abc", got, 3);
  ASSERT_EQ(1, atomic_load(&calls));
  WAIT_UNTIL(atomic_load(&server_conn_closed));
  ASSERT_EQ(0, ws_post_call(id, call_after_close, &null_calls));
  loop_thread_join(&server_lt);
  ASSERT_EQ(1, atomic_load(&null_calls));
  ASSERT_EQ(WS_ECLOSED, ws_post_call(id, call_after_close, &null_calls));
  return 0;
}
