/* The Redis room bus: a node's two connections, its pending publishes and
 * the streams it reads.
 *
 * One connection writes: PING first, then XADD for every publish (in
 * order, each kept until Redis acknowledges it, and sent again on the
 * next connection if it was not), the XREVRANGE that finds where a new
 * binding starts reading, and the application's commands. The other
 * blocks in XREAD on every bound stream from the last id seen. Each entry
 * carries the publisher's node id (its own entries a node skips) and a
 * sequence number (a resend that Redis had applied already is skipped).
 *
 * Any failure (a refused connect, a dropped connection, an error reply,
 * an answer later than timeout_ms) drops both connections; a timer makes
 * them again, with backoff. hiredis frees a context it is inside of only
 * once its callback returns, and calls the callbacks still waiting with
 * a NULL reply: every callback checks ac->data, which is NULL once the
 * bus let the context go. */
#include "redis_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WS__REDIS_ID_MAX 48      /* "MS-SEQ": two 64-bit numbers */
#define WS__REDIS_PUBLISHERS 64  /* publishers remembered per binding */

/* The first layouts passed by size (uvws 0.1): the smallest taken. */
#define WS__REDIS_SIZE_TO(type, field)                                        \
  (offsetof(type, field) + sizeof(((type*) 0)->field))
#define WS__REDIS_OPTIONS_MIN WS__REDIS_SIZE_TO(ws_redis_options_t, on_state)
#define WS__REDIS_STATS_MIN WS__REDIS_SIZE_TO(ws_redis_stats_t, pending_bytes)

enum {
  WS__REDIS_DOWN,
  WS__REDIS_CONNECTING,
  WS__REDIS_UP,
  WS__REDIS_CLOSING
};

typedef struct ws__redis_entry_s ws__redis_entry_t;

/* A publish, kept until Redis acknowledges it. */
struct ws__redis_entry_s {
  ws__redis_entry_t* next;
  ws_redis_room_t* rroom;
  uint64_t seq;
  ws_opcode_t opcode;
  int sent;  /* on the current connection */
  size_t len;
  char data[];
};

/* The last sequence number seen from one publisher. */
typedef struct {
  char node[17];
  uint64_t seq;
  uint64_t used;  /* for evicting the least recently heard */
} ws__redis_publisher_t;

struct ws_redis_room_s {
  ws_redis_bus_t* bus;
  ws_room_t* room;
  ws_redis_room_t* prev;
  ws_redis_room_t* next;
  char* key;
  size_t key_len;
  char last_id[WS__REDIS_ID_MAX];
  int resolved;   /* last_id is where reading goes on */
  int resolving;  /* its XREVRANGE is out */
  int bound;      /* on bus->rooms, not destroyed */
  size_t refs;    /* bound + pending entries + XREVRANGE out */
  uint64_t clock;
  ws__redis_publisher_t publishers[WS__REDIS_PUBLISHERS];
};

typedef struct {
  ws_redis_bus_t* bus;
  ws_redis_reply_cb cb;
  void* arg;
} ws__redis_request_t;

struct ws_redis_bus_s {
  uv_loop_t* loop;
  ws__redis_addr_t addr;
  ws_redis_options_t options;
  int state;
  redisAsyncContext* writer;
  redisAsyncContext* reader;
  int writer_ready;  /* answered its PING */
  int reader_ready;  /* answered CLIENT ID */
  long long reader_id;
  int reading;       /* an XREAD is out */
  uint64_t connect_at;
  uint64_t read_deadline;
  size_t writer_waiting;     /* commands out on the writer */
  uint64_t writer_progress;  /* when the writer last answered */
  uint64_t retry_ms;
  uv_timer_t retry;
  uv_timer_t watchdog;
  uv_getaddrinfo_t resolver;  /* for a host given by name */
  int resolving;
  int handles;  /* and requests */
  ws_redis_close_cb close_cb;
  ws_redis_room_t* rooms;
  ws__redis_entry_t* head;  /* pending publishes, oldest first */
  ws__redis_entry_t* tail;
  size_t unsent;  /* entries not sent on the current connection */
  uint64_t seq;
  ws_redis_stats_t stats;
  char node_id[17];
  void* data;
};

static void ws__redis_fail(ws_redis_bus_t* bus, int err);
static void ws__redis_read_next(ws_redis_bus_t* bus);

static void ws__redis_defaults(ws_redis_options_t* options) {
  memset(options, 0, sizeof(*options));
  options->stream_max_len = 10000;
  options->max_pending = 4096;
  options->max_pending_bytes = 16 * 1024 * 1024;
  options->read_count = 256;
  options->block_ms = 1000;
  options->timeout_ms = 5000;
  options->retry_min_ms = 100;
  options->retry_max_ms = 5000;
}

void ws_redis_options_init_sized(ws_redis_options_t* options, size_t size) {
  ws_redis_options_t defaults;

  if (options == NULL)
    return;
  ws__redis_defaults(&defaults);
  memset(options, 0, size);
  memcpy(options, &defaults,
         size < sizeof(defaults) ? size : sizeof(defaults));
}

