/* ws_server_shutdown() on an attached loop of a server that spans two
 * shuts the other down too: every connection, on either loop, gets the
 * 1001 "server shutting down" close handshake, a second call says
 * WS_ESHUTDOWN, and the close callback comes once. */
#include "loop_thread.h"
#include "uvws.h"

#define LOOPS 2
#define CONNS 6

static loop_thread_t lts[LOOPS];
static loop_thread_t client_lt;
static ws_server_t* servers[LOOPS];
static atomic_int attached;
static atomic_int opened;
static atomic_int close_cbs;
static int loop_conns[LOOPS];       /* each loop's own */
static ws_client_t* client;
static int got_last[CONNS];
static int client_closed;

static void server_on_open(ws_conn_t* conn) {
  loop_thread_t* lt;

  lt = ws_server_loop(ws_conn_server(conn))->data;
  loop_conns[lt->index]++;
  atomic_fetch_add(&opened, 1);
}

static void on_server_closed(ws_server_t* server) {
  (void) server;
  atomic_fetch_add(&close_cbs, 1);
}

/* Once every connection is open, loop 1 shuts the whole server down. */
static int shutdown_watch(loop_thread_t* lt) {
  if (atomic_load(&opened) < CONNS)
    return 1;
  ASSERT_EQ(0, ws_server_shutdown(servers[lt->index], 5000,
                                  on_server_closed));
  ASSERT_EQ(WS_ESHUTDOWN, ws_server_shutdown(servers[lt->index], 5000,
                                             on_server_closed));
  return 0;
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  size_t i;

  i = (size_t) ws_conn_get_data(conn);
  ASSERT_EQ(WS_CLOSE_GOING_AWAY, info->code);
  ASSERT_EQ(20, info->reason_len);
  ASSERT_MEM_EQ("server shutting down", info->reason, 20);
  ASSERT_EQ(1, info->clean);
  got_last[i] = 1;
  if (++client_closed == CONNS)
    ws_client_close(client, NULL);
}

static void client_on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  TEST__FAIL("connect error %s", ws_err_name(error));
}

static void loop_setup(loop_thread_t* lt) {
  if (lt->index > 0)
    ASSERT_EQ(0, ws_server_attach(servers[0], &lt->loop,
                                  &servers[lt->index]));
  if (lt->index == 1)
    loop_thread_watch(lt, shutdown_watch);
  atomic_fetch_add(&attached, 1);
}

static void client_setup(loop_thread_t* lt) {
  ws_client_callbacks_t cb;
  char url[64];
  size_t i;

  memset(&cb, 0, sizeof(cb));
  cb.on_close = client_on_close;
  cb.on_connect_error = client_on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &lt->loop, NULL, &cb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(servers[0]));
  for (i = 0; i < CONNS; i++)
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, (void*) i, NULL));
}

int main(void) {
  ws_server_callbacks_t cb;
  int i;

  for (i = 0; i < LOOPS; i++)
    loop_thread_init(&lts[i], i);
  loop_thread_init(&client_lt, LOOPS);
  memset(&cb, 0, sizeof(cb));
  cb.on_open = server_on_open;
  ASSERT_EQ(0, ws_server_new(&servers[0], &lts[0].loop, NULL, &cb));
  ASSERT_EQ(0, ws_server_listen(servers[0], "127.0.0.1", 0));
  for (i = 0; i < LOOPS; i++)
    loop_thread_start(&lts[i], loop_setup);
  WAIT_UNTIL(atomic_load(&attached) == LOOPS);
  loop_thread_start(&client_lt, client_setup);
  loop_thread_join(&client_lt);
  for (i = 0; i < LOOPS; i++)
    loop_thread_join(&lts[i]);
  ASSERT_EQ(1, atomic_load(&close_cbs));
  /* Both loops had connections, and every one got the shutdown's close. */
  for (i = 0; i < LOOPS; i++)
    ASSERT_EQ(CONNS / LOOPS, loop_conns[i]);
  for (i = 0; i < CONNS; i++)
    ASSERT_EQ(1, got_last[i]);
  return 0;
}
