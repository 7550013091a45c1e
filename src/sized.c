/* Structs that programs pass with the size they were compiled with (see
 * "Binary compatibility" in uvws.h): fields are only appended, so the
 * first bytes of any two versions mean the same. */
#include "uvws_int.h"

#include <string.h>

int ws__copy_sized(void* dst, size_t dst_size, const void* src,
                   size_t src_size, size_t min_size) {
  const unsigned char* extra;
  size_t i;

  if (src_size < min_size)
    return WS_EINVAL;
  if (src_size > dst_size) {
    /* A newer program's fields this library does not know: only zeros
     * (their "unset") may be ignored. */
    extra = (const unsigned char*) src + dst_size;
    for (i = 0; i < src_size - dst_size; i++)
      if (extra[i] != 0)
        return WS_EINVAL;
    src_size = dst_size;
  }
  memcpy(dst, src, src_size);
  return 0;
}

void ws__init_sized(void* dst, size_t dst_size, const void* defaults,
                    size_t defaults_size) {
  memset(dst, 0, dst_size);
  memcpy(dst, defaults, dst_size < defaults_size ? dst_size : defaults_size);
}
