/* uvws-cat's stdout through libuv: a uv_tty_t or uv_pipe_t, written
 * without blocking, that reports when too much is waiting (so that the
 * connections stop reading) and when it has drained; a file is written
 * with uv_fs_write(), which waits. One message a line. */
#ifndef CAT_OUTPUT_H
#define CAT_OUTPUT_H

#include <stddef.h>

#include <uv.h>

#include "cat.h"

/* Bytes waiting for stdout past which it is full, and down to which it has
 * drained again. */
#define CAT_OUTPUT_HIGH_WATER (1024 * 1024)
#define CAT_OUTPUT_LOW_WATER (256 * 1024)

typedef struct cat_output_s cat_output_t;

/* full: 1 when more than CAT_OUTPUT_HIGH_WATER bytes wait, 0 when they
 * are down to CAT_OUTPUT_LOW_WATER again. */
typedef void (*cat_output_full_cb)(cat_output_t* output, int full);
/* A write failed (UV_EPIPE: the reader went away). Once, from the loop or
 * from inside cat_output_message(); what is written after it is dropped. */
typedef void (*cat_output_error_cb)(cat_output_t* output, int err);

struct cat_output_s {
  uv_loop_t* loop;
  int kind; /* a uv_handle_type: UV_TTY, UV_NAMED_PIPE or UV_FILE */
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tty_t tty;
    uv_pipe_t pipe;
  } h;
  size_t queued;  /* bytes given to uv_write() and not yet written */
  int full;
  int error;
  int closing;
  int closed;
  cat_output_full_cb on_full;
  cat_output_error_cb on_error;
  void* data;
};

/* Opens stdout. Returns 0 or a libuv error. */
int cat_output_init(cat_output_t* output, uv_loop_t* loop,
                    cat_output_full_cb on_full, cat_output_error_cb on_error,
                    void* data);
/* Writes prefix and a space (if prefix is not NULL), the message and a
 * newline; binary messages
 * as print says, text ones as they are. Returns 0, or the error that
 * on_error reports. */
int cat_output_message(cat_output_t* output, const char* prefix,
                       int binary, cat_print_t print, const void* data,
                       size_t len);
/* Closes stdout once what is queued is written. */
void cat_output_close(cat_output_t* output);

#endif /* CAT_OUTPUT_H */
