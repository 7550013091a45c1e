/* uvws-cat's stdout through libuv, one message a line. */
#include "output.h"

#include <stdlib.h>
#include <string.h>

/* What uv_try_write() left of a line, queued with uv_write(). */
typedef struct {
  uv_write_t req;
  size_t len;
  char data[1];
} cat__chunk_t;

static size_t cat__encoded_len(cat_print_t print, size_t len) {
  switch (print) {
  case CAT_PRINT_HEX:
    return len * 2;
  case CAT_PRINT_BASE64:
    return (len + 2) / 3 * 4;
  default:
    return len;
  }
}

static void cat__encode_hex(const unsigned char* in, size_t len, char* out) {
  static const char digits[] = "0123456789abcdef";
  size_t i;

  for (i = 0; i < len; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
}

/* RFC 4648 section 4, with padding. */
static void cat__encode_base64(const unsigned char* in, size_t len,
                               char* out) {
  static const char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned long v;
  size_t i;

  for (i = 0; i + 3 <= len; i += 3) {
    v = ((unsigned long) in[i] << 16) | ((unsigned long) in[i + 1] << 8) |
        in[i + 2];
    *out++ = digits[(v >> 18) & 63];
    *out++ = digits[(v >> 12) & 63];
    *out++ = digits[(v >> 6) & 63];
    *out++ = digits[v & 63];
  }
  if (len - i == 1) {
    v = (unsigned long) in[i] << 16;
    *out++ = digits[(v >> 18) & 63];
    *out++ = digits[(v >> 12) & 63];
    *out++ = '=';
    *out++ = '=';
  } else if (len - i == 2) {
    v = ((unsigned long) in[i] << 16) | ((unsigned long) in[i + 1] << 8);
    *out++ = digits[(v >> 18) & 63];
    *out++ = digits[(v >> 12) & 63];
    *out++ = digits[(v >> 6) & 63];
    *out++ = '=';
  }
}

static int cat__output_fail(cat_output_t* output, int err) {
  if (output->error == 0) {
    output->error = err;
    output->on_error(output, err);
  }
  return err;
}

static void cat__output_closed(uv_handle_t* handle) {
  cat_output_t* output;

  output = handle->data;
  output->closed = 1;
}

static void cat__output_close_now(cat_output_t* output) {
  if (output->kind == UV_TTY)
    uv_tty_reset_mode();
  uv_close(&output->h.handle, cat__output_closed);
}

static void cat__output_written(uv_write_t* req, int status) {
  cat_output_t* output;
  cat__chunk_t* chunk;

  chunk = (cat__chunk_t*) req;
  output = req->handle->data;
  output->queued -= chunk->len;
  free(chunk);
  if (status < 0 && status != UV_ECANCELED)
    cat__output_fail(output, status);
  if (output->full && output->queued <= CAT_OUTPUT_LOW_WATER) {
    output->full = 0;
    output->on_full(output, 0);
  }
  if (output->closing && output->queued == 0)
    cat__output_close_now(output);
}

/* Writes bufs to a file (or a device libuv calls one), waiting. */
static int cat__output_file(cat_output_t* output, uv_buf_t* bufs,
                            unsigned int nbufs) {
  uv_fs_t req;
  unsigned int i;
  int result;

  for (i = 0; i < nbufs; i++) {
    while (bufs[i].len > 0) {
      result = uv_fs_write(output->loop, &req, 1, &bufs[i], 1, -1, NULL);
      uv_fs_req_cleanup(&req);
      if (result < 0)
        return result;
      bufs[i].base += result;
      bufs[i].len -= (size_t) result;
    }
  }
  return 0;
}

/* Writes what uv_try_write() can at once, and queues the rest. */
static int cat__output_stream(cat_output_t* output, const uv_buf_t* bufs,
                              unsigned int nbufs, size_t total) {
  cat__chunk_t* chunk;
  uv_buf_t rest;
  size_t skip;
  size_t done;
  size_t n;
  unsigned int i;
  int r;

  done = 0;
  if (output->queued == 0) {
    r = uv_try_write(&output->h.stream, bufs, nbufs);
    if (r >= 0)
      done = (size_t) r;
    else if (r != UV_EAGAIN && r != UV_ENOSYS)
      return r;
  }
  if (done == total)
    return 0;
  chunk = malloc(offsetof(cat__chunk_t, data) + total - done);
  if (chunk == NULL)
    return UV_ENOMEM;
  chunk->len = 0;
  skip = done;
  for (i = 0; i < nbufs; i++) {
    if (skip >= bufs[i].len) {
      skip -= bufs[i].len;
      continue;
    }
    n = bufs[i].len - skip;
    memcpy(chunk->data + chunk->len, bufs[i].base + skip, n);
    chunk->len += n;
    skip = 0;
  }
  rest = uv_buf_init(chunk->data, (unsigned int) chunk->len);
  r = uv_write(&chunk->req, &output->h.stream, &rest, 1,
               cat__output_written);
  if (r != 0) {
    free(chunk);
    return r;
  }
  output->queued += chunk->len;
  if (!output->full && output->queued > CAT_OUTPUT_HIGH_WATER) {
    output->full = 1;
    output->on_full(output, 1);
  }
  return 0;
}

int cat_output_message(cat_output_t* output, const char* prefix,
                       int binary, cat_print_t print, const void* data,
                       size_t len) {
  static char newline[] = "\n";
  static char space[] = " ";
  uv_buf_t bufs[4];
  char* encoded;
  size_t total;
  int err;

  if (output->error != 0)
    return output->error;
  if (output->closing)
    return 0;
  if (!binary)
    print = CAT_PRINT_RAW;
  encoded = NULL;
  if (print != CAT_PRINT_RAW) {
    encoded = malloc(cat__encoded_len(print, len) + 1);
    if (encoded == NULL)
      return cat__output_fail(output, UV_ENOMEM);
    if (print == CAT_PRINT_HEX)
      cat__encode_hex(data, len, encoded);
    else
      cat__encode_base64(data, len, encoded);
    bufs[2] = uv_buf_init(encoded,
                          (unsigned int) cat__encoded_len(print, len));
  } else {
    bufs[2] = uv_buf_init((char*) data, (unsigned int) len);
  }
  bufs[0] = uv_buf_init((char*) (prefix != NULL ? prefix : ""),
                        prefix != NULL ? (unsigned int) strlen(prefix) : 0);
  bufs[1] = uv_buf_init(space, prefix != NULL ? 1 : 0);
  bufs[3] = uv_buf_init(newline, 1);
  total = bufs[0].len + bufs[1].len + bufs[2].len + bufs[3].len;
  if (output->kind == UV_FILE)
    err = cat__output_file(output, bufs, 4);
  else
    err = cat__output_stream(output, bufs, 4, total);
  free(encoded);
  return err != 0 ? cat__output_fail(output, err) : 0;
}

int cat_output_init(cat_output_t* output, uv_loop_t* loop,
                    cat_output_full_cb on_full, cat_output_error_cb on_error,
                    void* data) {
  int err;

  memset(output, 0, sizeof(*output));
  output->loop = loop;
  output->on_full = on_full;
  output->on_error = on_error;
  output->data = data;
  switch (uv_guess_handle(1)) {
  case UV_TTY:
    output->kind = UV_TTY;
    err = uv_tty_init(loop, &output->h.tty, 1, 0);
    break;
  case UV_NAMED_PIPE:
  case UV_TCP:
    output->kind = UV_NAMED_PIPE;
    err = uv_pipe_init(loop, &output->h.pipe, 0);
    if (err == 0) {
      err = uv_pipe_open(&output->h.pipe, 1);
      if (err != 0)
        uv_close(&output->h.handle, NULL);
    }
    break;
  case UV_FILE:
    output->kind = UV_FILE;
    return 0;
  default:
    return UV_EBADF;
  }
  if (err == 0)
    output->h.handle.data = output;
  return err;
}

void cat_output_close(cat_output_t* output) {
  if (output->closing)
    return;
  output->closing = 1;
  if (output->kind == UV_FILE)
    output->closed = 1;
  else if (output->queued == 0)
    cat__output_close_now(output);
}
