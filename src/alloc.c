#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  ws_malloc_func malloc_fn;
  ws_realloc_func realloc_fn;
  ws_calloc_func calloc_fn;
  ws_free_func free_fn;
} ws__allocator_t;

static ws__allocator_t ws__allocator = { malloc, realloc, calloc, free };

int ws_replace_allocator(ws_malloc_func malloc_fn, ws_realloc_func realloc_fn,
                         ws_calloc_func calloc_fn, ws_free_func free_fn) {
  if (malloc_fn == NULL || realloc_fn == NULL || calloc_fn == NULL ||
      free_fn == NULL)
    return WS_EINVAL;
  ws__allocator.malloc_fn = malloc_fn;
  ws__allocator.realloc_fn = realloc_fn;
  ws__allocator.calloc_fn = calloc_fn;
  ws__allocator.free_fn = free_fn;
  return 0;
}

void* ws__malloc(size_t size) {
  return ws__allocator.malloc_fn(size);
}

void* ws__calloc(size_t count, size_t size) {
  return ws__allocator.calloc_fn(count, size);
}

void* ws__realloc(void* ptr, size_t size) {
  return ws__allocator.realloc_fn(ptr, size);
}

void ws__free(void* ptr) {
  if (ptr != NULL)
    ws__allocator.free_fn(ptr);
}

char* ws__strndup(const char* s, size_t n) {
  char* p;

  p = ws__malloc(n + 1);
  if (p == NULL)
    return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}
