/* UTF-8 validation, decoding and encoding (RFC 3629). */
#include "utf8.h"

int utf8_valid(const char* s, size_t len) {
  const unsigned char* p;
  const unsigned char* end;
  unsigned char lo;
  unsigned char hi;
  size_t n;
  size_t i;

  p = (const unsigned char*) s;
  end = p + len;
  while (p < end) {
    if (*p < 0x80) {
      p++;
      continue;
    }
    /* The allowed range of the second byte depends on the first (RFC 3629
     * section 4); that excludes overlong forms, surrogates and code points
     * past U+10FFFF. Later bytes are always 80..BF. */
    lo = 0x80;
    hi = 0xBF;
    if (*p >= 0xC2 && *p <= 0xDF) {
      n = 2;
    } else if (*p >= 0xE0 && *p <= 0xEF) {
      n = 3;
      if (*p == 0xE0)
        lo = 0xA0;
      else if (*p == 0xED)
        hi = 0x9F;
    } else if (*p >= 0xF0 && *p <= 0xF4) {
      n = 4;
      if (*p == 0xF0)
        lo = 0x90;
      else if (*p == 0xF4)
        hi = 0x8F;
    } else {
      return 0;
    }
    if ((size_t) (end - p) < n || p[1] < lo || p[1] > hi)
      return 0;
    for (i = 2; i < n; i++) {
      if (p[i] < 0x80 || p[i] > 0xBF)
        return 0;
    }
    p += n;
  }
  return 1;
}

uint32_t utf8_decode(const char* s, size_t* i) {
  const unsigned char* p;
  uint32_t cp;
  size_t n;
  size_t k;

  p = (const unsigned char*) s + *i;
  if (p[0] < 0x80) {
    n = 1;
    cp = p[0];
  } else if (p[0] < 0xE0) {
    n = 2;
    cp = p[0] & 0x1F;
  } else if (p[0] < 0xF0) {
    n = 3;
    cp = p[0] & 0x0F;
  } else {
    n = 4;
    cp = p[0] & 0x07;
  }
  for (k = 1; k < n; k++)
    cp = cp << 6 | (p[k] & 0x3F);
  *i += n;
  return cp;
}

size_t utf8_encode(uint32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char) cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char) (0xC0 | (cp >> 6));
    out[1] = (char) (0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char) (0xE0 | (cp >> 12));
    out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char) (0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char) (0xF0 | (cp >> 18));
  out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char) (0x80 | (cp & 0x3F));
  return 4;
}
