/* A broadcast that comes over Redis is delivered through the node's room
 * as its own broadcasts are: compressed once for the members there that
 * negotiated deflate without context takeover, plain for the others. */
#include "deflate_util.h"
#include "redis_server.h"

#ifdef UVWS_HAVE_ZLIB
#define MESSAGES 3

/* Node b by hand: a server with deflate, a member with it, one without. */
static void deflate_node_start(redis_node_t* node, uv_loop_t* loop,
                               const char* url, ws_conn_t** plain) {
  ws_server_callbacks_t cb;
  ws_server_options_t o;
  ws_redis_options_t options;
  char head[1024];

  memset(node, 0, sizeof(*node));
  cb = harness_callbacks();
  ws_server_options_init(&o);
  o.deflate = 1;
  ASSERT_EQ(0, ws_server_new(&node->server, loop, &o, &cb));
  ASSERT_EQ(0, ws_room_new(&node->room, node->server));
  node->member = deflate_open(node->server, DEFLATE_OFFER, head, sizeof(head));
  ASSERT(node->member->pmd);
  ASSERT_EQ(0, ws_room_join(node->room, node->member));
  *plain = harness_open(node->server);
  ASSERT_EQ(0, ws_room_join(node->room, *plain));
  ws_redis_options_init(&options);
  ASSERT_EQ(0, ws_redis_bus_new(&node->bus, loop, url, &options));
  ws_redis_bus_set_data(node->bus, node);
  ASSERT_EQ(0, ws_redis_room_new(&node->rroom, node->bus, node->room,
                                 "room:deflate"));
}

static int is_ready(void* arg) {
  return ws_redis_room_ready(((redis_node_t*) arg)->rroom);
}

static int has_all(void* arg) {
  return ((redis_node_t*) arg)->server->hub.deflate_calls == MESSAGES;
}

#endif

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  static unsigned char out[16384];
  static unsigned char inflated[2048];
  static char json[MESSAGES][1024];
  redis_server_t redis;
  redis_node_t a;
  redis_node_t b;
  ws_conn_t* plain;
  deflate_sent_t f;
  uv_loop_t loop;
  size_t len;
  size_t at;
  size_t n;
  int i;

  if (!redis_server_available())
    return test_skip("no redis-server");
  for (i = 0; i < MESSAGES; i++) {
    n = (size_t) snprintf(json[i], sizeof(json[i]), "{\"m\":%d,\"rows\":[", i);
    while (n < sizeof(json[i]) - 40)
      n += (size_t) snprintf(json[i] + n, sizeof(json[i]) - n,
                             "{\"id\":%lu,\"ok\":true},", (unsigned long) n);
    json[i][n - 1] = ']';
    json[i][n] = '}';
  }
  redis_server_start(&redis, 0);
  ASSERT_EQ(0, uv_loop_init(&loop));
  redis_node_start(&a, &loop, redis.url, "room:deflate", NULL);
  deflate_node_start(&b, &loop, redis.url, &plain);
  redis_node_wait_up(&loop, &a);
  redis_test_wait(&loop, is_ready, &b, 10000);

  for (i = 0; i < MESSAGES; i++)
    ASSERT_EQ(1, ws_redis_room_broadcast(a.rroom, WS_OP_TEXT, json[i],
                                         strlen(json[i]), NULL));
  /* Node b compresses each once, as it arrives. */
  redis_test_wait(&loop, has_all, &b, 10000);

  len = harness_take(b.member, out, sizeof(out));
  for (at = 0, i = 0; i < MESSAGES; i++, at += f.total) {
    deflate_parse(out + at, len - at, &f);
    ASSERT_EQ(1, f.rsv1);
    ASSERT_LT(f.len, strlen(json[i]) / 2);
    n = deflate_inflate(f.payload, f.len, inflated, sizeof(inflated));
    ASSERT_EQ(strlen(json[i]), n);
    ASSERT_MEM_EQ(json[i], inflated, n);
  }
  ASSERT_EQ(len, at);
  len = harness_take(plain, out, sizeof(out));
  for (at = 0, i = 0; i < MESSAGES; i++, at += f.total) {
    deflate_parse(out + at, len - at, &f);
    ASSERT_EQ(0, f.rsv1);
    ASSERT_EQ(strlen(json[i]), f.len);
    ASSERT_MEM_EQ(json[i], f.payload, f.len);
  }
  ASSERT_EQ(len, at);

  harness_free(plain);
  redis_node_stop(&a);
  redis_node_stop(&b);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  redis_server_stop(&redis);
  return 0;
#else
  DEFLATE_REQUIRE();
#endif
}