/* The program's options over the defaults: the fields its size holds. A
 * newer program's fields this library does not know must be zero (unset).
 * Returns 0 or WS_EINVAL. */
static int ws__redis_options_copy(ws_redis_options_t* dst,
                                  const ws_redis_options_t* src,
                                  size_t size) {
  const unsigned char* extra;
  size_t i;

  if (size < WS__REDIS_OPTIONS_MIN)
    return WS_EINVAL;
  if (size > sizeof(*dst)) {
    extra = (const unsigned char*) src + sizeof(*dst);
    for (i = 0; i < size - sizeof(*dst); i++)
      if (extra[i] != 0)
        return WS_EINVAL;
    size = sizeof(*dst);
  }
  memcpy(dst, src, size);
  return 0;
}

/* ---- Handles and teardown ---- */

static void ws__redis_handle_closed(void* arg) {
  ws_redis_bus_t* bus;

  bus = arg;
  bus->handles--;
  if (bus->state == WS__REDIS_CLOSING && bus->handles == 0) {
    if (bus->close_cb != NULL)
      bus->close_cb(bus);
    free(bus);
  }
}

static void ws__redis_timer_closed(uv_handle_t* handle) {
  ws__redis_handle_closed(handle->data);
}

static void ws__redis_room_unref(ws_redis_room_t* rroom) {
  if (--rroom->refs > 0)
    return;
  free(rroom->key);
  free(rroom);
}

static void ws__redis_entry_free(ws_redis_bus_t* bus,
                                 ws__redis_entry_t* entry) {
  bus->stats.pending--;
  bus->stats.pending_bytes -= entry->len;
  ws__redis_room_unref(entry->rroom);
  free(entry);
}

/* Lets go of a context: its callbacks see ac->data == NULL from now on. */
static void ws__redis_drop(redisAsyncContext** pac) {
  redisAsyncContext* ac;

  ac = *pac;
  if (ac == NULL)
    return;
  *pac = NULL;
  ac->data = NULL;
  redisAsyncFree(ac);
}

static int ws__redis_error_of(const redisAsyncContext* ac, int saved_errno) {
  if (ac->err == REDIS_ERR_IO && saved_errno != 0)
    return uv_translate_sys_error(saved_errno);
  if (ac->err == REDIS_ERR_EOF)
    return UV_EOF;
  return WS_EPROTO;
}

/* ---- The writing connection ---- */

static void ws__redis_writer_sent(ws_redis_bus_t* bus) {
  if (bus->writer_waiting++ == 0)
    bus->writer_progress = uv_now(bus->loop);
}

/* Whether a callback of ac may act: ac is still the bus's, and the
 * answer came (a NULL reply means the connection is going away, which
 * its disconnect callback deals with). */
static ws_redis_bus_t* ws__redis_writer_answer(redisAsyncContext* ac,
                                               void* reply) {
  ws_redis_bus_t* bus;

  bus = ac->data;
  if (bus == NULL || reply == NULL)
    return NULL;
  bus->writer_waiting--;
  bus->writer_progress = uv_now(bus->loop);
  return bus;
}

static int ws__redis_command_argv(ws_redis_bus_t* bus, redisCallbackFn* fn,
                                  void* privdata, int argc,
                                  const char** argv, const size_t* lens) {
  if (redisAsyncCommandArgv(bus->writer, fn, privdata, argc, argv, lens) !=
      REDIS_OK)
    return WS_ENOMEM;
  ws__redis_writer_sent(bus);
  return 0;
}

/* An error that a later try may not meet: Redis loading its data, busy
 * with a script, out of memory, or a replica. */
static int ws__redis_transient(const redisReply* reply) {
  static const char* const prefixes[] = {
    "LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "OOM",
    "CLUSTERDOWN", NULL
  };
  size_t len;
  int i;

  for (i = 0; prefixes[i] != NULL; i++) {
    len = strlen(prefixes[i]);
    if (reply->len >= len && memcmp(reply->str, prefixes[i], len) == 0)
      return 1;
  }
  return 0;
}

static void ws__redis_on_xadd(redisAsyncContext* ac, void* r, void* priv) {
  ws__redis_entry_t* entry;
  redisReply* reply;
  ws_redis_bus_t* bus;

  (void) priv;
  reply = r;
  bus = ws__redis_writer_answer(ac, r);
  if (bus == NULL)
    return;
  if (reply->type == REDIS_REPLY_ERROR && ws__redis_transient(reply)) {
    /* Sent again, in order, on the next connection. */
    ws__redis_fail(bus, WS_EPROTO);
    return;
  }
  /* Answers come in order: this one is the oldest sent. Refused for good
   * (the key holds something that is not a stream): dropped. */
  entry = bus->head;
  bus->head = entry->next;
  if (bus->head == NULL)
    bus->tail = NULL;
  if (reply->type == REDIS_REPLY_ERROR)
    bus->stats.dropped++;
  else
    bus->stats.published++;
  ws__redis_entry_free(bus, entry);
}

