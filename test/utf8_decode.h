/* The UTF-8 rule written the other way round from the library's: code
 * points first, then RFC 3629's limits (no overlong forms, no surrogates,
 * nothing above U+10FFFF). The reference the vector scans are checked
 * against, by test_utf8_scan and by fuzz_utf8. */
#ifndef UVWS_TEST_UTF8_DECODE_H
#define UVWS_TEST_UTF8_DECODE_H

#include <stddef.h>
#include <stdint.h>

static inline int utf8_decode_valid(const unsigned char* s, size_t len) {
  uint32_t cp;
  uint32_t min;
  size_t i;
  size_t n;
  size_t k;

  for (i = 0; i < len; i += n) {
    if (s[i] < 0x80) {
      n = 1;
      continue;
    }
    if ((s[i] & 0xe0) == 0xc0) {
      n = 2;
      cp = s[i] & 0x1f;
      min = 0x80;
    } else if ((s[i] & 0xf0) == 0xe0) {
      n = 3;
      cp = s[i] & 0x0f;
      min = 0x800;
    } else if ((s[i] & 0xf8) == 0xf0) {
      n = 4;
      cp = s[i] & 0x07;
      min = 0x10000;
    } else {
      return 0;
    }
    if (i + n > len)
      return 0;
    for (k = 1; k < n; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
  }
  return 1;
}

#endif
