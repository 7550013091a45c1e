/* libFuzzer target: the UTF-8 scans, which go many bytes at a time
 * (vectors where the target has them), against the rule a byte at a time
 * (ws__utf8_step()), and that against a decoder written the other way
 * round (code points first, then the rules of RFC 3629): whole, split in
 * two where the input says, and masked with a key it gives (unmasked and
 * checked in one pass, copied and in place). */
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

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
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
  return 0;
}
