#include "uvws_int.h"

/* Checks UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates,
 * nothing above U+10FFFF. */
int ws__utf8_valid(const unsigned char* s, size_t len) {
  size_t i;
  size_t n;
  unsigned char c;
  unsigned char lo;
  unsigned char hi;

  i = 0;
  while (i < len) {
    c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    lo = 0x80;
    hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0)
        lo = 0xa0;
      else if (c == 0xed)
        hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0)
        lo = 0x90;
      else if (c == 0xf4)
        hi = 0x8f;
    } else {
      return 0;
    }
    if (len - i <= n)
      return 0;
    if (s[i + 1] < lo || s[i + 1] > hi)
      return 0;
    for (i += 2; --n > 0; i++)
      if ((s[i] & 0xc0) != 0x80)
        return 0;
  }
  return 1;
}
