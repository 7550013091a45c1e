/* Loops on threads of their own, for the threads tests: each runs a setup
 * function on its thread, then its loop until nothing is left, and is
 * joined with its loop proven empty. A watch timer on each loop lets the
 * main thread ask for work on it (a flag the loop's thread polls). */
#ifndef UVWS_TEST_LOOP_THREAD_H
#define UVWS_TEST_LOOP_THREAD_H

#include "test.h"

#include <stdatomic.h>

typedef struct loop_thread_s {
  uv_thread_t thread;
  uv_loop_t loop;
  void (*setup)(struct loop_thread_s* lt);
  void* data;
  int index;
  /* Polled on the loop every millisecond while it is set: cb runs there
   * until it returns 0. */
  uv_timer_t watch;
  int (*watch_cb)(struct loop_thread_s* lt);
} loop_thread_t;

static void loop_thread__main(void* arg) {
  loop_thread_t* lt;

  lt = arg;
  lt->setup(lt);
  ASSERT_EQ(0, uv_run(&lt->loop, UV_RUN_DEFAULT));
}

/* Initializes the loop here (so that servers may be made on it before it
 * runs), then starts its thread. */
static inline void loop_thread_init(loop_thread_t* lt, int index) {
  memset(lt, 0, sizeof(*lt));
  lt->index = index;
  ASSERT_EQ(0, uv_loop_init(&lt->loop));
  lt->loop.data = lt;
}

static inline void loop_thread_start(loop_thread_t* lt,
                                     void (*setup)(loop_thread_t* lt)) {
  lt->setup = setup;
  ASSERT_EQ(0, uv_thread_create(&lt->thread, loop_thread__main, lt));
}

static void loop_thread__on_watch(uv_timer_t* timer) {
  loop_thread_t* lt;

  lt = timer->data;
  if (lt->watch_cb(lt) == 0)
    uv_close((uv_handle_t*) timer, NULL);
}

/* On the loop's thread: cb(lt) every millisecond until it returns 0. */
static inline void loop_thread_watch(loop_thread_t* lt,
                                     int (*cb)(loop_thread_t* lt)) {
  lt->watch_cb = cb;
  ASSERT_EQ(0, uv_timer_init(&lt->loop, &lt->watch));
  lt->watch.data = lt;
  ASSERT_EQ(0, uv_timer_start(&lt->watch, loop_thread__on_watch, 1, 1));
}

static inline void loop_thread_join(loop_thread_t* lt) {
  ASSERT_EQ(0, uv_thread_join(&lt->thread));
  ASSERT_EQ(0, uv_loop_close(&lt->loop));
}

/* Waits (sleeping 1 ms at a time) until cond holds; fails after 10 s. */
#define WAIT_UNTIL(cond)                                                      \
  do {                                                                        \
    int wait__ms;                                                             \
    for (wait__ms = 0; !(cond); wait__ms++) {                                 \
      if (wait__ms == 10000)                                                  \
        TEST__FAIL("timed out waiting for %s", #cond);                        \
      uv_sleep(1);                                                            \
    }                                                                         \
  } while (0)

#endif /* UVWS_TEST_LOOP_THREAD_H */
