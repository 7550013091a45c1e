/* max_connections counts the connections of every loop a server spans:
 * with a limit of 5 over three loops, 5 of 8 connections open and the
 * other 3 are answered 503, wherever each landed. */
#include "loop_thread.h"
#include "uvws.h"

#define LOOPS 3
#define LIMIT 5
#define CONNS 8

static loop_thread_t lts[LOOPS];
static loop_thread_t client_lt;
static ws_server_t* servers[LOOPS];
static atomic_int attached;
static atomic_int server_opens;
static ws_client_t* client;
static ws_conn_t* client_conns[CONNS];
static int client_opens;
static int refused;
static int ended;
static atomic_int client_done;
static atomic_int close_cbs;

static void server_on_open(ws_conn_t* conn) {
  (void) conn;
  atomic_fetch_add(&server_opens, 1);
}

static void client_end(void) {
  int i;

  if (++ended < CONNS)
    return;
  /* Every attempt has ended or opened: close the open ones, then all. */
  for (i = 0; i < CONNS; i++)
    if (client_conns[i] != NULL)
      ASSERT_EQ(0, ws_conn_close(client_conns[i], WS_CLOSE_NORMAL, NULL, 0));
}

static void client_on_open(ws_conn_t* conn) {
  (void) conn;
  client_opens++;
  client_end();
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  size_t i;

  (void) info;
  i = (size_t) ws_conn_get_data(conn);
  client_conns[i] = NULL;
  if (--client_opens == 0)
    ws_client_close(client, NULL);
}

static void client_on_connect_error(ws_conn_t* conn, int error) {
  size_t i;

  i = (size_t) ws_conn_get_data(conn);
  ASSERT_EQ(WS_EBADSTATUS, error);
  ASSERT_EQ(503, ws_conn_http_status(conn));
  client_conns[i] = NULL;
  refused++;
  client_end();
}

static void on_server_closed(ws_server_t* server) {
  (void) server;
  atomic_fetch_add(&close_cbs, 1);
}

/* Once the client is done, loop 1 closes the server (on every loop). */
static int closer_watch(loop_thread_t* lt) {
  if (!atomic_load(&client_done))
    return 1;
  ws_server_close(servers[lt->index], on_server_closed);
  return 0;
}

static void loop_setup(loop_thread_t* lt) {
  if (lt->index > 0)
    ASSERT_EQ(0, ws_server_attach(servers[0], &lt->loop,
                                  &servers[lt->index]));
  if (lt->index == 1)
    loop_thread_watch(lt, closer_watch);
  atomic_fetch_add(&attached, 1);
}

static void client_setup(loop_thread_t* lt) {
  ws_client_callbacks_t cb;
  char url[64];
  size_t i;

  memset(&cb, 0, sizeof(cb));
  cb.on_open = client_on_open;
  cb.on_close = client_on_close;
  cb.on_connect_error = client_on_connect_error;
  ASSERT_EQ(0, ws_client_new(&client, &lt->loop, NULL, &cb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(servers[0]));
  for (i = 0; i < CONNS; i++)
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, (void*) i,
                                   &client_conns[i]));
}

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  int i;

  for (i = 0; i < LOOPS; i++)
    loop_thread_init(&lts[i], i);
  loop_thread_init(&client_lt, LOOPS);
  ws_server_options_init(&options);
  options.max_connections = LIMIT;
  memset(&cb, 0, sizeof(cb));
  cb.on_open = server_on_open;
  ASSERT_EQ(0, ws_server_new(&servers[0], &lts[0].loop, &options, &cb));
  ASSERT_EQ(0, ws_server_listen(servers[0], "127.0.0.1", 0));
  for (i = 0; i < LOOPS; i++)
    loop_thread_start(&lts[i], loop_setup);
  WAIT_UNTIL(atomic_load(&attached) == LOOPS);
  loop_thread_start(&client_lt, client_setup);
  loop_thread_join(&client_lt);
  ASSERT_EQ(LIMIT, atomic_load(&server_opens));
  ASSERT_EQ(CONNS - LIMIT, refused);
  atomic_store(&client_done, 1);
  for (i = 0; i < LOOPS; i++)
    loop_thread_join(&lts[i]);
  ASSERT_EQ(1, atomic_load(&close_cbs));
  return 0;
}