/* Returns 0, or WS_ENOMEM when hiredis could not take it. */
static int ws__redis_send_entry(ws_redis_bus_t* bus,
                                ws__redis_entry_t* entry) {
  const char* argv[14];
  size_t lens[14];
  char maxlen[24];
  char seq[24];
  int i;

  snprintf(maxlen, sizeof(maxlen), "%zu", bus->options.stream_max_len);
  snprintf(seq, sizeof(seq), "%llu", (unsigned long long) entry->seq);
  argv[0] = "XADD";
  argv[1] = entry->rroom->key;
  argv[2] = "MAXLEN";
  argv[3] = "~";
  argv[4] = maxlen;
  argv[5] = "*";
  argv[6] = "n";
  argv[7] = bus->node_id;
  argv[8] = "s";
  argv[9] = seq;
  argv[10] = "o";
  argv[11] = entry->opcode == WS_OP_BINARY ? "b" : "t";
  argv[12] = "d";
  argv[13] = entry->data;
  for (i = 0; i < 13; i++)
    lens[i] = strlen(argv[i]);
  lens[1] = entry->rroom->key_len;
  lens[13] = entry->len;
  if (ws__redis_command_argv(bus, ws__redis_on_xadd, NULL, 14, argv, lens) !=
      0)
    return WS_ENOMEM;
  entry->sent = 1;
  bus->unsent--;
  return 0;
}

/* Sends what is not sent yet, in order; stops at the first entry hiredis
 * cannot take (the watchdog tries again), as acknowledgements are matched
 * to entries by their order. */
static void ws__redis_flush(ws_redis_bus_t* bus) {
  ws__redis_entry_t* entry;

  for (entry = bus->head; entry != NULL && bus->unsent > 0;
       entry = entry->next) {
    if (bus->state != WS__REDIS_UP)
      return;
    if (!entry->sent && ws__redis_send_entry(bus, entry) != 0)
      return;
  }
}

static void ws__redis_on_unblock(redisAsyncContext* ac, void* r,
                                 void* priv) {
  (void) priv;
  ws__redis_writer_answer(ac, r);
}

/* Wakes the reader's XREAD, so that the next one reads a new stream too.
 * If the XREAD has not reached Redis yet this does nothing, and the new
 * stream waits for the next one (block_ms at most): later, never lost. */
static void ws__redis_unblock_reader(ws_redis_bus_t* bus) {
  const char* argv[3];
  size_t lens[3];
  char id[24];

  snprintf(id, sizeof(id), "%lld", bus->reader_id);
  argv[0] = "CLIENT";
  argv[1] = "UNBLOCK";
  argv[2] = id;
  lens[0] = 6;
  lens[1] = 7;
  lens[2] = strlen(id);
  ws__redis_command_argv(bus, ws__redis_on_unblock, NULL, 3, argv, lens);
}

static void ws__redis_on_resolve(redisAsyncContext* ac, void* r,
                                 void* priv) {
  ws_redis_room_t* rroom;
  redisReply* reply;
  redisReply* entry;
  ws_redis_bus_t* bus;

  rroom = priv;
  reply = r;
  rroom->resolving = 0;
  bus = ws__redis_writer_answer(ac, r);
  if (bus == NULL || !rroom->bound) {
    ws__redis_room_unref(rroom);
    return;
  }
  if (reply->type == REDIS_REPLY_ERROR && !ws__redis_transient(reply)) {
    /* Not a stream: nothing to read there (tried again on the next
     * connection). */
    ws__redis_room_unref(rroom);
    return;
  }
  if (reply->type != REDIS_REPLY_ARRAY) {
    ws__redis_room_unref(rroom);
    ws__redis_fail(bus, WS_EPROTO);
    return;
  }
  /* An empty stream: read it from the start. */
  strcpy(rroom->last_id, "0-0");
  if (reply->elements > 0) {
    entry = reply->element[0];
    if (entry->type == REDIS_REPLY_ARRAY && entry->elements > 0 &&
        entry->element[0]->type == REDIS_REPLY_STRING &&
        entry->element[0]->len < WS__REDIS_ID_MAX)
      memcpy(rroom->last_id, entry->element[0]->str,
             entry->element[0]->len + 1);
  }
  rroom->resolved = 1;
  ws__redis_room_unref(rroom);
  if (bus->reading)
    ws__redis_unblock_reader(bus);
  else
    ws__redis_read_next(bus);
}

/* Finds where a new binding starts reading: after the stream's last
 * entry. */
static void ws__redis_resolve(ws_redis_bus_t* bus, ws_redis_room_t* rroom) {
  const char* argv[6];
  size_t lens[6];

  argv[0] = "XREVRANGE";
  argv[1] = rroom->key;
  argv[2] = "+";
  argv[3] = "-";
  argv[4] = "COUNT";
  argv[5] = "1";
  lens[0] = 9;
  lens[1] = rroom->key_len;
  lens[2] = 1;
  lens[3] = 1;
  lens[4] = 5;
  lens[5] = 1;
  if (ws__redis_command_argv(bus, ws__redis_on_resolve, rroom, 6, argv,
                             lens) != 0)
    return;
  rroom->resolving = 1;
  rroom->refs++;
}

