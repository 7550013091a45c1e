/* One server on four loops, each run by its own thread: a burst of
 * connections is spread round robin (each loop gets a quarter), each
 * loop's connections are served on that loop's thread, ws_server_close()
 * on one loop closes the server on all of them, and the close callback
 * comes once, after the last. */
#include "loop_thread.h"
#include "uvws.h"

#define LOOPS 4
#define PER_LOOP 10
#define CONNS (LOOPS * PER_LOOP)

static loop_thread_t lts[LOOPS];
static loop_thread_t client_lt;
static ws_server_t* servers[LOOPS];
static atomic_int attached;
static int opened[LOOPS];           /* each loop's own */
static int accepted[LOOPS];         /* each loop's own */
static atomic_int server_closes;
static atomic_int close_cbs;
static ws_client_t* client;
static atomic_int echoed;
static int client_closed;

static int marker;

static int loop_index(ws_conn_t* conn) {
  return ((loop_thread_t*) ws_server_loop(ws_conn_server(conn))->data)->index;
}

static void server_on_open(ws_conn_t* conn) {
  int i;

  i = loop_index(conn);
  /* Served on the thread that runs the loop. */
  ASSERT(uv_thread_equal(&lts[i].thread, &(uv_thread_t) { uv_thread_self() }));
  /* The first server's data, set after it was made, on every loop. */
  ASSERT_PTR_EQ(&marker, ws_conn_owner_data(conn));
  opened[i]++;
  accepted[i]++;
}

static void server_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  char reply[16];

  (void) data;
  (void) len;
  /* Answered with the index of the loop (thread) serving the connection. */
  snprintf(reply, sizeof(reply), "%d", loop_index(conn));
  ASSERT_EQ(0, ws_conn_send(conn, op, reply, strlen(reply)));
}

static void server_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) info;
  ASSERT_EQ(WS_CLOSE_GOING_AWAY, info->code);
  opened[loop_index(conn)]--;
  atomic_fetch_add(&server_closes, 1);
}

static void on_server_closed(ws_server_t* server) {
  int i;

  (void) server;
  /* Once, after every loop's server has closed. */
  ASSERT_EQ(CONNS, atomic_load(&server_closes));
  for (i = 0; i < LOOPS; i++)
    ASSERT_EQ(0, opened[i]);
  atomic_fetch_add(&close_cbs, 1);
}

static void client_on_open(ws_conn_t* conn) {
  ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "?", 1));
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  (void) op;
  (void) conn;
  ASSERT_EQ(1, len);
  ASSERT(*(const char*) data >= '0' && *(const char*) data < '0' + LOOPS);
  atomic_fetch_add(&echoed, 1);
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

/* The last loop closes the server once every connection has answered. */
static int closer_watch(loop_thread_t* lt) {
  if (atomic_load(&echoed) < CONNS)
    return 1;
  ws_server_close(servers[lt->index], on_server_closed);
  /* A second close, and a close of another loop's closing server from
   * here, are no-ops. */
  ws_server_close(servers[lt->index], on_server_closed);
  return 0;
}

static void loop_setup(loop_thread_t* lt) {
  if (lt->index > 0) {
    /* Attached from the loop's own thread while loop 0 runs. */
    ASSERT_EQ(0, ws_server_attach(servers[0], &lt->loop,
                                  &servers[lt->index]));
    ASSERT_NOT_NULL(servers[lt->index]);
  }
  if (lt->index == LOOPS - 1)
    loop_thread_watch(lt, closer_watch);
  atomic_fetch_add(&attached, 1);
}

static void client_setup(loop_thread_t* lt) {
  ws_client_callbacks_t cb;
  char url[64];
  size_t i;

  memset(&cb, 0, sizeof(cb));
  cb.on_open = client_on_open;
  cb.on_message = client_on_message;
  cb.on_close = client_on_close;
  cb.on_connect_error = client_on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &lt->loop, NULL, &cb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(servers[0]));
  for (i = 0; i < CONNS; i++)
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, (void*) i, NULL));
}

int main(void) {
  ws_server_callbacks_t cb;
  ws_server_t* late;
  int i;

  for (i = 0; i < LOOPS; i++)
    loop_thread_init(&lts[i], i);
  loop_thread_init(&client_lt, LOOPS);
  memset(&cb, 0, sizeof(cb));
  cb.on_open = server_on_open;
  cb.on_message = server_on_message;
  cb.on_close = server_on_close;
  ASSERT_EQ(0, ws_server_new(&servers[0], &lts[0].loop, NULL, &cb));
  ws_server_set_data(servers[0], &marker);
  ASSERT_EQ(0, ws_server_listen(servers[0], "127.0.0.1", 0));
  ASSERT_EQ(WS_EINVAL, ws_server_attach(NULL, &lts[1].loop, &late));
  ASSERT_EQ(WS_EINVAL, ws_server_attach(servers[0], NULL, &late));
  for (i = 0; i < LOOPS; i++)
    loop_thread_start(&lts[i], loop_setup);
  WAIT_UNTIL(atomic_load(&attached) == LOOPS);
  loop_thread_start(&client_lt, client_setup);
  for (i = 0; i < LOOPS; i++)
    loop_thread_join(&lts[i]);
  loop_thread_join(&client_lt);
  ASSERT_EQ(1, atomic_load(&close_cbs));
  ASSERT_EQ(CONNS, atomic_load(&echoed));
  /* Round robin: a burst of CONNS connections, a quarter on each loop. */
  for (i = 0; i < LOOPS; i++)
    ASSERT_EQ(PER_LOOP, accepted[i]);
  return 0;
}
