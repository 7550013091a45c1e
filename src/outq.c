#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

ws__shared_t* ws__shared_new(size_t len) {
  ws__shared_t* shared;

  shared = ws__malloc(offsetof(ws__shared_t, data) + (len ? len : 1));
  if (shared == NULL)
    return NULL;
  shared->refcount = 1;
  shared->len = len;
  shared->release = NULL;
  return shared;
}

void ws__shared_ref(ws__shared_t* shared) {
  shared->refcount++;
}

void ws__shared_unref(ws__shared_t* shared) {
  if (--shared->refcount != 0)
    return;
  if (shared->release != NULL)
    shared->release(shared);
  else
    ws__free(shared);
}

/* Bytes handed to uv_write never move, but appending after them in the same
 * owned segment is safe: segments are never reallocated. */
static int ws__outq_tail_writable(const ws__outq_t* q) {
  return q->tail != NULL && q->tail->shared == NULL;
}

/* Room for n more bytes at the tail, in one segment; NULL if out of
 * memory. The bytes count as queued. */
static unsigned char* ws__outq_reserve(ws__outq_t* q, size_t n) {
  ws__seg_t* seg;
  unsigned char* p;
  size_t cap;

  if (ws__outq_tail_writable(q) && q->tail->cap >= n) {
    seg = q->tail;
  } else {
    cap = n > WS__SEG_MIN ? n : WS__SEG_MIN;
    if (cap == WS__SEG_MIN && q->spare != NULL && *q->spare != NULL) {
      seg = *q->spare;
      *q->spare = NULL;
    } else {
      seg = ws__malloc(sizeof(*seg) + cap);
      if (seg == NULL)
        return NULL;
    }
    seg->size = cap;
    seg->next = NULL;
    seg->shared = NULL;
    seg->base = (unsigned char*) (seg + 1);
    seg->len = 0;
    seg->cap = cap;
    if (q->tail != NULL)
      q->tail->next = seg;
    else
      q->head = seg;
    q->tail = seg;
  }
  p = seg->base + seg->len;
  seg->len += n;
  seg->cap -= n;
  q->bytes += n;
  return p;
}

int ws__outq_append(ws__outq_t* q, const void* a, size_t alen, const void* b,
                    size_t blen) {
  unsigned char* p;

  p = ws__outq_reserve(q, alen + blen);
  if (p == NULL)
    return WS_ENOMEM;
  if (alen > 0)
    memcpy(p, a, alen);
  if (blen > 0)
    memcpy(p + alen, b, blen);
  return 0;
}

int ws__outq_append_masked(ws__outq_t* q, const void* header, size_t hlen,
                           const void* payload, size_t len,
                           const unsigned char key[4]) {
  unsigned char* p;

  p = ws__outq_reserve(q, hlen + len);
  if (p == NULL)
    return WS_ENOMEM;
  memcpy(p, header, hlen);
  ws__mask_copy(p + hlen, payload, len, key);
  return 0;
}

int ws__outq_append_shared(ws__outq_t* q, ws__shared_t* shared,
                           unsigned char* base, size_t len) {
  ws__seg_t* seg;

  /* The bytes right after the tail's, in the same buffer: grow the tail. */
  seg = q->tail;
  if (seg != NULL && seg->shared == shared && seg->base + seg->len == base) {
    seg->len += len;
    q->bytes += len;
    return 0;
  }
  seg = ws__malloc(sizeof(*seg));
  if (seg == NULL)
    return WS_ENOMEM;
  ws__shared_ref(shared);
  seg->next = NULL;
  seg->shared = shared;
  seg->base = base;
  seg->len = len;
  seg->cap = 0;
  seg->size = 0;
  if (q->tail != NULL)
    q->tail->next = seg;
  else
    q->head = seg;
  q->tail = seg;
  q->bytes += len;
  return 0;
}

unsigned int ws__outq_bufs(const ws__outq_t* q, uv_buf_t* bufs,
                           unsigned int max) {
  const ws__seg_t* seg;
  unsigned int n;

  n = 0;
  for (seg = q->head; seg != NULL && n < max; seg = seg->next)
    if (seg->len > 0)
      bufs[n++] = uv_buf_init((char*) seg->base, (unsigned int) seg->len);
  return n;
}

static void ws__seg_free(ws__outq_t* q, ws__seg_t* seg) {
  if (seg->shared != NULL) {
    ws__shared_unref(seg->shared);
  } else if (seg->size == WS__SEG_MIN && q->spare != NULL &&
             *q->spare == NULL) {
    *q->spare = seg;
    return;
  }
  ws__free(seg);
}

void ws__outq_free_spare(ws__seg_t** spare) {
  ws__free(*spare);
  *spare = NULL;
}

void ws__outq_consume(ws__outq_t* q, size_t n) {
  ws__seg_t* seg;

  q->bytes -= n;
  q->consumed += n;
  while ((seg = q->head) != NULL) {
    if (n < seg->len) {
      seg->base += n;
      seg->len -= n;
      return;
    }
    n -= seg->len;
    q->head = seg->next;
    if (q->head == NULL)
      q->tail = NULL;
    ws__seg_free(q, seg);
  }
}

void ws__outq_move(ws__outq_t* dst, ws__outq_t* src) {
  if (src->head == NULL)
    return;
  if (dst->tail != NULL)
    dst->tail->next = src->head;
  else
    dst->head = src->head;
  dst->tail = src->tail;
  dst->bytes += src->bytes;
  src->head = NULL;
  src->tail = NULL;
  src->bytes = 0;
}

void ws__outq_clear(ws__outq_t* q) {
  ws__seg_t* seg;

  while ((seg = q->head) != NULL) {
    q->head = seg->next;
    ws__seg_free(q, seg);
  }
  q->tail = NULL;
  q->bytes = 0;
}