static void ws__redis_on_ping(redisAsyncContext* ac, void* r, void* priv) {
  ws_redis_bus_t* bus;
  redisReply* reply;

  (void) priv;
  reply = r;
  bus = ws__redis_writer_answer(ac, r);
  if (bus == NULL)
    return;
  if (reply->type == REDIS_REPLY_ERROR) {
    ws__redis_fail(bus, WS_EPROTO);
    return;
  }
  bus->writer_ready = 1;
}

/* ---- The reading connection ---- */

static ws__redis_publisher_t* ws__redis_publisher(ws_redis_room_t* rroom,
                                                  const char* node) {
  ws__redis_publisher_t* oldest;
  ws__redis_publisher_t* p;
  size_t i;

  oldest = &rroom->publishers[0];
  for (i = 0; i < WS__REDIS_PUBLISHERS; i++) {
    p = &rroom->publishers[i];
    if (strcmp(p->node, node) == 0)
      return p;
    if (p->used < oldest->used)
      oldest = p;
  }
  /* Forgetting a publisher heard from long ago could let one resend of
   * its through; see docs/scale-out.md. */
  memcpy(oldest->node, node, sizeof(oldest->node));
  oldest->seq = 0;
  return oldest;
}

static const redisReply* ws__redis_field(const redisReply* fields,
                                         const char* name) {
  size_t i;

  for (i = 0; i + 1 < fields->elements; i += 2) {
    if (fields->element[i]->type == REDIS_REPLY_STRING &&
        fields->element[i]->len == 1 && fields->element[i]->str[0] == name[0])
      return fields->element[i + 1]->type == REDIS_REPLY_STRING
                 ? fields->element[i + 1]
                 : NULL;
  }
  return NULL;
}

static void ws__redis_deliver_entry(ws_redis_bus_t* bus,
                                    ws_redis_room_t* rroom,
                                    const redisReply* fields) {
  ws__redis_publisher_t* publisher;
  const redisReply* node;
  const redisReply* seq;
  const redisReply* op;
  const redisReply* data;
  uint64_t n;

  node = ws__redis_field(fields, "n");
  seq = ws__redis_field(fields, "s");
  op = ws__redis_field(fields, "o");
  data = ws__redis_field(fields, "d");
  /* Another program's entry, not ours to interpret. */
  if (node == NULL || seq == NULL || op == NULL || data == NULL ||
      node->len != 16)
    return;
  if (memcmp(node->str, bus->node_id, 16) == 0)
    return;
  n = strtoull(seq->str, NULL, 10);
  publisher = ws__redis_publisher(rroom, node->str);
  publisher->used = ++rroom->clock;
  if (n <= publisher->seq) {
    bus->stats.duplicates++;
    return;
  }
  publisher->seq = n;
  bus->stats.received++;
  /* Calls no code of the application's: the bindings stay as they are. */
  ws_room_broadcast(rroom->room, op->str[0] == 'b' ? WS_OP_BINARY
                                                   : WS_OP_TEXT,
                    data->str, data->len, NULL);
}

static ws_redis_room_t* ws__redis_room_by_key(ws_redis_bus_t* bus,
                                              const redisReply* key) {
  ws_redis_room_t* rroom;

  for (rroom = bus->rooms; rroom != NULL; rroom = rroom->next) {
    if (rroom->key_len == key->len &&
        memcmp(rroom->key, key->str, key->len) == 0)
      return rroom;
  }
  return NULL;
}

/* XREAD's answer: [[key, [[id, [field, value, ...]], ...]], ...]. */
static void ws__redis_deliver(ws_redis_bus_t* bus, const redisReply* reply) {
  const redisReply* stream;
  const redisReply* entry;
  ws_redis_room_t* rroom;
  size_t i;
  size_t j;

  for (i = 0; i < reply->elements; i++) {
    stream = reply->element[i];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 ||
        stream->element[0]->type != REDIS_REPLY_STRING ||
        stream->element[1]->type != REDIS_REPLY_ARRAY)
      continue;
    rroom = ws__redis_room_by_key(bus, stream->element[0]);
    if (rroom == NULL || !rroom->resolved)
      continue;
    for (j = 0; j < stream->element[1]->elements; j++) {
      entry = stream->element[1]->element[j];
      if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
          entry->element[0]->type != REDIS_REPLY_STRING ||
          entry->element[0]->len >= WS__REDIS_ID_MAX)
        continue;
      memcpy(rroom->last_id, entry->element[0]->str,
             entry->element[0]->len + 1);
      if (entry->element[1]->type == REDIS_REPLY_ARRAY)
        ws__redis_deliver_entry(bus, rroom, entry->element[1]);
    }
  }
}

