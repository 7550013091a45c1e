/* A bounded soak: 3,000 connections, 200 at a time, opening, exchanging
 * messages and closing, mixed with faults (resets mid-message, bad UTF-8,
 * oversized messages, silent peers that must be timed out). Afterwards:
 * no connection, no handle, no byte of memory left, on_close exactly once
 * per on_open, and every echo a well-behaved client waited for arrived. */
#include "counting_alloc.h"
#include "raw_client.h"

#ifdef _WIN32
/* Wine's sockets (the Windows tests run under Wine here) lose handshakes
 * at the Linux figures; a smaller soak still mixes every fault. */
#define TOTAL 600
#define CONCURRENT 30
#else
#define TOTAL 3000
#define CONCURRENT 200
#endif
#define MESSAGES 5

/* PING_FLOOD sends a burst of pings, FRAGMENTS a message of one-byte
 * fragments: both then close normally. */
enum {
  NORMAL,
  RESET,
  BAD_UTF8,
  OVERSIZED,
  SILENT_OPEN,
  SILENT,
  PING_FLOOD,
  FRAGMENTS,
  KINDS
};

#define FLOOD_PINGS 1000
#define FRAGMENT_COUNT 5000

typedef struct {
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  unsigned char in[8192];
  size_t in_len;
  size_t parsed;     /* bytes of in already parsed */
  int upgraded;      /* the 101 response was read */
  int kind;
  int index;
  int echoes;
  int pongs;
  int close_code;    /* from the server's close frame, 0 if none yet */
  int eof;
} soak_client_t;

static soak_client_t clients[TOTAL];
static int started;
static int finished;
static int opens;
static int closes;
static int server_messages;
static int kind_done[KINDS];
static uv_loop_t loop;
static int port;

static void start_client(int index);

static void on_open(ws_conn_t* conn) {
  (void) conn;
  opens++;
}

static void on_message(ws_conn_t* conn, ws_opcode_t op, const void* data,
                       size_t len) {
  server_messages++;
  ASSERT_EQ(0, ws_conn_send(conn, op, data, len));
}

static void on_close(ws_conn_t* conn, const ws_close_info_t* info) {
  (void) conn;
  (void) info;
  closes++;
}

static void client_closed(uv_handle_t* handle) {
  soak_client_t* c;

  c = handle->data;
  switch (c->kind) {
    case NORMAL:
      ASSERT_EQ(MESSAGES, c->echoes);
      ASSERT_EQ(1000, c->close_code);
      break;
    case BAD_UTF8:
      ASSERT_EQ(1007, c->close_code);
      break;
    case OVERSIZED:
      ASSERT_EQ(1009, c->close_code);
      break;
    case SILENT_OPEN:
    case SILENT:
      ASSERT_EQ(1, c->eof);
      break;
    case PING_FLOOD:
      ASSERT_GE(c->pongs, 1);
      ASSERT_LE(c->pongs, FLOOD_PINGS);
      ASSERT_EQ(1000, c->close_code);
      break;
    case FRAGMENTS:
      ASSERT_EQ(1, c->echoes);
      ASSERT_EQ(1000, c->close_code);
      break;
  }
  kind_done[c->kind]++;
  finished++;
  if (started < TOTAL)
    start_client(started);
}

static void client_write(soak_client_t* c, const void* data, size_t len) {
  raw_write_stream((uv_stream_t*) &c->tcp, data, len);
}

static void send_message(soak_client_t* c, int n) {
  static unsigned char payload[2048];
  unsigned char frame[2100];
  size_t len;

  len = (size_t) ((c->index * 31 + n * 97) % 2000);
  memset(payload, 'a' + n, len);
  client_write(c, frame, harness_frame(frame, 0, 1, 1, payload, len));
}

/* Reads the server's frames: echoes and the close. */
static void parse(soak_client_t* c) {
  ws__frame_t header;
  uint64_t total;
  const unsigned char* f;
  unsigned char frame[16];
  size_t head;
  size_t hlen;

  if (!c->upgraded) {
    head = 0;
    while (head + 4 <= c->in_len && memcmp(c->in + head, "\r\n\r\n", 4) != 0)
      head++;
    if (head + 4 > c->in_len)
      return;
    ASSERT_MEM_EQ("HTTP/1.1 101", c->in, 12);
    c->parsed = head + 4;
    c->upgraded = 1;
    if (c->kind == NORMAL)
      send_message(c, 0);
  }
  while (ws__frame_parse(c->in + c->parsed, c->in_len - c->parsed,
                         &header) == WS__FRAME_HEADER &&
         header.payload_len <= c->in_len - c->parsed - header.header_len) {
    f = c->in + c->parsed;
    hlen = header.header_len;
    total = hlen + header.payload_len;
    if ((f[0] & 0x0f) == 8) {
      c->close_code = total >= hlen + 2 ? (f[hlen] << 8) | f[hlen + 1] : 1005;
      if (c->kind == NORMAL) {
        ASSERT_EQ(MESSAGES, c->echoes);
      }
    } else if ((f[0] & 0x0f) == 0xa) {
      ASSERT_EQ(PING_FLOOD, c->kind);
      c->pongs++;
    } else if ((f[0] & 0x0f) == 2) {
      ASSERT_EQ(FRAGMENTS, c->kind);
      ASSERT_EQ(FRAGMENT_COUNT, total - hlen);
      c->echoes++;
    } else if ((f[0] & 0x0f) == 1) {
      ASSERT_EQ(NORMAL, c->kind);
      ASSERT_EQ((c->index * 31 + c->echoes * 97) % 2000, total - hlen);
      if (total > hlen)
        ASSERT_EQ('a' + c->echoes, f[hlen]);
      if (++c->echoes < MESSAGES)
        send_message(c, c->echoes);
      else
        client_write(c, frame, harness_frame(frame, 0, 1, 8, "\x03\xe8", 2));
    }
    c->parsed += (size_t) total;
  }
  /* Keep the buffer small: drop what was parsed. */
  memmove(c->in, c->in + c->parsed, c->in_len - c->parsed);
  c->in_len -= c->parsed;
  c->parsed = 0;
}

