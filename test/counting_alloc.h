/* An allocator for ws_replace_allocator() that counts live blocks and
 * bytes, so tests can prove what the library holds. */
#ifndef UVWS_TEST_COUNTING_ALLOC_H
#define UVWS_TEST_COUNTING_ALLOC_H

#include "test.h"
#include "uvws.h"

static size_t live_bytes;
static size_t live_blocks;
static size_t big_allocs;      /* allocations of at least big_size bytes */
static size_t big_size = (size_t) -1;
static size_t peak_bytes;      /* the most live_bytes has been */
static long alloc_calls;       /* allocations asked for so far */
static long fail_at = -1;      /* the allocation (by alloc_calls) to fail */
static long fail_every;        /* 0, or fail every fail_every-th one too */

/* Each block carries its size in front. */
static inline void* counting_malloc(size_t size) {
  size_t* p;

  alloc_calls++;
  if (alloc_calls - 1 == fail_at ||
      (fail_every > 0 && alloc_calls % fail_every == 0))
    return NULL;
  p = malloc(sizeof(size_t) * 2 + size);
  if (p == NULL)
    return NULL;
  p[0] = size;
  if (size >= big_size)
    big_allocs++;
  live_bytes += size;
  live_blocks++;
  if (live_bytes > peak_bytes)
    peak_bytes = live_bytes;
  return p + 2;
}

static inline void counting_free(void* ptr) {
  size_t* p;

  if (ptr == NULL)
    return;
  p = (size_t*) ptr - 2;
  live_bytes -= p[0];
  live_blocks--;
  free(p);
}

static inline void* counting_calloc(size_t count, size_t size) {
  void* p;

  p = counting_malloc(count * size);
  if (p != NULL)
    memset(p, 0, count * size);
  return p;
}

static inline void* counting_realloc(void* ptr, size_t size) {
  void* p;
  size_t old;

  if (ptr == NULL)
    return counting_malloc(size);
  p = counting_malloc(size);
  if (p == NULL)
    return NULL;
  old = ((size_t*) ptr)[-2];
  memcpy(p, ptr, old < size ? old : size);
  counting_free(ptr);
  return p;
}

static inline void counting_alloc_install(void) {
  ASSERT_EQ(0, ws_replace_allocator(counting_malloc, counting_realloc,
                                    counting_calloc, counting_free));
}

#endif /* UVWS_TEST_COUNTING_ALLOC_H */
