/* A client accepts a Sec-WebSocket-Protocol answer only if it is exactly
 * one of the tokens it offered (RFC 6455 section 4.1): the whole offered
 * list, a list of two, an empty value or a token never offered fail the
 * connection with WS_EBADRESPONSE; one offered token opens and is reported
 * as the subprotocol. */
#include "fake_server.h"

#define UPGRADED                                                              \
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"              \
  "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"

static int errors;
static int last_error;
static int opened;
static char opened_protocol[64];

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  errors++;
  last_error = error;
}

static void on_open(ws_conn_t* conn) {
  const char* p;

  p = ws_conn_subprotocol(conn);
  snprintf(opened_protocol, sizeof(opened_protocol), "%s",
           p != NULL ? p : "(none)");
  opened++;
  ASSERT_EQ(0, ws_conn_close(conn, 1000, NULL, 0));
}

/* Connects offering "chat, superchat" to a server that answers response;
 * returns the error, or 0 if the connection opened. */
static int try_answer(uv_loop_t* loop, ws_client_t* client,
                      fake_server_t* fake, int port, const char* response) {
  static const char* const offered[] = { "chat", "superchat" };
  ws_connect_options_t o;
  char url[64];
  int errors_before;
  int opened_before;

  memset(&o, 0, sizeof(o));
  o.subprotocols = offered;
  o.subprotocol_count = 2;
  fake->response = response;
  errors_before = errors;
  opened_before = opened;
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
  ASSERT_EQ(0, ws_client_connect(client, url, &o, NULL, NULL));
  RUN_UNTIL(loop, errors > errors_before || opened > opened_before);
  ASSERT_EQ(1, errors - errors_before + opened - opened_before);
  return errors > errors_before ? last_error : 0;
}

int main(void) {
  static const char* const refused[] = {
    UPGRADED "Sec-WebSocket-Protocol: chat, superchat\r\n\r\n",
    UPGRADED "Sec-WebSocket-Protocol: superchat, chat\r\n\r\n",
    UPGRADED "Sec-WebSocket-Protocol: chat,superchat\r\n\r\n",
    UPGRADED "Sec-WebSocket-Protocol: chat,\r\n\r\n",
    UPGRADED "Sec-WebSocket-Protocol: chat chat\r\n\r\n",
    UPGRADED "Sec-WebSocket-Protocol: cha\r\n\r\n",
    UPGRADED "Sec-WebSocket-Protocol: \r\n\r\n",
  };
  ws_client_options_t options;
  ws_client_callbacks_t ccb;
  ws_client_t* client;
  fake_server_t fakes[2];
  uv_loop_t loop;
  size_t i;
  int port;
  int r;

  ASSERT_EQ(0, uv_loop_init(&loop));
  memset(&ccb, 0, sizeof(ccb));
  ccb.on_open = on_open;
  ccb.on_connect_error = on_connect_error;
  ws_client_options_init(&options);
  options.connect_timeout = 5000;
  options.close_timeout = 100; /* the fake server never answers a close */
  ASSERT_EQ(0, ws_client_new(&client, &loop, &options, &ccb));

  port = fake_listen(&loop, &fakes[0], NULL);
  for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
    r = try_answer(&loop, client, &fakes[0], port, refused[i]);
    if (r != WS_EBADRESPONSE) {
      fprintf(stderr, "answer %d: got %s (protocol %s), wanted "
              "WS_EBADRESPONSE\n", (int) i,
              r == 0 ? "an open connection" : ws_err_name(r),
              opened_protocol);
      ASSERT(0);
    }
  }

  port = fake_listen(&loop, &fakes[1], NULL);
  ASSERT_EQ(0, try_answer(&loop, client, &fakes[1], port, UPGRADED
                          "Sec-WebSocket-Protocol: superchat\r\n\r\n"));
  ASSERT_STR_EQ("superchat", opened_protocol);
  ASSERT_EQ(0, try_answer(&loop, client, &fakes[1], port, UPGRADED
                          "Sec-WebSocket-Protocol: chat\r\n\r\n"));
  ASSERT_STR_EQ("chat", opened_protocol);
  /* No subprotocol at all is the server's right. */
  ASSERT_EQ(0, try_answer(&loop, client, &fakes[1], port, UPGRADED "\r\n"));
  ASSERT_STR_EQ("(none)", opened_protocol);

  ws_client_close(client, NULL);
  fake_close(&fakes[0]);
  fake_close(&fakes[1]);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  return 0;
}
