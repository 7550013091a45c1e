/* The chat sample's allocator: the C library's, or a test's. */
#include "mem.h"

#include <stdlib.h>

static void* (*mem__calloc)(size_t count, size_t size) = calloc;
static void* (*mem__realloc)(void* ptr, size_t size) = realloc;
static void (*mem__free)(void* ptr) = free;

void* mem_calloc(size_t count, size_t size) {
  return mem__calloc(count, size);
}

void* mem_realloc(void* ptr, size_t size) {
  return mem__realloc(ptr, size);
}

void mem_free(void* ptr) {
  mem__free(ptr);
}

void mem_replace_allocator(void* (*calloc_fn)(size_t count, size_t size),
                           void* (*realloc_fn)(void* ptr, size_t size),
                           void (*free_fn)(void* ptr)) {
  mem__calloc = calloc_fn;
  mem__realloc = realloc_fn;
  mem__free = free_fn;
}
