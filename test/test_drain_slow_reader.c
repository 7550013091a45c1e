/* A producer that sends as fast as on_drain lets it, through a reader
 * that reads slowly (it stops for a moment every few MiB): the server's
 * memory stays under max_queued_bytes plus its fixed costs, and the
 * reader gets every byte, in order. 1 GiB (under 2 s here, in the normal
 * and the sanitizer builds); a quarter of that on Windows, whose tests
 * run under Wine (not timed there yet). -DTOTAL=bytes picks another
 * size. */
#include "counting_alloc.h"
#include "raw_client.h"

#ifndef TOTAL
#  ifdef _WIN32
#    define TOTAL ((uint64_t) 256 << 20)
#  else
#    define TOTAL ((uint64_t) 1 << 30)
#  endif
#endif
#define MESSAGE (64 * 1024)
#define LIMIT (1024 * 1024)
#define PERIOD 251             /* the pattern: byte i of the stream is
                                  pattern[i % PERIOD] */
#define READ_BUF (256 * 1024)
#define PAUSE_EVERY (4 << 20)  /* the reader stops every 4 MiB... */
#define PAUSE_MS 2             /* ... for 2 ms */

static unsigned char pattern[MESSAGE + READ_BUF + PERIOD];
static ws_conn_t* producer;
static uint64_t produced;
static int refusals;
static int drains;

/* Sends until the queue refuses or everything is sent. */
static void produce(ws_conn_t* conn) {
  size_t len;
  int r;

  while (produced < TOTAL) {
    len = TOTAL - produced < MESSAGE ? (size_t) (TOTAL - produced) : MESSAGE;
    r = ws_conn_send(conn, WS_OP_BINARY, pattern + produced % PERIOD, len);
    if (r == WS_EQUEUEFULL) {
      refusals++;
      return; /* on_drain goes on */
    }
    ASSERT_EQ(0, r);
    produced += len;
  }
}

static void producer_on_open(ws_conn_t* conn) {
  harness.open_count++;
  producer = conn;
  produce(conn);
}

static void producer_on_drain(ws_conn_t* conn) {
  drains++;
  produce(conn);
}

/* ---- The reader: parses the server's frames as they stream in ---- */

typedef struct {
  uv_tcp_t tcp;
  uv_timer_t pause;
  unsigned char buf[READ_BUF];
  int head_done;           /* the 101 has been read */
  unsigned char hdr[10];
  size_t hdr_len;
  size_t hdr_want;
  uint64_t payload_left;   /* of the frame being read */
  uint64_t got;            /* payload bytes checked */
  uint64_t messages;
  uint64_t since_pause;
  char head[512];
  size_t head_len;
} reader_t;

static reader_t reader;

static void reader_alloc(uv_handle_t* handle, size_t size, uv_buf_t* buf) {
  (void) handle;
  (void) size;
  *buf = uv_buf_init((char*) reader.buf, sizeof(reader.buf));
}

static void reader_read(uv_stream_t* stream, ssize_t nread,
                        const uv_buf_t* buf);

static void reader_resume(uv_timer_t* timer) {
  (void) timer;
  ASSERT_EQ(0, uv_read_start((uv_stream_t*) &reader.tcp, reader_alloc,
                             reader_read));
}

/* Takes the bytes of one read. */
static void reader_take(const unsigned char* p, size_t n) {
  size_t take;

  while (n > 0) {
    if (!reader.head_done) {
      ASSERT_LT(reader.head_len, sizeof(reader.head) - 1);
      reader.head[reader.head_len++] = (char) *p++;
      n--;
      if (reader.head_len >= 4 &&
          memcmp(reader.head + reader.head_len - 4, "\r\n\r\n", 4) == 0) {
        ASSERT_EQ(0, memcmp(reader.head, "HTTP/1.1 101 ", 13));
        reader.head_done = 1;
      }
      continue;
    }
    if (reader.payload_left == 0 && reader.hdr_want == 0) {
      reader.hdr_len = 0;
      reader.hdr_want = 2;
    }
    if (reader.hdr_want > 0) {
      reader.hdr[reader.hdr_len++] = *p++;
      n--;
      if (reader.hdr_len == 2) {
        ASSERT_EQ(0x82, reader.hdr[0]); /* final binary frames only */
        ASSERT_EQ(0, reader.hdr[1] & 0x80);
        reader.hdr_want = (reader.hdr[1] & 0x7f) == 127   ? 10
                          : (reader.hdr[1] & 0x7f) == 126 ? 4
                                                          : 2;
      }
      if (reader.hdr_len < reader.hdr_want)
        continue;
      reader.payload_left =
          reader.hdr_want == 4
              ? ((uint64_t) reader.hdr[2] << 8) | reader.hdr[3]
              : (uint64_t) (reader.hdr[1] & 0x7f);
      if (reader.hdr_want == 10) {
        size_t i;
        reader.payload_left = 0;
        for (i = 2; i < 10; i++)
          reader.payload_left = (reader.payload_left << 8) | reader.hdr[i];
      }
      reader.hdr_want = 0;
      reader.messages++;
      ASSERT_LE(reader.payload_left, MESSAGE);
      continue;
    }
    take = n < reader.payload_left ? n : (size_t) reader.payload_left;
    ASSERT_MEM_EQ(pattern + reader.got % PERIOD, p, take);
    reader.got += take;
    reader.payload_left -= take;
    p += take;
    n -= take;
  }
}

