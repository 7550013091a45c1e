/* uvws-post-rate: how fast other threads can send through a server's
 * loop with ws_post_send(). A server runs on one loop (thread) with one
 * connection from a client on another; P threads post M messages each to
 * that connection, and the client counts them. Prints the posting rate
 * (messages queued per second by the posters), the delivery rate (until
 * the last arrived), and the server loop's iterations in that time, so
 * the messages each wake-up carried (posts are batched per uv_async
 * wake-up, at most --batch of them: the server's max_posts_per_wakeup).
 *
 * Usage: uvws-post-rate [--posters P] [--messages M] [--size N]
 *                       [--batch B] */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "uvws.h"

static uv_loop_t server_loop;
static uv_loop_t client_loop;
static ws_server_t* server;
static ws_client_t* client;
static uv_check_t iterations_check;
static atomic_ulong iterations;
static atomic_ulong received;
static atomic_int opened;
static ws_conn_id_t id;
static unsigned long expected;
static int posters = 1;
static unsigned long messages = 200000;
static size_t size = 16;
static unsigned long batch; /* 0: the default */

static void on_iteration(uv_check_t* check) {
  (void) check;
  atomic_fetch_add(&iterations, 1);
}

static void server_on_open(ws_conn_t* conn) {
  id = ws_conn_id(conn);
  atomic_store(&opened, 1);
}

static void client_on_message(ws_conn_t* conn, ws_opcode_t op,
                              const void* data, size_t len) {
  (void) op;
  (void) data;
  (void) len;
  if (atomic_fetch_add(&received, 1) + 1 == expected)
    ws_conn_close(conn, WS_CLOSE_NORMAL, NULL, 0);
}

static void client_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  (void) info;
  ws_client_close(client, NULL);
}

static void server_on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  (void) info;
  uv_close((uv_handle_t*) &iterations_check, NULL);
  ws_server_close(server, NULL);
}

static void run_loop(void* arg) {
  uv_run(arg, UV_RUN_DEFAULT);
}

static void poster(void* arg) {
  unsigned char* payload;
  unsigned long i;
  int r;

  (void) arg;
  payload = calloc(1, size);
  for (i = 0; i < messages; i++) {
    r = ws_post_send(id, WS_OP_BINARY, payload, size);
    if (r != 0) {
      fprintf(stderr, "ws_post_send: %s\n", ws_strerror(r));
      exit(1);
    }
  }
  free(payload);
}

int main(int argc, char** argv) {
  ws_server_callbacks_t server_cb;
  ws_client_callbacks_t client_cb;
  ws_server_options_t options;
  uv_thread_t server_thread;
  uv_thread_t client_thread;
  uv_thread_t* threads;
  uint64_t t0;
  uint64_t t_posted;
  uint64_t t_done;
  unsigned long it0;
  unsigned long wakes;
  char url[64];
  int i;

  for (i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--posters") == 0)
      posters = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--messages") == 0)
      messages = strtoul(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--size") == 0)
      size = (size_t) strtoul(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--batch") == 0)
      batch = strtoul(argv[i + 1], NULL, 10);
    else
      break;
  }
  if (i < argc || posters < 1 || messages == 0 || size == 0) {
    fprintf(stderr, "usage: %s [--posters P] [--messages M] [--size N] "
                    "[--batch B]\n", argv[0]);
    return 2;
  }
  expected = messages * (unsigned long) posters;
  uv_loop_init(&server_loop);
  uv_loop_init(&client_loop);
  ws_server_options_init(&options);
  options.max_queued_bytes = WS_MAX_LIMIT;
  if (batch != 0)
    options.max_posts_per_wakeup = (unsigned int) batch;
  memset(&server_cb, 0, sizeof(server_cb));
  server_cb.on_open = server_on_open;
  server_cb.on_close = server_on_close;
  if (ws_server_new(&server, &server_loop, &options, &server_cb) != 0 ||
      ws_server_listen(server, "127.0.0.1", 0) != 0)
    return 1;
  uv_check_init(&server_loop, &iterations_check);
  uv_check_start(&iterations_check, on_iteration);
  memset(&client_cb, 0, sizeof(client_cb));
  client_cb.on_message = client_on_message;
  client_cb.on_close = client_on_close;
  ws_client_new(&client, &client_loop, NULL, &client_cb);
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  ws_client_connect(client, url, NULL, NULL, NULL);
  uv_thread_create(&server_thread, run_loop, &server_loop);
  uv_thread_create(&client_thread, run_loop, &client_loop);
  while (!atomic_load(&opened))
    uv_sleep(1);
  threads = calloc((size_t) posters, sizeof(*threads));
  it0 = atomic_load(&iterations);
  t0 = uv_hrtime();
  for (i = 0; i < posters; i++)
    uv_thread_create(&threads[i], poster, NULL);
  for (i = 0; i < posters; i++)
    uv_thread_join(&threads[i]);
  t_posted = uv_hrtime();
  while (atomic_load(&received) < expected)
    uv_sleep(1);
  t_done = uv_hrtime();
  wakes = atomic_load(&iterations) - it0;
  uv_thread_join(&client_thread);
  uv_thread_join(&server_thread);
  free(threads);
  printf("{\"posters\": %d, \"messages\": %lu, \"size\": %zu, "
         "\"batch\": %u, "
         "\"posted_per_s\": %.0f, \"delivered_per_s\": %.0f, "
         "\"loop_iterations\": %lu, \"messages_per_iteration\": %.1f}\n",
         posters, expected, size, options.max_posts_per_wakeup, expected / ((t_posted - t0) / 1e9),
         expected / ((t_done - t0) / 1e9), wakes,
         wakes ? (double) expected / wakes : 0.0);
  return uv_loop_close(&server_loop) != 0 || uv_loop_close(&client_loop) != 0;
}
