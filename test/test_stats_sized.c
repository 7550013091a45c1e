/* A program built against the first ws_stats_t (which ended at
 * wslay_contexts_pooled) passes that size: it gets those counters, and
 * nothing is written past them. */
#include "harness.h"

#include <stddef.h>

#define FIRST_SIZE offsetof(ws_stats_t, tls_handshakes)

int main(void) {
  unsigned char buf[sizeof(ws_stats_t) + 16];
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_stats_t full;
  ws_stats_t first;
  uv_loop_t loop;
  size_t i;
  int r;

  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  memset(buf, 0xa5, sizeof(buf));
  r = ws_server_stats_sized(server, (ws_stats_t*) (void*) buf, FIRST_SIZE);
  if (r == UV_ENOTSUP) {
    harness_close_server(&loop, server);
    return test_skip("built with UVWS_COUNTERS=OFF");
  }
  ASSERT_EQ(0, r);
  for (i = FIRST_SIZE; i < sizeof(buf); i++)
    ASSERT_EQ(0xa5, buf[i]);
  ASSERT_EQ(0, ws_server_stats(server, &full));
  memcpy(&first, buf, FIRST_SIZE);
  ASSERT_MEM_EQ(&full, &first, FIRST_SIZE);
  /* One byte short of it is refused. */
  ASSERT_EQ(WS_EINVAL, ws_server_stats_sized(server, &first,
                                             FIRST_SIZE - 1));
  harness_close_server(&loop, server);
  return 0;
}
