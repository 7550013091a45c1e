/* Where the chat sample's memory comes from: calloc(), realloc() and
 * free(), unless mem_replace_allocator() swaps them, as
 * ws_replace_allocator() does for uvws; the tests use it to make
 * allocations fail. */
#ifndef CHAT_MEM_H
#define CHAT_MEM_H

#include <stddef.h>

void* mem_calloc(size_t count, size_t size);
void* mem_realloc(void* ptr, size_t size);
void mem_free(void* ptr);

/* Call it before any chat exists. Every function must be non-NULL. */
void mem_replace_allocator(void* (*calloc_fn)(size_t count, size_t size),
                           void* (*realloc_fn)(void* ptr, size_t size),
                           void (*free_fn)(void* ptr));

#endif /* CHAT_MEM_H */
