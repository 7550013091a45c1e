/* A client refuses an upgrade answered in HTTP/1.0, even with a right
 * Sec-WebSocket-Accept: a 101 exists only in HTTP/1.1 (RFC 6455 section
 * 4.1 wants an HTTP/1.1 status line). It ends in on_connect_error with
 * WS_EBADRESPONSE; the same answer in HTTP/1.1 opens. */
#include "fake_server.h"

#define UPGRADE_HEADERS                                                       \
  " 101 Switching Protocols\r\nUpgrade: websocket\r\n"                      \
  "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"

static int errors;
static int last_error;
static int last_status;
static int opened;

static void on_connect_error(ws_conn_t* conn, int error) {
  errors++;
  last_error = error;
  last_status = ws_conn_http_status(conn);
}

static void on_open(ws_conn_t* conn) {
  opened++;
  ASSERT_EQ(0, ws_conn_close(conn, 1000, NULL, 0));
}

int main(void) {
  ws_client_options_t options;
  ws_client_callbacks_t ccb;
  ws_client_t* client;
  fake_server_t fake;
  uv_loop_t loop;
  char url[64];

  ASSERT_EQ(0, uv_loop_init(&loop));
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_open;
  ccb.on_connect_error = on_connect_error;
  ws_client_options_init(&options);
  options.close_timeout = 100; /* the fake server never answers a close */
  ASSERT_EQ(0, ws_client_new(&client, &loop, &options, &ccb));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/",
           fake_listen(&loop, &fake, "HTTP/1.0" UPGRADE_HEADERS));

  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, errors + opened == 1);
  ASSERT_EQ(0, opened);
  ASSERT_STR_EQ("WS_EBADRESPONSE", ws_err_name(last_error));
  ASSERT_EQ(101, last_status);

  fake.response = "HTTP/1.1" UPGRADE_HEADERS;
  ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, NULL));
  RUN_UNTIL(&loop, errors + opened == 2);
  ASSERT_EQ(1, opened);

  ws_client_close(client, NULL);
  fake_close(&fake);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
