/* uvws-cat's stdin, read as lines through libuv. */
#include "input.h"

#include <stdlib.h>
#include <string.h>

static void cat__input_read_more(cat_input_t* input);

static void cat__input_end(cat_input_t* input, int err) {
  if (input->ended)
    return;
  input->ended = 1;
  input->at_eof = 1;
  if (input->kind != UV_FILE)
    uv_read_stop(&input->h.stream);
  input->on_end(input, err);
}

/* Gives every whole line in buf to on_line, until paused or closed; then
 * ends the input, or reads more. */
static void cat__input_deliver(cat_input_t* input) {
  char* line;
  char* nl;
  size_t len;

  if (input->delivering)
    return; /* resumed from on_line: the loop below goes on */
  input->delivering = 1;
  while (!input->paused && !input->closed && !input->ended) {
    line = input->buf + input->start;
    len = input->len - input->start;
    nl = len > 0 ? memchr(line, '\n', len) : NULL;
    if (nl != NULL) {
      input->start += (size_t) (nl - line) + 1;
      len = (size_t) (nl - line);
    } else if (input->at_eof && len > 0) {
      input->start = input->len;
    } else {
      break;
    }
    if (len > 0 && line[len - 1] == '\r')
      len--;
    if (len > input->max_line) {
      cat__input_end(input, CAT_INPUT_TOO_LONG);
      break;
    }
    input->on_line(input, line, len);
  }
  input->delivering = 0;
  if (input->paused || input->closed || input->ended)
    return;
  /* Keep only the partial line at the start of buf. */
  if (input->start > 0) {
    memmove(input->buf, input->buf + input->start,
            input->len - input->start);
    input->len -= input->start;
    input->start = 0;
  }
  if (input->len > input->max_line)
    cat__input_end(input, CAT_INPUT_TOO_LONG);
  else if (input->at_eof)
    cat__input_end(input, 0);
  else
    cat__input_read_more(input);
}

static int cat__input_append(cat_input_t* input, const char* data,
                             size_t len) {
  size_t cap;
  char* buf;

  if (input->cap - input->len < len) {
    cap = input->cap > 0 ? input->cap : sizeof(input->chunk);
    while (cap - input->len < len)
      cap *= 2;
    buf = realloc(input->buf, cap);
    if (buf == NULL)
      return UV_ENOMEM;
    input->buf = buf;
    input->cap = cap;
  }
  memcpy(input->buf + input->len, data, len);
  input->len += len;
  return 0;
}

/* Bytes read: 0 and more at the end of the input, or an error. */
static void cat__input_got(cat_input_t* input, ssize_t nread) {
  int err;

  if (input->closed)
    return;
  if (nread > 0) {
    err = cat__input_append(input, input->chunk, (size_t) nread);
    if (err != 0) {
      cat__input_end(input, err);
      return;
    }
  } else if (nread == 0 || nread == UV_EOF) {
    input->at_eof = 1;
  } else {
    cat__input_end(input, (int) nread);
    return;
  }
  cat__input_deliver(input);
}

static void cat__input_alloc(uv_handle_t* handle, size_t suggested,
                             uv_buf_t* buf) {
  cat_input_t* input;

  (void) suggested;
  input = handle->data;
  buf->base = input->chunk;
  buf->len = sizeof(input->chunk);
}

static void cat__input_on_read(uv_stream_t* stream, ssize_t nread,
                               const uv_buf_t* buf) {
  (void) buf;
  if (nread == 0)
    return; /* EAGAIN: nothing this time */
  cat__input_got(stream->data, nread);
}

static void cat__input_on_file_read(uv_fs_t* req) {
  cat_input_t* input;
  ssize_t result;

  input = req->data;
  result = req->result;
  uv_fs_req_cleanup(req);
  input->file_reading = 0;
  cat__input_got(input, result);
}

static void cat__input_read_more(cat_input_t* input) {
  uv_buf_t buf;
  int err;

  if (input->kind != UV_FILE) {
    err = uv_read_start(&input->h.stream, cat__input_alloc,
                        cat__input_on_read);
    /* UV_EALREADY: it reads already. */
    if (err != 0 && err != UV_EALREADY)
      cat__input_end(input, err);
    return;
  }
  if (input->file_reading)
    return;
  buf = uv_buf_init(input->chunk, sizeof(input->chunk));
  input->req.data = input;
  err = uv_fs_read(input->loop, &input->req, 0, &buf, 1, -1,
                   cat__input_on_file_read);
  if (err != 0)
    cat__input_end(input, err);
  else
    input->file_reading = 1;
}

int cat_input_start(cat_input_t* input, uv_loop_t* loop, size_t max_line,
                    cat_line_cb on_line, cat_end_cb on_end, void* data) {
  int err;

  memset(input, 0, sizeof(*input));
  input->loop = loop;
  input->max_line = max_line;
  input->on_line = on_line;
  input->on_end = on_end;
  input->data = data;
  switch (uv_guess_handle(0)) {
  case UV_TTY:
    input->kind = UV_TTY;
    err = uv_tty_init(loop, &input->h.tty, 0, 1);
    break;
  case UV_NAMED_PIPE:
  case UV_TCP:
    input->kind = UV_NAMED_PIPE;
    err = uv_pipe_init(loop, &input->h.pipe, 0);
    if (err == 0) {
      err = uv_pipe_open(&input->h.pipe, 0);
      if (err != 0)
        uv_close(&input->h.handle, NULL);
    }
    break;
  case UV_FILE:
    input->kind = UV_FILE;
    err = 0;
    break;
  default:
    return UV_EBADF;
  }
  if (err != 0)
    return err;
  if (input->kind != UV_FILE) {
    input->started = 1;
    input->h.handle.data = input;
  }
  cat__input_read_more(input);
  return 0;
}

void cat_input_pause(cat_input_t* input) {
  if (input->closed || input->paused)
    return;
  input->paused = 1;
  /* A file read under way completes into buf and waits there. */
  if (input->kind != UV_FILE && !input->ended)
    uv_read_stop(&input->h.stream);
}

void cat_input_resume(cat_input_t* input) {
  if (input->closed || !input->paused)
    return;
  input->paused = 0;
  if (!input->ended && !input->file_reading)
    cat__input_deliver(input);
}

void cat_input_close(cat_input_t* input) {
  if (input->closed)
    return;
  input->closed = 1;
  if (input->started) {
    if (input->kind == UV_TTY)
      uv_tty_reset_mode();
    uv_close(&input->h.handle, NULL);
  }
  /* A file read under way ends in cat__input_got(), which sees closed. */
  free(input->buf);
  input->buf = NULL;
  input->len = input->start = input->cap = 0;
}
