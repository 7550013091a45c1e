/* A raw TCP server on the test's loop that answers every request with a
 * canned response, in which %s becomes the right Sec-WebSocket-Accept for
 * the request's key: for testing what a client makes of an answer. */
#ifndef UVWS_TEST_FAKE_SERVER_H
#define UVWS_TEST_FAKE_SERVER_H

#include "raw_client.h"

typedef struct {
  uv_tcp_t tcp;
  const char* response; /* NULL: read and never answer */
  uv_tcp_t peers[8];
  int peer_count;
} fake_server_t;

static inline void fake__alloc(uv_handle_t* h, size_t size, uv_buf_t* buf) {
  static char scratch[4096];

  (void) h;
  (void) size;
  *buf = uv_buf_init(scratch, sizeof(scratch) - 1);
}

static inline void fake__read(uv_stream_t* stream, ssize_t nread,
                              const uv_buf_t* buf) {
  fake_server_t* fake;
  const char* key;
  char accept[29];
  char text[512];
  char key_text[64];

  fake = stream->data;
  if (nread <= 0 || fake->response == NULL)
    return;
  buf->base[nread] = '\0';
  accept[0] = '\0';
  key = strstr(buf->base, "Sec-WebSocket-Key: ");
  if (key != NULL && sscanf(key + 19, "%63[^\r]", key_text) == 1)
    ws__accept_key(key_text, accept);
  snprintf(text, sizeof(text), fake->response, accept);
  raw_write_stream(stream, text, strlen(text));
}

static inline void fake__connection(uv_stream_t* listener, int status) {
  fake_server_t* fake;
  uv_tcp_t* peer;

  ASSERT_EQ(0, status);
  fake = listener->data;
  ASSERT_LT(fake->peer_count, 8);
  peer = &fake->peers[fake->peer_count++];
  ASSERT_EQ(0, uv_tcp_init(listener->loop, peer));
  peer->data = fake;
  ASSERT_EQ(0, uv_accept(listener, (uv_stream_t*) peer));
  ASSERT_EQ(0, uv_read_start((uv_stream_t*) peer, fake__alloc, fake__read));
}

/* Listens on 127.0.0.1; returns the port. */
static inline int fake_listen(uv_loop_t* loop, fake_server_t* fake,
                              const char* response) {
  struct sockaddr_in addr;
  struct sockaddr_storage name;
  int len;

  memset(fake, 0, sizeof(*fake));
  fake->response = response;
  ASSERT_EQ(0, uv_ip4_addr("127.0.0.1", 0, &addr));
  ASSERT_EQ(0, uv_tcp_init(loop, &fake->tcp));
  fake->tcp.data = fake;
  ASSERT_EQ(0, uv_tcp_bind(&fake->tcp, (const struct sockaddr*) &addr, 0));
  ASSERT_EQ(0, uv_listen((uv_stream_t*) &fake->tcp, 8, fake__connection));
  len = sizeof(name);
  ASSERT_EQ(0, uv_tcp_getsockname(&fake->tcp, (struct sockaddr*) &name,
                                  &len));
  return ntohs(((struct sockaddr_in*) &name)->sin_port);
}

static inline void fake_close(fake_server_t* fake) {
  int i;

  for (i = 0; i < fake->peer_count; i++)
    uv_close((uv_handle_t*) &fake->peers[i], NULL);
  uv_close((uv_handle_t*) &fake->tcp, NULL);
}

#endif /* UVWS_TEST_FAKE_SERVER_H */
