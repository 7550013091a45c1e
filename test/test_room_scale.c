/* A room of 10,000 connections over loopback receives 100 broadcasts:
 * every member gets every message exactly once and in order. The members
 * live in two child processes (room_members), so that neither process
 * comes near the file-descriptor limit. */
#include "raw_client.h"

#define PROCESSES 2
#ifdef _WIN32
/* Under Wine, thousands of connects at once time out. */
#define PER_PROCESS 500
#else
#define PER_PROCESS 5000
#endif
#define MESSAGES 100

typedef struct {
  uv_process_t process;
  uv_pipe_t out;
  char text[256];
  size_t len;
  int ready;
  int exited;
  int64_t status;
} child_t;

static child_t children[PROCESSES];
static ws_room_t* room;

static void join_on_open(ws_conn_t* conn) {
  harness.open_count++;
  ASSERT_EQ(0, ws_room_join(room, conn));
}

static void on_exit_cb(uv_process_t* process, int64_t status, int signal) {
  child_t* child;

  child = process->data;
  child->exited = 1;
  child->status = signal != 0 ? 128 + signal : status;
  uv_close((uv_handle_t*) process, NULL);
}

static void child_alloc(uv_handle_t* h, size_t size, uv_buf_t* buf) {
  child_t* child;

  (void) size;
  child = h->data;
  *buf = uv_buf_init(child->text + child->len,
                     (unsigned int) (sizeof(child->text) - 1 - child->len));
}

static void child_read(uv_stream_t* stream, ssize_t nread,
                       const uv_buf_t* buf) {
  child_t* child;

  (void) buf;
  child = stream->data;
  if (nread < 0) {
    uv_close((uv_handle_t*) stream, NULL);
    return;
  }
  child->len += (size_t) nread;
  child->text[child->len] = '\0';
  if (strstr(child->text, "ready\n") != NULL)
    child->ready = 1;
  if (child->len >= sizeof(child->text) - 1)
    child->len = 0;
}

static void spawn_child(uv_loop_t* loop, child_t* child, const char* url) {
  uv_process_options_t options;
  uv_stdio_container_t stdio[3];
  char count[16];
  char messages[16];
  char* args[5];

  snprintf(count, sizeof(count), "%d", PER_PROCESS);
  snprintf(messages, sizeof(messages), "%d", MESSAGES);
  args[0] = UVWS_TEST_BIN_DIR "/room_members";
  args[1] = (char*) url;
  args[2] = count;
  args[3] = messages;
  args[4] = NULL;
  ASSERT_EQ(0, uv_pipe_init(loop, &child->out, 0));
  child->out.data = child;
  child->process.data = child;
  memset(&options, 0, sizeof(options));
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t*) &child->out;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = 2;
  options.stdio = stdio;
  options.stdio_count = 3;
  options.file = args[0];
  options.args = args;
  options.exit_cb = on_exit_cb;
  ASSERT_EQ(0, uv_spawn(loop, &child->process, &options));
  ASSERT_EQ(0, uv_read_start((uv_stream_t*) &child->out, child_alloc,
                             child_read));
}

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  uv_loop_t loop;
  char url[64];
  char text[16];
  uint64_t start;
  int i;
  int n;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_connections = PROCESSES * PER_PROCESS;
  options.backlog = 4096;
  cb = harness_callbacks();
  cb.on_open = join_on_open;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_room_new(&room, server));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", ws_server_port(server));
  for (i = 0; i < PROCESSES; i++)
    spawn_child(&loop, &children[i], url);
  start = uv_hrtime();
  RUN_UNTIL_LONG(&loop, children[0].ready && children[1].ready, 60);
  ASSERT_EQ(PROCESSES * PER_PROCESS, ws_room_count(room));
  printf("%d members joined in %.2f s\n", PROCESSES * PER_PROCESS,
         (double) (uv_hrtime() - start) / 1e9);

  start = uv_hrtime();
  for (i = 0; i < MESSAGES; i++) {
    n = snprintf(text, sizeof(text), "seq:%d", i);
    ASSERT_EQ(PROCESSES * PER_PROCESS,
              ws_room_broadcast(room, WS_OP_TEXT, text, (size_t) n, NULL));
    /* One loop turn between broadcasts: some coalesce, some do not. */
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  RUN_UNTIL_LONG(&loop, children[0].exited && children[1].exited, 60);
  printf("%d broadcasts to %d members delivered in %.2f s\n", MESSAGES,
         PROCESSES * PER_PROCESS, (double) (uv_hrtime() - start) / 1e9);
  for (i = 0; i < PROCESSES; i++)
    ASSERT_EQ(0, children[i].status);
  RUN_UNTIL_LONG(&loop, ws_server_connection_count(server) == 0, 30);
  ASSERT_EQ(PROCESSES * PER_PROCESS, harness.close_count);
  ASSERT_EQ(0, ws_room_count(room));
  harness_close_server(&loop, server);
  return 0;
}