static void ws__redis_on_xread(redisAsyncContext* ac, void* r, void* priv) {
  ws_redis_bus_t* bus;
  redisReply* reply;

  (void) priv;
  reply = r;
  bus = ac->data;
  if (bus == NULL || reply == NULL)
    return;
  bus->reading = 0;
  if (reply->type == REDIS_REPLY_ERROR) {
    ws__redis_fail(bus, WS_EPROTO);
    return;
  }
  /* NIL: the block ran out, or CLIENT UNBLOCK woke it. */
  if (reply->type == REDIS_REPLY_ARRAY)
    ws__redis_deliver(bus, reply);
  ws__redis_read_next(bus);
}

static void ws__redis_read_next(ws_redis_bus_t* bus) {
  ws_redis_room_t* rroom;
  const char** argv;
  size_t* lens;
  char count[24];
  char block[24];
  size_t n;
  size_t i;

  if (bus->state != WS__REDIS_UP || bus->reading)
    return;
  n = 0;
  for (rroom = bus->rooms; rroom != NULL; rroom = rroom->next)
    n += rroom->resolved;
  if (n == 0)
    return;
  argv = malloc((6 + 2 * n) * sizeof(*argv));
  lens = malloc((6 + 2 * n) * sizeof(*lens));
  if (argv == NULL || lens == NULL) {
    free(argv);
    free(lens);
    ws__redis_fail(bus, WS_ENOMEM);
    return;
  }
  snprintf(count, sizeof(count), "%zu", bus->options.read_count);
  snprintf(block, sizeof(block), "%llu",
           (unsigned long long) bus->options.block_ms);
  argv[0] = "XREAD";
  argv[1] = "COUNT";
  argv[2] = count;
  argv[3] = "BLOCK";
  argv[4] = block;
  argv[5] = "STREAMS";
  for (i = 0; i < 6; i++)
    lens[i] = strlen(argv[i]);
  i = 0;
  for (rroom = bus->rooms; rroom != NULL; rroom = rroom->next) {
    if (!rroom->resolved)
      continue;
    argv[6 + i] = rroom->key;
    lens[6 + i] = rroom->key_len;
    argv[6 + n + i] = rroom->last_id;
    lens[6 + n + i] = strlen(rroom->last_id);
    i++;
  }
  if (redisAsyncCommandArgv(bus->reader, ws__redis_on_xread, NULL,
                            (int) (6 + 2 * n), argv, lens) == REDIS_OK) {
    bus->reading = 1;
    bus->read_deadline = uv_now(bus->loop) + bus->options.block_ms +
                         bus->options.timeout_ms;
  }
  free(argv);
  free(lens);
}

/* ---- Up and down ---- */

static void ws__redis_maybe_up(ws_redis_bus_t* bus) {
  ws_redis_room_t* rroom;

  if (bus->state != WS__REDIS_CONNECTING || !bus->writer_ready ||
      !bus->reader_ready)
    return;
  bus->state = WS__REDIS_UP;
  bus->retry_ms = bus->options.retry_min_ms;
  if (bus->options.on_state != NULL) {
    bus->options.on_state(bus, 1, 0);
    if (bus->state != WS__REDIS_UP)
      return;
  }
  ws__redis_flush(bus);
  for (rroom = bus->rooms; rroom != NULL; rroom = rroom->next) {
    if (!rroom->resolved && !rroom->resolving)
      ws__redis_resolve(bus, rroom);
  }
  ws__redis_read_next(bus);
}

static void ws__redis_on_client_id(redisAsyncContext* ac, void* r,
                                   void* priv) {
  ws_redis_bus_t* bus;
  redisReply* reply;

  (void) priv;
  reply = r;
  bus = ac->data;
  if (bus == NULL || reply == NULL)
    return;
  if (reply->type != REDIS_REPLY_INTEGER) {
    ws__redis_fail(bus, WS_EPROTO);
    return;
  }
  bus->reader_id = reply->integer;
  bus->reader_ready = 1;
  ws__redis_maybe_up(bus);
}

static void ws__redis_on_writer_ready(redisAsyncContext* ac, void* r,
                                      void* priv) {
  ws_redis_bus_t* bus;

  ws__redis_on_ping(ac, r, priv);
  bus = ac->data;
  if (bus != NULL && bus->writer_ready)
    ws__redis_maybe_up(bus);
}

static redisAsyncContext** ws__redis_slot(ws_redis_bus_t* bus,
                                          const redisAsyncContext* ac) {
  return ac == bus->writer ? &bus->writer : &bus->reader;
}

static void ws__redis_on_connect(const redisAsyncContext* ac, int status) {
  ws_redis_bus_t* bus;
  int err;

  bus = ac->data;
  if (bus == NULL || status == REDIS_OK)
    return;
  err = ws__redis_error_of(ac, errno);
  /* hiredis frees it when this returns. */
  *ws__redis_slot(bus, ac) = NULL;
  ((redisAsyncContext*) ac)->data = NULL;
  ws__redis_fail(bus, err);
}

static void ws__redis_on_disconnect(const redisAsyncContext* ac,
                                    int status) {
  ws_redis_bus_t* bus;
  int err;

  bus = ac->data;
  if (bus == NULL)
    return;
  err = status == REDIS_OK ? UV_EOF : ws__redis_error_of(ac, errno);
  *ws__redis_slot(bus, ac) = NULL;
  ((redisAsyncContext*) ac)->data = NULL;
  ws__redis_fail(bus, err);
}

