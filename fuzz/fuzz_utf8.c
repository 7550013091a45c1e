/* libFuzzer target: ws__utf8_valid() against a decoder written the other
 * way round (code points first, then the rules of RFC 3629). */
#include "uvws_int.h"

#include <stdlib.h>

static int reference_valid(const uint8_t* s, size_t len) {
  size_t i;
  size_t n;
  size_t k;
  uint32_t cp;
  uint32_t min;

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

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (ws__utf8_valid(data, size) != reference_valid(data, size))
    abort();
  return 0;
}
