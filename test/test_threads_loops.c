/* Loops on several threads, each with its own server and client, all at
 * once: handshakes parsed (llhttp), SIGPIPE set, keys drawn, messages
 * echoed and connections closed in parallel. What the library shares
 * between loops (constant tables, the allocator, the once-only SIGPIPE
 * setup) must be safe so; the TSan build runs this test to prove it. */
#include "test.h"
#include "uvws.h"

#define THREADS 4
#define MESSAGES 50

typedef struct {
  uv_thread_t thread;
  uv_loop_t loop;
  ws_server_t* server;
  ws_client_t* client;
  int echoes;
  int closed;
} worker_t;

static void server_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  ASSERT_EQ(0, ws_conn_send(conn, op, data, len));
}

static void client_on_open(ws_conn_t* conn) {
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "hello", 5));
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  worker_t* w;

  w = ws_conn_get_data(conn);
  ASSERT_EQ(WS_OP_TEXT, op);
  ASSERT_EQ(5, len);
  ASSERT_MEM_EQ("hello", data, 5);
  if (++w->echoes < MESSAGES)
    ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "hello", 5));
  else
    ASSERT_EQ(0, ws_conn_close(conn, WS_CLOSE_NORMAL, "done", 4));
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  worker_t* w;

  w = ws_conn_get_data(conn);
  ASSERT_EQ(1, info->clean);
  w->closed = 1;
  ws_client_close(w->client, NULL);
  ws_server_close(w->server, NULL);
}

static void client_on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  TEST__FAIL("connect error %s", ws_err_name(error));
}

static void run(void* arg) {
  ws_server_callbacks_t server_cb;
  ws_client_callbacks_t client_cb;
  worker_t* w;
  char url[64];

  w = arg;
  ASSERT_EQ(0, uv_loop_init(&w->loop));
  memset(&server_cb, 0, sizeof(server_cb));
  server_cb.on_message = server_on_message;
  ASSERT_EQ(0, ws_server_new(&w->server, &w->loop, NULL, &server_cb));
  ASSERT_EQ(0, ws_server_listen(w->server, "127.0.0.1", 0));
  memset(&client_cb, 0, sizeof(client_cb));
  client_cb.on_open = client_on_open;
  client_cb.on_message = client_on_message;
  client_cb.on_close = client_on_close;
  client_cb.on_connect_error = client_on_connect_error;
  ASSERT_EQ(0, ws_client_new(&w->client, &w->loop, NULL, &client_cb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(w->server));
  ASSERT_EQ(0, ws_client_connect(w->client, url, NULL, w, NULL));
  ASSERT_EQ(0, uv_run(&w->loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&w->loop));
}

int main(void) {
  static worker_t workers[THREADS];
  int i;

  for (i = 0; i < THREADS; i++)
    ASSERT_EQ(0, uv_thread_create(&workers[i].thread, run, &workers[i]));
  for (i = 0; i < THREADS; i++) {
    ASSERT_EQ(0, uv_thread_join(&workers[i].thread));
    ASSERT_EQ(MESSAGES, workers[i].echoes);
    ASSERT_EQ(1, workers[i].closed);
  }
  return 0;
}
