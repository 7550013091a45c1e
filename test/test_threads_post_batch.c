/* A wake-up of the loop runs at most max_posts_per_wakeup posts: with
 * thousands queued and another thread posting in a tight loop, the loop
 * still reads its connection and runs its timers between batches, and
 * every post still arrives once and in order. */
#include "test.h"
#include "uvws.h"

#include <stdatomic.h>

#define CAP 16
#define QUEUED 20000  /* posted before the loop runs */
#define FLOOD 100000  /* posted by a thread while it runs */
#define TOTAL (QUEUED + FLOOD)

static uv_loop_t loop;
static ws_server_t* server;
static ws_client_t* client;
static ws_conn_t* client_conn;
static ws_conn_id_t id;
static uv_check_t check;
static uv_timer_t ticker;
static uv_thread_t poster;
static unsigned long next_seq;   /* the post expected next */
static unsigned long in_turn;    /* posts run since the last check */
static unsigned long max_in_turn;
static unsigned long first_turn; /* posts run by the first turn */
static int turns;
static int echoes_during;        /* echoes while posts were waiting */
static int ticks_during;         /* timer ticks while posts were waiting */
static int client_open;
static int closed;

static void server_on_open(ws_conn_t* conn) {
  id = ws_conn_id(conn);
  ASSERT_UINT64_NE(0, id);
}

static void server_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  ASSERT_EQ(0, ws_conn_send(conn, op, data, len));
}

static void on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  (void) info;
  if (++closed == 2) {
    ws_server_close(server, NULL);
    ws_client_close(client, NULL);
  }
}

static void client_on_open(ws_conn_t* conn) {
  client_conn = conn;
  client_open = 1;
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  (void) op;
  (void) data;
  (void) len;
  if (next_seq < TOTAL) {
    echoes_during++;
    ASSERT_EQ(0, ws_conn_send(conn, WS_OP_TEXT, "x", 1));
  }
}

static void on_post(ws_conn_t* conn, void* arg) {
  ASSERT_NOT_NULL(conn);
  ASSERT_UINT64_EQ(next_seq, (uintptr_t) arg);
  next_seq++;
  in_turn++;
  if (next_seq == TOTAL)
    ASSERT_EQ(0, ws_conn_close(client_conn, 1000, NULL, 0));
}

/* After each turn's I/O: how many posts that turn ran. */
static void on_check(uv_check_t* handle) {
  (void) handle;
  if (in_turn == 0)
    return;
  if (turns++ == 0)
    first_turn = in_turn;
  if (in_turn > max_in_turn)
    max_in_turn = in_turn;
  in_turn = 0;
  if (next_seq == TOTAL) {
    uv_close((uv_handle_t*) &check, NULL);
    uv_close((uv_handle_t*) &ticker, NULL);
  }
}

static void on_tick(uv_timer_t* timer) {
  (void) timer;
  if (next_seq < TOTAL)
    ticks_during++;
}

static void post_flood(void* arg) {
  uintptr_t seq;

  (void) arg;
  for (seq = QUEUED; seq < TOTAL; seq++)
    ASSERT_EQ(0, ws_post_call(id, on_post, (void*) seq));
}

int main(void) {
  ws_server_callbacks_t scb;
  ws_client_callbacks_t ccb;
  ws_server_options_t options;
  char url[64];
  uintptr_t seq;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  ASSERT_EQ(1024, options.max_posts_per_wakeup);
  options.max_posts_per_wakeup = CAP;
  memset(&scb, 0, sizeof(scb));
  scb.on_open = server_on_open;
  scb.on_message = server_on_message;
  scb.on_close = on_close;
  ASSERT_EQ(0, ws_server_new(&server, &loop, &options, &scb));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = client_on_open;
  ccb.on_message = client_on_message;
  ccb.on_close = on_close;
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, &ccb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  while (id == 0 || !client_open)
    uv_run(&loop, UV_RUN_ONCE);

  /* Thousands wait before the loop runs again; a thread adds more while
   * it does. */
  for (seq = 0; seq < QUEUED; seq++)
    ASSERT_EQ(0, ws_post_call(id, on_post, (void*) seq));
  ASSERT_EQ(0, uv_check_init(&loop, &check));
  ASSERT_EQ(0, uv_check_start(&check, on_check));
  ASSERT_EQ(0, uv_timer_init(&loop, &ticker));
  ASSERT_EQ(0, uv_timer_start(&ticker, on_tick, 1, 1));
  ASSERT_EQ(0, ws_conn_send(client_conn, WS_OP_TEXT, "x", 1));
  ASSERT_EQ(0, uv_thread_create(&poster, post_flood, NULL));
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_thread_join(&poster));

  ASSERT_UINT64_EQ(TOTAL, next_seq);
  ASSERT_UINT64_EQ(CAP, first_turn);
  ASSERT_UINT64_EQ(CAP, max_in_turn);
  ASSERT_GE(turns, TOTAL / CAP);
  /* Between batches the loop read its connection and ran its timer. */
  ASSERT_GE(echoes_during, 10);
  ASSERT_GE(ticks_during, 1);
  ASSERT_EQ(2, closed);
  MAKE_VALGRIND_HAPPY(&loop);
  return 0;
}
