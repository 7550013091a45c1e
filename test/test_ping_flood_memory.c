/* A peer that sends pings and never reads cannot make the server queue a
 * pong for each: while one pong waits to be written, later pings replace
 * each other, and only the latest is answered once that pong is out
 * (RFC 6455 section 5.5.3). The queue stays at one pong however many
 * pings arrive. A client's connection under a hostile server fares the
 * same. */
#include "counting_alloc.h"
#include "harness.h"

#define PINGS 100000

static int pongs_in(const unsigned char* out, size_t len, unsigned char* last) {
  size_t off;
  int pongs;

  pongs = 0;
  for (off = 0; off + 2 <= len; off += 2 + (out[off + 1] & 0x7f)) {
    ASSERT_EQ(0x8a, out[off]);
    ASSERT_LE(off + 2 + out[off + 1], len);
    *last = out[off + 2];
    pongs++;
  }
  ASSERT_EQ(len, off);
  return pongs;
}

int main(void) {
  unsigned char payload[125];
  unsigned char frame[256];
  unsigned char out[4096];
  unsigned char last;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  ws_client_t* client;
  ws_conn_t* conn;
  uv_loop_t loop;
  size_t baseline;
  size_t n;
  size_t len;
  int i;

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  cb = harness_callbacks();
  server = harness_server(&loop, NULL, &cb);
  conn = harness_open(server);
  baseline = live_bytes + harness_spare_bytes(server);

  memset(payload, 'p', sizeof(payload));
  for (i = 0; i < PINGS; i++) {
    payload[0] = (unsigned char) i;
    n = harness_frame(frame, 0, 1, 0x9, payload, sizeof(payload));
    harness_feed(conn, frame, n, 0); /* never taken: the peer never reads */
  }
  /* The first ping's pong is queued; the rest wait as one, the latest. */
  ASSERT_LE(ws_conn_queued_bytes(conn), 2 + 125);
  ASSERT_LE(live_bytes, baseline + 1024);
  ASSERT_EQ(WS__CONN_OPEN, conn->state);

  /* Once the first pong is written, the latest ping gets its answer. */
  len = harness_take(conn, out, sizeof(out));
  ASSERT_EQ(1, pongs_in(out, len, &last));
  ASSERT_EQ(0, last);
  len = harness_take(conn, out, sizeof(out));
  ASSERT_EQ(1, pongs_in(out, len, &last));
  ASSERT_EQ((unsigned char) (PINGS - 1), last);
  ASSERT_EQ(0, harness_take(conn, out, sizeof(out)));

  harness_free(conn);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_blocks);

  /* A client's connection, fed unmasked pings by a server. */
  ASSERT_EQ(0, uv_loop_init(&loop));
  ASSERT_EQ(0, ws_client_new(&client, &loop, NULL, NULL));
  conn = ws__conn_new((ws__hub_t*) client); /* the hub comes first */
  conn->detached = 1;
  ws__conn_open(conn);
  baseline = live_bytes;
  for (i = 0; i < PINGS; i++) {
    frame[0] = 0x89;
    frame[1] = sizeof(payload);
    memcpy(frame + 2, payload, sizeof(payload));
    harness_feed(conn, frame, 2 + sizeof(payload), 0);
  }
  /* One masked pong (6 bytes of header) is queued. */
  ASSERT_LE(ws_conn_queued_bytes(conn), 6 + 125);
  ASSERT_LE(live_bytes, baseline + 1024 + sizeof(ws__seg_t) + WS__SEG_MIN);
  ASSERT_EQ(WS__CONN_OPEN, conn->state);
  harness_free(conn);
  ws_client_close(client, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  ASSERT_EQ(0, live_blocks);
  return 0;
}