static int ws__redis_open(ws_redis_bus_t* bus, const char* address,
                          redisAsyncContext** pac) {
  redisAsyncContext* ac;
  int err;

  errno = 0;
  if (bus->addr.path[0] != '\0')
    ac = redisAsyncConnectUnix(bus->addr.path);
  else
    ac = redisAsyncConnect(address, bus->addr.port);
  if (ac == NULL)
    return WS_ENOMEM;
  if (ac->err != 0) {
    err = ws__redis_error_of(ac, errno);
    redisAsyncFree(ac);
    return err;
  }
  err = ws__redis_attach(ac, bus->loop, ws__redis_handle_closed, bus);
  if (err != 0) {
    redisAsyncFree(ac);
    return err;
  }
  bus->handles++;
  ac->data = bus;
  redisAsyncSetConnectCallback(ac, ws__redis_on_connect);
  redisAsyncSetDisconnectCallback(ac, ws__redis_on_disconnect);
  *pac = ac;
  return 0;
}

static void ws__redis_watchdog(uv_timer_t* timer) {
  ws_redis_bus_t* bus;
  uint64_t now;
  uint64_t limit;

  bus = timer->data;
  now = uv_now(bus->loop);
  limit = bus->options.timeout_ms;
  if ((bus->state == WS__REDIS_CONNECTING && now - bus->connect_at > limit) ||
      (bus->state == WS__REDIS_UP &&
       ((bus->reading && now > bus->read_deadline) ||
        (bus->writer_waiting > 0 && now - bus->writer_progress > limit)))) {
    ws__redis_fail(bus, WS_ETIMEDOUT);
    return;
  }
  if (bus->state == WS__REDIS_UP)
    ws__redis_flush(bus);
}

/* Opens both connections to address (NULL: the unix socket). */
static void ws__redis_open_both(ws_redis_bus_t* bus, const char* address) {
  const char* argv[2];
  size_t lens[2];
  int err;

  err = ws__redis_open(bus, address, &bus->writer);
  if (err == 0)
    err = ws__redis_open(bus, address, &bus->reader);
  if (err != 0) {
    ws__redis_fail(bus, err);
    return;
  }
  argv[0] = "PING";
  lens[0] = 4;
  ws__redis_command_argv(bus, ws__redis_on_writer_ready, NULL, 1, argv,
                         lens);
  argv[0] = "CLIENT";
  argv[1] = "ID";
  lens[0] = 6;
  lens[1] = 2;
  redisAsyncCommandArgv(bus->reader, ws__redis_on_client_id, NULL, 2, argv,
                        lens);
}

/* hiredis would resolve a name with a blocking getaddrinfo(): libuv's
 * runs on its thread pool instead, and the bus connects to the first
 * address. */
static void ws__redis_resolved(uv_getaddrinfo_t* req, int status,
                               struct addrinfo* res) {
  const struct addrinfo* ai;
  ws_redis_bus_t* bus;
  char address[64];

  bus = req->data;
  bus->resolving = 0;
  address[0] = '\0';
  for (ai = res; status == 0 && ai != NULL; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET &&
        uv_ip4_name((const struct sockaddr_in*) ai->ai_addr, address,
                    sizeof(address)) == 0)
      break;
    if (ai->ai_family == AF_INET6 &&
        uv_ip6_name((const struct sockaddr_in6*) ai->ai_addr, address,
                    sizeof(address)) == 0)
      break;
  }
  uv_freeaddrinfo(res);
  if (bus->state == WS__REDIS_CLOSING) {
    ws__redis_handle_closed(bus);
    return;
  }
  bus->handles--;
  /* Down meanwhile (timed out): the next try uses a new answer. */
  if (bus->state != WS__REDIS_CONNECTING)
    return;
  if (status != 0 || address[0] == '\0') {
    ws__redis_fail(bus, status != 0 ? status : UV_EAI_NONAME);
    return;
  }
  ws__redis_open_both(bus, address);
}

static void ws__redis_connect(ws_redis_bus_t* bus) {
  struct addrinfo hints;
  uint64_t tick;
  int err;

  bus->state = WS__REDIS_CONNECTING;
  bus->connect_at = uv_now(bus->loop);
  bus->writer_ready = 0;
  bus->reader_ready = 0;
  bus->writer_waiting = 0;
  bus->reading = 0;
  tick = bus->options.timeout_ms / 4;
  if (tick < 10)
    tick = 10;
  uv_timer_start(&bus->watchdog, ws__redis_watchdog, tick, tick);
  if (bus->addr.path[0] != '\0' || bus->addr.numeric) {
    ws__redis_open_both(bus, bus->addr.host);
    return;
  }
  /* A name: an answer still on its way connects when it comes. */
  if (bus->resolving)
    return;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  bus->resolver.data = bus;
  err = uv_getaddrinfo(bus->loop, &bus->resolver, ws__redis_resolved,
                       bus->addr.host, NULL, &hints);
  if (err != 0) {
    ws__redis_fail(bus, err);
    return;
  }
  bus->resolving = 1;
  bus->handles++;
}

