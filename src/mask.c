/* Masking (RFC 6455, 5.3): payload bytes XORed with a 4-byte key that
 * repeats, 32 bytes at a time where the target has vectors (simd.h). */
#include "uvws_int.h"
#include "simd.h"

#include <string.h>

void ws__mask_copy(unsigned char* dst, const unsigned char* src, size_t len,
                   const unsigned char key[4]) {
  unsigned char key_twice[8];
  uint64_t key8;
  uint64_t word;
  size_t i;
#if WS__SIMD
  ws__u8x16 key16;
  ws__u8x16 a;
  ws__u8x16 b;
#endif

  /* Every run below starts at a multiple of four: the key lines up. */
  memcpy(key_twice, key, 4);
  memcpy(key_twice + 4, key, 4);
  memcpy(&key8, key_twice, 8);
  i = 0;
#if WS__SIMD
  key16 = ws__key16((uint32_t) key8);
  for (; i + 32 <= len; i += 32) {
    a = ws__load16(src + i);
    b = ws__load16(src + i + 16);
    ws__store16(dst + i, a ^ key16);
    ws__store16(dst + i + 16, b ^ key16);
  }
  if (i + 16 <= len) {
    ws__store16(dst + i, ws__load16(src + i) ^ key16);
    i += 16;
  }
#endif
  for (; i + 8 <= len; i += 8) {
    memcpy(&word, src + i, 8);
    word ^= key8;
    memcpy(dst + i, &word, 8);
  }
  for (; i < len; i++)
    dst[i] = src[i] ^ key[i & 3];
}
