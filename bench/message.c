/* What is sent: message sizes, opcodes and bytes, all derived from the
 * connection and the sequence number, so that every echo can be checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static uint64_t msg_hash(uint64_t id, uint64_t seq) {
  return mix64(id * 0x100000001b3ULL ^ mix64(seq));
}

unsigned char* pool;

void pool_init(size_t max_size) {
  uint64_t x;
  size_t i;

  pool = malloc(max_size + POOL_SPAN + 16);
  if (pool == NULL) {
    fprintf(stderr, "uvws-bench: out of memory\n");
    exit(1);
  }
  x = 6455;
  if (o.json_payload) {
    /* Records of a feed: the same keys, values that change. */
    for (i = 0; i < max_size + POOL_SPAN + 16;) {
      char record[160];
      size_t n;

      x = mix64(x);
      n = (size_t) snprintf(record, sizeof(record),
                            "{\"id\":%u,\"user\":\"user%u\",\"price\":%u.%02u,"
                            "\"side\":\"%s\",\"ok\":true},",
                            (unsigned) (x % 100000), (unsigned) (x >> 20) % 500,
                            (unsigned) (x >> 32) % 1000,
                            (unsigned) (x >> 48) % 100,
                            (x >> 60) & 1 ? "buy" : "sell");
      if (n > max_size + POOL_SPAN + 16 - i)
        n = max_size + POOL_SPAN + 16 - i;
      memcpy(pool + i, record, n);
      i += n;
    }
    return;
  }
  for (i = 0; i < max_size + POOL_SPAN + 16; i++) {
    x = mix64(x);
    pool[i] = (unsigned char) (' ' + x % 95);
  }
}

size_t msg_size(uint64_t id, uint64_t seq) {
  if (o.size_count == 1)
    return o.sizes[0];
  return o.sizes[(msg_hash(id, seq) >> 8) % (uint64_t) o.size_count];
}

int msg_opcode(uint64_t id, uint64_t seq) {
  if (o.opcode != 0)
    return o.opcode;
  return (msg_hash(id, seq) >> 40) & 1 ? WS_OP_TEXT : WS_OP_BINARY;
}

const unsigned char* msg_bytes(uint64_t id, uint64_t seq) {
  return pool + (msg_hash(id, seq) & (POOL_SPAN - 1));
}

uint64_t now_ns(void) {
  return uv_hrtime();
}