static void client_alloc(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  soak_client_t* c;

  (void) size;
  c = handle->data;
  *buf = uv_buf_init((char*) c->in + c->in_len,
                     (unsigned int) (sizeof(c->in) - c->in_len));
}

static void client_read(uv_stream_t* stream, ssize_t nread,
                        const uv_buf_t* buf) {
  soak_client_t* c;

  (void) buf;
  c = stream->data;
  if (nread < 0) {
    c->eof = 1;
    uv_close((uv_handle_t*) stream, client_closed);
    return;
  }
  c->in_len += (size_t) nread;
  parse(c);
}

static void client_connected(uv_connect_t* req, int status) {
  static unsigned char big[70000];
  static unsigned char flood[FRAGMENT_COUNT * 7 + FLOOD_PINGS * 131];
  unsigned char frame[70100];
  soak_client_t* c;
  size_t n;
  int i;

  c = req->data;
  ASSERT_EQ(0, status);
  ASSERT_EQ(0, uv_read_start((uv_stream_t*) &c->tcp, client_alloc,
                             client_read));
  if (c->kind == SILENT)
    return;
  client_write(c, HARNESS_UPGRADE, sizeof(HARNESS_UPGRADE) - 1);
  switch (c->kind) {
    case RESET:
      n = harness_frame(frame, 0, 1, 2, big, 5000);
      client_write(c, frame, n / 2);
      uv_tcp_close_reset(&c->tcp, client_closed);
      break;
    case BAD_UTF8:
      client_write(c, frame, harness_frame(frame, 0, 1, 1, "\xc0\xaf", 2));
      break;
    case OVERSIZED:
      client_write(c, frame, harness_frame(frame, 0, 1, 2, big, sizeof(big)));
      break;
    case PING_FLOOD:
      for (n = 0, i = 0; i < FLOOD_PINGS; i++)
        n = harness_frame(flood, n, 1, 9, big, 125);
      n = harness_frame(flood, n, 1, 8, "\x03\xe8", 2);
      client_write(c, flood, n);
      break;
    case FRAGMENTS:
      for (n = 0, i = 0; i < FRAGMENT_COUNT; i++)
        n = harness_frame(flood, n, i == FRAGMENT_COUNT - 1, i == 0 ? 2 : 0,
                          "f", 1);
      n = harness_frame(flood, n, 1, 8, "\x03\xe8", 2);
      client_write(c, flood, n);
      break;
  }
}

static void start_client(int index) {
  struct sockaddr_in addr;
  soak_client_t* c;

  c = &clients[index];
  c->index = index;
  c->kind = index % KINDS;
  started++;
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", port, &addr));
  ASSERT_EQ(0, uv_tcp_init(&loop, &c->tcp));
  c->tcp.data = c;
  c->connect_req.data = c;
  ASSERT_EQ(0, uv_tcp_connect(&c->connect_req, &c->tcp,
                              (const struct sockaddr*) &addr,
                              client_connected));
}

int main(void) {
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  ws_server_t* server;
  size_t baseline;
  uint64_t start;
  int i;

  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_message_size = 64 * 1024;
  options.handshake_timeout = 1000;
  options.ping_interval = 300;
  options.pong_timeout = 500;
  options.close_timeout = 600;
  memset(&cb, 0, sizeof(cb));
  cb.on_open = on_open;
  cb.on_message = on_message;
  cb.on_close = on_close;
  ASSERT_EQ(0, ws_server_new(&server, &loop, &options, &cb));
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));
  port = ws_server_port(server);
  baseline = live_bytes;

  start = uv_hrtime();
  for (i = 0; i < CONCURRENT; i++)
    start_client(i);
  RUN_UNTIL_LONG(&loop, finished == TOTAL, 60);
  RUN_UNTIL(&loop, ws_server_connection_count(server) == 0);
  printf("soak: %d connections in %.1f s; %d server messages\n", TOTAL,
         (double) (uv_hrtime() - start) / 1e9, server_messages);
  for (i = 0; i < KINDS; i++)
    ASSERT_EQ(TOTAL / KINDS, kind_done[i]);
  ASSERT_EQ(opens, closes);
  ASSERT_GE(opens, TOTAL - TOTAL / KINDS);
  ASSERT_EQ(baseline + harness_spare_bytes(server), live_bytes);
  ws_server_close(server, NULL);
  ASSERT_EQ(0, uv_run(&loop, UV_RUN_DEFAULT));
  ASSERT_EQ(0, uv_loop_close(&loop));
  ASSERT_EQ(0, live_blocks);
  return 0;
}