static void ws__redis_retry(uv_timer_t* timer) {
  ws__redis_connect(timer->data);
}

static void ws__redis_fail(ws_redis_bus_t* bus, int err) {
  ws__redis_entry_t* entry;
  int was_up;

  if (bus->state == WS__REDIS_DOWN || bus->state == WS__REDIS_CLOSING)
    return;
  was_up = bus->state == WS__REDIS_UP;
  bus->state = WS__REDIS_DOWN;
  ws__redis_drop(&bus->writer);
  ws__redis_drop(&bus->reader);
  bus->reading = 0;
  bus->writer_waiting = 0;
  for (entry = bus->head; entry != NULL; entry = entry->next)
    entry->sent = 0;
  bus->unsent = bus->stats.pending;
  uv_timer_stop(&bus->watchdog);
  uv_timer_start(&bus->retry, ws__redis_retry, bus->retry_ms, 0);
  bus->retry_ms *= 2;
  if (bus->retry_ms > bus->options.retry_max_ms)
    bus->retry_ms = bus->options.retry_max_ms;
  if (was_up) {
    bus->stats.reconnects++;
    if (bus->options.on_state != NULL)
      bus->options.on_state(bus, 0, err);
  }
}

/* ---- The API ---- */

int ws_redis_bus_new_sized(ws_redis_bus_t** pbus, uv_loop_t* loop,
                           const char* url, const ws_redis_options_t* options,
                           size_t options_size) {
  unsigned char id[8];
  ws_redis_bus_t* bus;
  int i;

  if (pbus == NULL || loop == NULL)
    return WS_EINVAL;
  bus = calloc(1, sizeof(*bus));
  if (bus == NULL)
    return WS_ENOMEM;
  if (ws__redis_parse_url(url, &bus->addr) != 0) {
    free(bus);
    return WS_EINVAL;
  }
  ws__redis_defaults(&bus->options);
  if (options != NULL &&
      ws__redis_options_copy(&bus->options, options, options_size) != 0) {
    free(bus);
    return WS_EINVAL;
  }
  if (bus->options.stream_max_len == 0 || bus->options.read_count == 0 ||
      bus->options.retry_min_ms == 0 ||
      bus->options.retry_max_ms < bus->options.retry_min_ms ||
      bus->options.timeout_ms == 0) {
    free(bus);
    return WS_EINVAL;
  }
  if (uv_random(NULL, NULL, id, sizeof(id), 0, NULL) != 0) {
    /* Unique enough on one machine: the loop's clock and the address. */
    uint64_t mix = uv_hrtime() ^ (uint64_t) (uintptr_t) bus;
    memcpy(id, &mix, sizeof(id));
  }
  for (i = 0; i < 8; i++)
    snprintf(bus->node_id + 2 * i, 3, "%02x", id[i]);
  bus->loop = loop;
  bus->retry_ms = bus->options.retry_min_ms;
  uv_timer_init(loop, &bus->retry);
  uv_timer_init(loop, &bus->watchdog);
  bus->retry.data = bus;
  bus->watchdog.data = bus;
  bus->handles = 2;
  ws__redis_connect(bus);
  *pbus = bus;
  return 0;
}

int ws_redis_bus_close(ws_redis_bus_t* bus, ws_redis_close_cb cb) {
  ws__redis_entry_t* entry;
  ws_redis_room_t* rroom;

  if (bus == NULL || bus->state == WS__REDIS_CLOSING)
    return WS_EINVAL;
  bus->state = WS__REDIS_CLOSING;
  bus->close_cb = cb;
  ws__redis_drop(&bus->writer);
  ws__redis_drop(&bus->reader);
  while (bus->head != NULL) {
    entry = bus->head;
    bus->head = entry->next;
    ws__redis_entry_free(bus, entry);
  }
  bus->tail = NULL;
  while (bus->rooms != NULL) {
    rroom = bus->rooms;
    bus->rooms = rroom->next;
    rroom->bound = 0;
    ws__redis_room_unref(rroom);
  }
  uv_close((uv_handle_t*) &bus->retry, ws__redis_timer_closed);
  uv_close((uv_handle_t*) &bus->watchdog, ws__redis_timer_closed);
  /* Its callback comes anyway (UV_EAI_CANCELED if this worked). */
  if (bus->resolving)
    uv_cancel((uv_req_t*) &bus->resolver);
  return 0;
}

int ws_redis_bus_is_up(const ws_redis_bus_t* bus) {
  return bus != NULL && bus->state == WS__REDIS_UP;
}

const char* ws_redis_bus_node_id(const ws_redis_bus_t* bus) {
  return bus->node_id;
}