static void reader_read(uv_stream_t* stream, ssize_t nread,
                        const uv_buf_t* buf) {
  ASSERT_GE(nread, 0);
  reader_take((const unsigned char*) buf->base, (size_t) nread);
  reader.since_pause += (uint64_t) nread;
  if (reader.since_pause >= PAUSE_EVERY) {
    reader.since_pause = 0;
    uv_read_stop(stream);
    ASSERT_EQ(0, uv_timer_start(&reader.pause, reader_resume, PAUSE_MS, 0));
  }
}

static void reader_connected(uv_connect_t* req, int status) {
  static const char upgrade[] = HARNESS_UPGRADE;

  (void) req;
  ASSERT_EQ(0, status);
  raw_write_stream((uv_stream_t*) &reader.tcp, upgrade, sizeof(upgrade) - 1);
  ASSERT_EQ(0, uv_read_start((uv_stream_t*) &reader.tcp, reader_alloc,
                             reader_read));
}

int main(void) {
  struct sockaddr_in addr;
  ws_server_options_t options;
  ws_server_callbacks_t cb;
  uv_connect_t connect_req;
  ws_server_t* server;
  uv_loop_t loop;
  size_t i;

  for (i = 0; i < sizeof(pattern); i++)
    pattern[i] = (unsigned char) ((i % PERIOD) * 97 + 13);
  counting_alloc_install();
  ASSERT_EQ(0, uv_loop_init(&loop));
  ws_server_options_init(&options);
  options.max_queued_bytes = LIMIT;
  cb = harness_callbacks();
  cb.on_open = producer_on_open;
  cb.on_drain = producer_on_drain;
  server = harness_server(&loop, &options, &cb);
  ASSERT_EQ(0, ws_server_listen(server, "127.0.0.1", 0));

  ASSERT_EQ(0, uv_tcp_init(&loop, &reader.tcp));
  ASSERT_EQ(0, uv_timer_init(&loop, &reader.pause));
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", ws_server_port(server), &addr));
  ASSERT_EQ(0, uv_tcp_connect(&connect_req, &reader.tcp,
                              (const struct sockaddr*) &addr,
                              reader_connected));
  RUN_UNTIL_LONG(&loop, reader.got == TOTAL, 50);

  /* Nothing lost, nothing added. */
  ASSERT_UINT64_EQ(TOTAL, produced);
  ASSERT_UINT64_EQ((TOTAL + MESSAGE - 1) / MESSAGE, reader.messages);
  ASSERT_EQ(0, reader.payload_left);
  ASSERT_EQ(0, harness.close_count);
  /* The producer was held back, and memory with it: the queue, the read
   * buffer (64 KiB) and a few small blocks. */
  ASSERT_GT(refusals, 0);
  ASSERT_GT(drains, 0);
  printf("%" PRIu64 " MiB, %d refusals, %d drains, peak %zu bytes\n",
         TOTAL >> 20, refusals, drains, peak_bytes);
  ASSERT_LE(peak_bytes, LIMIT + 64 * 1024 + 32 * 1024);

  uv_close((uv_handle_t*) &reader.tcp, NULL);
  uv_close((uv_handle_t*) &reader.pause, NULL);
  RUN_UNTIL(&loop, harness.close_count == 1);
  harness_close_server(&loop, server);
  ASSERT_EQ(0, live_bytes);
  return 0;
}
