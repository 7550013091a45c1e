/* The chat sample's server logic (samples/chat/chat.c) under allocation
 * failure, as test_alloc_failures does for the library: uvws's allocations
 * and the chat's own share one counting allocator, and a scenario of joins,
 * refusals, messages, bad input, binary and closes runs with each
 * allocation failing in turn, then with every Nth one failing. Whatever
 * fails: no crash or use after free (under ASan), on_close exactly once
 * for every accepted connection, the loop closes, and once the chat is
 * freed nothing is left allocated. */
#include "chat.h"
#include "counting_alloc.h"
#include "harness.h"
#include "mem.h"

#define NCONNS 6

static ws_server_callbacks_t chat_callbacks;
static int accepted;
static int closed;

/* The chat's callbacks, counted. */
static int on_handshake(ws_conn_t* conn, ws_request_t* request) {
  int status;

  status = chat_callbacks.on_handshake(conn, request);
  if (status == 0)
    accepted++;
  return status;
}

static void on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  closed++;
  chat_callbacks.on_close(conn, info);
}

static size_t upgrade(char* out, size_t cap, const char* target) {
  int n;

  n = snprintf(out, cap,
               "GET %s HTTP/1.1\r\n"
               "Host: 127.0.0.1\r\n"
               "Upgrade: websocket\r\n"
               "Connection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n"
               "\r\n",
               target);
  ASSERT(n > 0 && (size_t) n < cap);
  return (size_t) n;
}

static size_t text(unsigned char* buf, size_t at, const char* s) {
  return harness_frame(buf, at, 1, WS_OP_TEXT, s, strlen(s));
}

static int contains(const unsigned char* p, size_t len, const char* s) {
  size_t n;
  size_t i;

  n = strlen(s);
  for (i = 0; i + n <= len; i++) {
    if (memcmp(p + i, s, n) == 0)
      return 1;
  }
  return 0;
}

/* Returns 1 if no allocation failed (the scenario ran to its end). */
static int scenario(long fail, long every) {
  static const char* const targets[NCONNS] = {
    "/ws/lobby?name=alice",
    "/ws/lobby?name=bob",
    "/ws/lobby?name=alice",            /* taken */
    "/ws/lobby?name=ali%E2%80%8Bce",   /* invalid */
    "/ws/other?name=carol",
    "/elsewhere"                       /* 404 */
  };
  static const unsigned char close_1000[2] = { 0x03, 0xE8 };
  static unsigned char out[NCONNS][65536];
  size_t out_len[NCONNS];
  unsigned char in[4096];
  char request[512];
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_conn_t* conns[NCONNS];
  uv_loop_t loop;
  chat_t* chat;
  size_t n;
  int i;

  accepted = 0;
  closed = 0;
  ASSERT_EQ(0, uv_loop_init(&loop));
  alloc_calls = 0;
  fail_at = fail;
  fail_every = every;

  if (chat_new(&chat) != 0) {
    ASSERT_EQ(0, uv_loop_close(&loop));
    goto done;
  }
  ws_server_options_init(&options);
  options.max_message_size = CHAT_MAX_MESSAGE_SIZE;
  cb = chat_callbacks;
  cb.on_handshake = on_handshake;
  cb.on_close = on_close;
  if (ws_server_new(&server, &loop, &options, &cb) != 0) {
    chat_free(chat);
    ASSERT_EQ(0, uv_loop_close(&loop));
    goto done;
  }
  ws_server_set_data(server, chat);

  for (i = 0; i < NCONNS; i++) {
    out_len[i] = 0;
    conns[i] = ws__conn_new(&server->hub);
    if (conns[i] == NULL)
      continue;
    conns[i]->detached = 1;
    harness_feed(conns[i], request,
                 upgrade(request, sizeof(request), targets[i]), 0);
  }

  /* alice: a message, the member list, bad JSON, a message without text. */
  n = text(in, 0, "{\"type\":\"message\",\"text\":\"hello from alice\"}");
  n = text(in, n, "{\"type\":\"members\"}");
  n = text(in, n, "not json");
  n = text(in, n, "{\"type\":\"message\"}");
  if (conns[0] != NULL)
    harness_feed(conns[0], in, n, 0);
  /* bob: a message, then a clean close. */
  n = text(in, 0, "{\"type\":\"message\",\"text\":\"hi alice\"}");
  n = harness_frame(in, n, 1, 8, close_1000, sizeof(close_1000));
  if (conns[1] != NULL)
    harness_feed(conns[1], in, n, 0);
  /* carol: a message in another room, then binary (1003). */
  n = text(in, 0, "{\"type\":\"message\",\"text\":\"alone\"}");
  n = harness_frame(in, n, 1, WS_OP_BINARY, "\x01\x02", 2);
  if (conns[4] != NULL)
    harness_feed(conns[4], in, n, 0);

  for (i = 0; i < NCONNS; i++) {
    if (conns[i] != NULL)
      out_len[i] = harness_take(conns[i], out[i], sizeof(out[i]));
  }
  /* The others go first, so that alice sees them leave. */
  for (i = NCONNS - 1; i >= 0; i--) {
    if (conns[i] == NULL)
      continue;
    if (i == 0)
      out_len[0] += harness_take(conns[0], out[0] + out_len[0],
                                 sizeof(out[0]) - out_len[0]);
    harness_free(conns[i]);
  }
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  ASSERT_EQ(accepted, closed);
  chat_free(chat);

  if (fail < 0 && every == 0) {
    /* Nothing failed: the scenario did what it says. */
    ASSERT_EQ(5, accepted);
    ASSERT(contains(out[0], out_len[0],
                    "\"from\":\"bob\",\"text\":\"hi alice\""));
    ASSERT(contains(out[0], out_len[0], "\"type\":\"leave\""));
    ASSERT(contains(out[0], out_len[0], "message is not valid JSON"));
    ASSERT(contains(out[1], out_len[1], "\"text\":\"hello from alice\""));
    ASSERT(contains(out[2], out_len[2], "name taken"));
    ASSERT(contains(out[3], out_len[3], "invalid name"));
    ASSERT(contains(out[4], out_len[4], "\"text\":\"alone\""));
    ASSERT(contains(out[4], out_len[4], "binary messages are not supported"));
    ASSERT(contains(out[5], out_len[5], "HTTP/1.1 404"));
  }

done:
  fail_at = -1;
  fail_every = 0;
  ASSERT_EQ(0, live_blocks);
  ASSERT_EQ(0, live_bytes);
  return fail < 0 ? every == 0 || alloc_calls < every : alloc_calls <= fail;
}

int main(void) {
  long calls;
  long fail;
  long every;

  counting_alloc_install();
  mem_replace_allocator(counting_calloc, counting_realloc, counting_free);
  memset(&harness, 0, sizeof(harness));
  memset(&chat_callbacks, 0, sizeof(chat_callbacks));
  chat_set_callbacks(&chat_callbacks);

  ASSERT_EQ(1, scenario(-1, 0));
  calls = alloc_calls;
  for (fail = 0; !scenario(fail, 0); fail++) {
  }
  printf("%ld allocations failed in turn\n", fail);
  ASSERT_EQ(calls, fail);
  for (every = 2; !scenario(-1, every); every++) {
  }
  printf("every Nth allocation failed, for N from 2 to %ld\n", every - 1);
  ASSERT_GT(calls, 50);
  return 0;
}
