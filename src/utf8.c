/* UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
 * above U+10FFFF, checked a byte at a time so that a message arriving in
 * pieces fails at its first bad byte. */
#include "uvws_int.h"

#include <string.h>

/* A state is 0 between characters, else the count of continuation bytes
 * still due and the range allowed for the next one. */
#define WS__UTF8_STATE(need, lo, hi)                                          \
  (((uint32_t) (need) << 16) | ((uint32_t) (lo) << 8) | (uint32_t) (hi))

uint32_t ws__utf8_step(uint32_t state, unsigned char c) {
  uint32_t need;

  if (state == WS__UTF8_REJECT)
    return state;
  if (state == 0) {
    if (c < 0x80)
      return 0;
    if (c >= 0xc2 && c <= 0xdf)
      return WS__UTF8_STATE(1, 0x80, 0xbf);
    if (c == 0xe0)
      return WS__UTF8_STATE(2, 0xa0, 0xbf);
    if (c == 0xed)
      return WS__UTF8_STATE(2, 0x80, 0x9f);
    if (c >= 0xe1 && c <= 0xef)
      return WS__UTF8_STATE(2, 0x80, 0xbf);
    if (c == 0xf0)
      return WS__UTF8_STATE(3, 0x90, 0xbf);
    if (c >= 0xf1 && c <= 0xf3)
      return WS__UTF8_STATE(3, 0x80, 0xbf);
    if (c == 0xf4)
      return WS__UTF8_STATE(3, 0x80, 0x8f);
    return WS__UTF8_REJECT;
  }
  if (c < ((state >> 8) & 0xff) || c > (state & 0xff))
    return WS__UTF8_REJECT;
  need = (state >> 16) - 1;
  return need == 0 ? 0 : WS__UTF8_STATE(need, 0x80, 0xbf);
}

int ws__utf8_valid(const unsigned char* s, size_t len) {
  uint64_t word;
  uint32_t state;
  size_t i;

  state = 0;
  i = 0;
  while (i < len && state != WS__UTF8_REJECT) {
    /* Between characters, skip ASCII eight bytes at a time. */
    if (state == 0 && i + 8 <= len) {
      memcpy(&word, s + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    state = ws__utf8_step(state, s[i++]);
  }
  return state == 0;
}