int ws_redis_bus_stats_sized(const ws_redis_bus_t* bus,
                             ws_redis_stats_t* stats, size_t size) {
  if (bus == NULL || stats == NULL || size < WS__REDIS_STATS_MIN)
    return WS_EINVAL;
  memset(stats, 0, size);
  memcpy(stats, &bus->stats,
         size < sizeof(bus->stats) ? size : sizeof(bus->stats));
  return 0;
}

void* ws_redis_bus_get_data(const ws_redis_bus_t* bus) {
  return bus->data;
}

void ws_redis_bus_set_data(ws_redis_bus_t* bus, void* data) {
  bus->data = data;
}

static void ws__redis_on_command(redisAsyncContext* ac, void* r,
                                 void* priv) {
  ws__redis_request_t* req;

  req = priv;
  ws__redis_writer_answer(ac, r);
  if (req->cb != NULL)
    req->cb(req->bus, r, req->arg);
  free(req);
}

int ws_redis_command(ws_redis_bus_t* bus, ws_redis_reply_cb cb, void* arg,
                     int argc, const char** argv, const size_t* argvlen) {
  ws__redis_request_t* req;
  int err;

  if (bus == NULL || argc < 1 || argv == NULL || argvlen == NULL)
    return WS_EINVAL;
  if (bus->state != WS__REDIS_UP)
    return WS_ECLOSED;
  /* A stalled Redis must not make the output grow without bound. */
  if (bus->writer_waiting >= bus->options.max_pending)
    return WS_EQUEUEFULL;
  req = malloc(sizeof(*req));
  if (req == NULL)
    return WS_ENOMEM;
  req->bus = bus;
  req->cb = cb;
  req->arg = arg;
  err = ws__redis_command_argv(bus, ws__redis_on_command, req, argc, argv,
                               argvlen);
  if (err != 0)
    free(req);
  return err;
}

int ws_redis_room_new(ws_redis_room_t** prroom, ws_redis_bus_t* bus,
                      ws_room_t* room, const char* key) {
  ws_redis_room_t* rroom;
  size_t len;

  if (prroom == NULL || bus == NULL || room == NULL || key == NULL ||
      *key == '\0' || bus->state == WS__REDIS_CLOSING)
    return WS_EINVAL;
  len = strlen(key);
  rroom = calloc(1, sizeof(*rroom));
  if (rroom == NULL)
    return WS_ENOMEM;
  rroom->key = malloc(len + 1);
  if (rroom->key == NULL) {
    free(rroom);
    return WS_ENOMEM;
  }
  memcpy(rroom->key, key, len + 1);
  rroom->key_len = len;
  rroom->bus = bus;
  rroom->room = room;
  rroom->bound = 1;
  rroom->refs = 1;
  rroom->next = bus->rooms;
  if (bus->rooms != NULL)
    bus->rooms->prev = rroom;
  bus->rooms = rroom;
  if (bus->state == WS__REDIS_UP)
    ws__redis_resolve(bus, rroom);
  *prroom = rroom;
  return 0;
}

void ws_redis_room_destroy(ws_redis_room_t* rroom) {
  ws_redis_bus_t* bus;

  if (rroom == NULL)
    return;
  bus = rroom->bus;
  if (rroom->prev != NULL)
    rroom->prev->next = rroom->next;
  else
    bus->rooms = rroom->next;
  if (rroom->next != NULL)
    rroom->next->prev = rroom->prev;
  rroom->bound = 0;
  ws__redis_room_unref(rroom);
}

int ws_redis_room_broadcast(ws_redis_room_t* rroom, ws_opcode_t opcode,
                            const void* data, size_t len,
                            ws_conn_t* except) {
  ws__redis_entry_t* entry;
  ws_redis_bus_t* bus;
  int r;

  if (rroom == NULL || !rroom->bound)
    return WS_EINVAL;
  r = ws_room_broadcast(rroom->room, opcode, data, len, except);
  if (r == WS_EINVAL)
    return r;
  bus = rroom->bus;
  if (bus->stats.pending >= bus->options.max_pending ||
      len > bus->options.max_pending_bytes - bus->stats.pending_bytes) {
    bus->stats.dropped++;
    return r;
  }
  entry = malloc(sizeof(*entry) + len);
  if (entry == NULL) {
    bus->stats.dropped++;
    return r;
  }
  entry->next = NULL;
  entry->rroom = rroom;
  entry->seq = ++bus->seq;
  entry->opcode = opcode;
  entry->sent = 0;
  entry->len = len;
  if (len > 0)
    memcpy(entry->data, data, len);
  rroom->refs++;
  if (bus->tail != NULL)
    bus->tail->next = entry;
  else
    bus->head = entry;
  bus->tail = entry;
  bus->stats.pending++;
  bus->stats.pending_bytes += len;
  bus->unsent++;
  /* Only behind entries sent already: order is what matches answers. */
  if (bus->state == WS__REDIS_UP && bus->unsent == 1)
    ws__redis_send_entry(bus, entry);
  return r;
}

ws_room_t* ws_redis_room_room(const ws_redis_room_t* rroom) {
  return rroom->room;
}

int ws_redis_room_ready(const ws_redis_room_t* rroom) {
  return rroom != NULL && rroom->resolved;
}
