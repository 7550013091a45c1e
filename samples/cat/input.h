/* uvws-cat's stdin, read as lines through libuv: a uv_tty_t for a
 * terminal, a uv_pipe_t for a pipe or socket, uv_fs_read() for a file. */
#ifndef CAT_INPUT_H
#define CAT_INPUT_H

#include <stddef.h>

#include <uv.h>

/* on_end's error for a line longer than max_line. */
#define CAT_INPUT_TOO_LONG UV_E2BIG

typedef struct cat_input_s cat_input_t;

/* One line, without its "\n" (or "\r\n"). The last line of the input
 * counts even without a newline. data is valid only during the call. */
typedef void (*cat_line_cb)(cat_input_t* input, const char* data,
                            size_t len);
/* No line comes after this: 0 at the end of the input, or why reading
 * stopped (CAT_INPUT_TOO_LONG or a libuv error). Called once. */
typedef void (*cat_end_cb)(cat_input_t* input, int err);

struct cat_input_s {
  uv_loop_t* loop;
  int kind; /* a uv_handle_type: UV_TTY, UV_NAMED_PIPE or UV_FILE */
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tty_t tty;
    uv_pipe_t pipe;
  } h;
  uv_fs_t req;
  int started;       /* h is initialized */
  int file_reading;  /* a uv_fs_read() is under way */
  int paused;
  int at_eof;        /* no more bytes to read; lines may remain */
  int ended;         /* on_end was called */
  int closed;
  int delivering;
  char* buf;         /* bytes read and not yet given as lines */
  size_t start;      /* where the next line starts in buf */
  size_t len;
  size_t cap;
  size_t max_line;
  cat_line_cb on_line;
  cat_end_cb on_end;
  void* data;
  char chunk[64 * 1024];
};

/* Starts reading stdin. Returns 0 or a libuv error. */
int cat_input_start(cat_input_t* input, uv_loop_t* loop, size_t max_line,
                    cat_line_cb on_line, cat_end_cb on_end, void* data);
/* No more lines until cat_input_resume(): reading stops. From on_line, it
 * takes effect when on_line returns. */
void cat_input_pause(cat_input_t* input);
/* Delivers the lines held back, then reads again. */
void cat_input_resume(cat_input_t* input);
/* Stops for good: no more callbacks. The handle closes from the loop. */
void cat_input_close(cat_input_t* input);

#endif /* CAT_INPUT_H */
