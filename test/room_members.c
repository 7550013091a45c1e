/* A helper for test_room_scale: opens many client connections to a room
 * server, prints "ready" once all are open, then checks that each one
 * receives "seq:0" .. "seq:N-1" exactly once and in order, and closes it.
 * Exits 0 if every connection got every message.
 *
 *   room_members URL COUNT MESSAGES */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uvws.h"

static int count;
static int messages;
static int opened;
static int done;
static int closed;
static int errors;
static int* next_seq;

static void on_open(ws_conn_t* conn) {
  (void) conn;
  if (++opened == count) {
    printf("ready\n");
    fflush(stdout);
  }
}

static void on_message(ws_conn_t* conn, ws_opcode_t op, const void* data,
                       size_t len) {
  int* seq;
  char want[32];
  int n;

  seq = ws_conn_get_data(conn);
  n = snprintf(want, sizeof(want), "seq:%d", *seq);
  if (op != WS_OP_TEXT || len != (size_t) n || memcmp(data, want, len) != 0) {
    if (errors++ < 10)
      fprintf(stderr, "room_members: wanted %s, got %.*s\n", want,
              (int) len, (const char*) data);
    return;
  }
  if (++*seq == messages) {
    done++;
    ws_conn_close(conn, 1000, NULL, 0);
  }
}

static void on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  int* seq;

  seq = ws_conn_get_data(conn);
  if (*seq != messages && errors++ < 10)
    fprintf(stderr, "room_members: closed (%u, %s) after %d messages\n",
            info->code, ws_err_name(info->error), *seq);
  closed++;
}

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  if (errors++ < 10)
    fprintf(stderr, "room_members: connect: %s\n", ws_strerror(error));
  closed++;
}

int main(int argc, char** argv) {
  ws_client_options_t options;
  ws_client_callbacks_t cb;
  ws_client_t* client;
  uv_loop_t* loop;
  int i;

  if (argc != 4) {
    fprintf(stderr, "usage: room_members URL COUNT MESSAGES\n");
    return 2;
  }
  count = atoi(argv[2]);
  messages = atoi(argv[3]);
  next_seq = calloc((size_t) count, sizeof(*next_seq));
  if (next_seq == NULL)
    return 1;
  loop = uv_default_loop();
  memset(&cb, 0, sizeof(cb));
  cb.on_open = on_open;
  cb.on_message = on_message;
  cb.on_close = on_close;
  cb.on_connect_error = on_connect_error;
  ws_client_options_init(&options);
  options.connect_timeout = 30000;
  if (ws_client_new(&client, loop, &options, &cb) != 0)
    return 1;
  for (i = 0; i < count; i++)
    if (ws_client_connect(client, argv[1], NULL, &next_seq[i], NULL) != 0)
      return 1;
  while (closed < count && uv_run(loop, UV_RUN_ONCE) != 0) {
  }
  ws_client_close(client, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  free(next_seq);
  if (uv_loop_close(loop) != 0)
    return 1;
  printf("%d of %d connections got all %d messages, %d errors\n", done,
         count, messages, errors);
  return done == count && errors == 0 ? 0 : 1;
}
