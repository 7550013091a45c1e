/* A client offers permessage-deflate when deflate is set, and checks the
 * answer as RFC 7692 section 7 says: the extension accepted with what it
 * may say (the windows, server_no_context_takeover, which the offer asks
 * for) opens the connection with those settings; anything else fails it
 * with WS_EBADRESPONSE: an extension never offered, a second
 * permessage-deflate, a parameter unknown, repeated or with a bad value,
 * a window larger than asked for, server_no_context_takeover missing.
 * Built without zlib, a client never offers it. */
#include "fake_server.h"

#define UPGRADED                                                              \
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"              \
  "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
#define PMD "Sec-WebSocket-Extensions: permessage-deflate; " \
            "server_no_context_takeover"

typedef struct {
  const char* extensions; /* header lines of the answer */
  int error;              /* 0: opens */
  int tx_bits;            /* then: the window we compress with (0: none) */
  int rx_bits;
} answer_case_t;

#ifdef UVWS_HAVE_ZLIB
static const answer_case_t offered[] = {
  { "", 0, 0, 0 },
  { PMD "\r\n", 0, 15, 15 },
  { PMD "; client_max_window_bits=10\r\n", 0, 10, 15 },
  { PMD "; client_no_context_takeover; server_max_window_bits=12\r\n", 0, 15,
    12 },
  { "Sec-WebSocket-Extensions: permessage-deflate ; client_max_window_bits="
    "\"9\"; server_no_context_takeover\r\n", 0, 9, 15 },
  { "Sec-WebSocket-Extensions: permessage-deflate\r\n", WS_EBADRESPONSE, 0,
    0 },
  { "Sec-WebSocket-Extensions: x-foo\r\n", WS_EBADRESPONSE, 0, 0 },
  { PMD ", x-foo\r\n", WS_EBADRESPONSE, 0, 0 },
  { PMD ", " "permessage-deflate; server_no_context_takeover\r\n",
    WS_EBADRESPONSE, 0, 0 },
  { PMD "\r\n" PMD "\r\n", WS_EBADRESPONSE, 0, 0 },
  { PMD "; server_no_context_takeover\r\n", WS_EBADRESPONSE, 0, 0 },
  { PMD "; client_max_window_bits\r\n", WS_EBADRESPONSE, 0, 0 },
  { PMD "; client_max_window_bits=16\r\n", WS_EBADRESPONSE, 0, 0 },
  { PMD "; server_max_window_bits=7\r\n", WS_EBADRESPONSE, 0, 0 },
  { PMD "; server_max_window_bits=10; server_max_window_bits=10\r\n",
    WS_EBADRESPONSE, 0, 0 },
  { PMD "; foo\r\n", WS_EBADRESPONSE, 0, 0 },
  { PMD "; client_no_context_takeover=x\r\n", WS_EBADRESPONSE, 0, 0 },
  { PMD ";\r\n", WS_EBADRESPONSE, 0, 0 },
};

static const answer_case_t small_window[] = {
  { PMD "; server_max_window_bits=9\r\n", 0, 10, 9 },
  { PMD "; server_max_window_bits=10\r\n", 0, 10, 10 },
  { PMD "\r\n", WS_EBADRESPONSE, 0, 0 },
  { PMD "; server_max_window_bits=11\r\n", WS_EBADRESPONSE, 0, 0 },
};

#endif

/* Nothing offered (deflate off, or no zlib): any answer with it fails. */
static const answer_case_t not_offered[] = {
  { "", 0, 0, 0 },
  { PMD "\r\n", WS_EBADRESPONSE, 0, 0 },
};

static int errors;
static int last_error;
static int opens;
static ws_conn_t* opened;

static void on_connect_error(ws_conn_t* conn, int error) {
  (void) conn;
  errors++;
  last_error = error;
}

static void on_open(ws_conn_t* conn) {
  opens++;
  opened = conn;
}

static int client_closed;

static void on_client_closed(ws_client_t* client) {
  (void) client;
  client_closed = 1;
}

static void run_cases(int deflate, int bits, const answer_case_t* cases,
                      size_t count, const char* offer) {
  ws_client_callbacks_t cb;
  ws_client_options_t o;
  ws_client_t* client;
  static fake_server_t fakes[32];
  ws_conn_t* conn;
  uv_loop_t loop;
  char response[512];
  char url[64];
  size_t i;

  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_client_options_init(&o);
  o.deflate = deflate;
  o.deflate_window_bits = bits;
  o.close_timeout = 200; /* the fake server never answers a close */
  memset(&cb, 0, sizeof(cb));
  cb.on_connect_error = on_connect_error;
  cb.on_open = on_open;
  ASSERT_EQ(0, ws_client_new(&client, &loop, &o, &cb));
  for (i = 0; i < count; i++) {
    snprintf(response, sizeof(response), "%s%s\r\n", UPGRADED,
             cases[i].extensions);
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d/",
             fake_listen(&loop, &fakes[i], response));
    ASSERT_EQ(0, ws_client_connect(client, url, NULL, NULL, &conn));
    if (offer != NULL)
      ASSERT_NOT_NULL(strstr(conn->extra->dial->request, offer));
    else
      ASSERT_NULL(strstr(conn->extra->dial->request,
                         "Sec-WebSocket-Extensions"));
    errors = 0;
    opens = 0;
    RUN_UNTIL(&loop, errors + opens > 0);
    if (cases[i].error != 0) {
      if (errors != 1 || last_error != cases[i].error) {
        fprintf(stderr, "answer: %s\n", cases[i].extensions);
        ASSERT_EQ(1, errors);
        ASSERT_EQ(cases[i].error, last_error);
      }
    } else {
      if (opens != 1) {
        fprintf(stderr, "answer: %s -> %s\n", cases[i].extensions,
                ws_err_name(last_error));
        ASSERT_EQ(1, opens);
      }
      ASSERT_EQ(cases[i].tx_bits != 0, opened->pmd);
      if (opened->pmd) {
        ASSERT_EQ(cases[i].tx_bits, 8 + opened->pmd_tx_window);
        ASSERT_EQ(cases[i].rx_bits, 8 + opened->pmd_rx_window);
        ASSERT(!opened->pmd_rx_keep);
      }
      ws_conn_close(opened, 1000, NULL, 0);
    }
  }
  ASSERT_LE(count, 32);
  for (i = 0; i < count; i++)
    fake_close(&fakes[i]);
  client_closed = 0;
  ws_client_close(client, on_client_closed);
  RUN_UNTIL(&loop, client_closed);
  MAKE_VALGRIND_HAPPY(&loop);
}

int main(void) {
#ifdef UVWS_HAVE_ZLIB
  run_cases(1, 0, offered, sizeof(offered) / sizeof(offered[0]),
            "\r\nSec-WebSocket-Extensions: permessage-deflate; "
            "server_no_context_takeover; client_max_window_bits\r\n");
  run_cases(1, 10, small_window, sizeof(small_window) / sizeof(small_window[0]),
            "\r\nSec-WebSocket-Extensions: permessage-deflate; "
            "server_no_context_takeover; client_max_window_bits; "
            "server_max_window_bits=10\r\n");
  run_cases(0, 0, not_offered, sizeof(not_offered) / sizeof(not_offered[0]),
            NULL);
#else
  /* Built without zlib, deflate = 1 offers nothing. */
  run_cases(1, 0, not_offered, sizeof(not_offered) / sizeof(not_offered[0]),
            NULL);
#endif
  return 0;
}
