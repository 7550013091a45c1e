/* libFuzzer target: the UTF-8 scans, which go many bytes at a time
 * (vectors where the target has them), against the rule a byte at a time
 * (ws__utf8_step()), and that against a decoder written the other way
 * round (code points first, then the rules of RFC 3629): whole, split in
 * two where the input says, in pieces of lengths it gives (a message
 * arriving read by read, the state carried), and masked with a key it
 * gives (unmasked and checked in one pass, copied and in place). By table
 * lookups and by comparisons, where the build and the CPU have both. */
#include "uvws_int.h"
#include "../test/utf8_decode.h"

#include <stdlib.h>
#include <string.h>

static uint32_t step_all(uint32_t state, const uint8_t* s, size_t len) {
  size_t i;

  for (i = 0; i < len; i++)
    state = ws__utf8_step(state, s[i]);
  return state;
}

static void check_split(const uint8_t* data, size_t size, size_t at,
                        uint32_t want) {
  uint32_t first;

  first = ws__utf8_scan(0, data, at);
  if (first != step_all(0, data, at) ||
      ws__utf8_scan(first, data + at, size - at) != want)
    abort();
}

static void check_masked(const uint8_t* data, size_t size, uint32_t want) {
  unsigned char key[4];
  unsigned char* masked;
  unsigned char* out;
  uint32_t got;
  size_t offset;
  size_t i;

  masked = malloc(size + 1);
  out = malloc(size + 1);
  if (masked == NULL || out == NULL)
    abort();
  for (i = 0; i < 4; i++)
    key[i] = (unsigned char) (size > 0 ? data[(i * 7919) % size] ^ 0x5a
                                       : 0x5a);
  offset = size > 0 ? data[0] & 3 : 0;
  for (i = 0; i < size; i++)
    masked[i] = data[i] ^ key[(offset + i) & 3];
  if (ws__utf8_scan_masked(0, masked, size, key, offset) != want)
    abort();
  got = ws__utf8_unmask(0, out, masked, size, key, offset);
  if (got != want || (got != WS__UTF8_REJECT && memcmp(out, data, size) != 0))
    abort();
  got = ws__utf8_unmask(0, masked, masked, size, key, offset);
  if (got != want ||
      (got != WS__UTF8_REJECT && memcmp(masked, data, size) != 0))
    abort();
  free(out);
  free(masked);
}

/* Pieces of 1 to 80 bytes, their lengths from the input's bytes in turn,
 * each scanned and unmasked from the state the one before left. */
static void check_pieces(const uint8_t* data, size_t size) {
  static const unsigned char key[4] = {0xa7, 0x01, 0x5c, 0xe3};
  unsigned char* copy;
  uint32_t state;
  uint32_t masked_state;
  uint32_t want;
  size_t off;
  size_t n;
  size_t k;
  size_t i;

  copy = malloc(size + 1);
  if (copy == NULL)
    abort();
  for (i = 0; i < size; i++)
    copy[i] = data[i] ^ key[i & 3];
  state = 0;
  masked_state = 0;
  for (off = 0, k = 0; off < size; off += n, k++) {
    n = (size_t) data[k % size] % 80 + 1;
    if (n > size - off)
      n = size - off;
    want = step_all(state, data + off, n);
    state = ws__utf8_scan(state, data + off, n);
    if (state != want)
      abort();
    if (masked_state != WS__UTF8_REJECT)
      masked_state = ws__utf8_unmask(masked_state, copy + off, copy + off, n,
                                     key, off);
    if (masked_state != state ||
        (state != WS__UTF8_REJECT && memcmp(copy + off, data + off, n) != 0))
      abort();
    if (state == WS__UTF8_REJECT)
      break;
  }
  free(copy);
}

static void check_all(const uint8_t* data, size_t size) {
  uint32_t want;

  want = step_all(0, data, size);
  if ((want == 0) != utf8_decode_valid(data, size) ||
      ws__utf8_valid(data, size) != (want == 0) ||
      ws__utf8_scan(0, data, size) != want)
    abort();
  if (size > 0) {
    check_split(data, size, data[size - 1] % (size + 1), want);
    check_split(data, size, ((size_t) data[0] << 8 | data[size / 2]) %
                                (size + 1), want);
  }
  check_masked(data, size, want);
  check_pieces(data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (ws__utf8_use_lookup(0))
    abort();
  check_all(data, size);
  if (ws__utf8_use_lookup(1))
    check_all(data, size);
  return 0;
}
