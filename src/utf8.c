/* UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
 * above U+10FFFF. ws__utf8_step() takes one byte and is the rule; the
 * scans below give the same answers 32 bytes at a time where the target
 * has vectors (simd.h), a word at a time elsewhere, and can unmask a frame's
 * payload in the same pass. Each scan carries its state from one call to
 * the next, so that a message arriving in pieces fails in the piece that
 * holds its first bad byte. */
#include "uvws_int.h"
#include "simd.h"

#include <string.h>

/* A state is 0 between characters, else the count of continuation bytes
 * still due and the range allowed for the next one. */
#define WS__UTF8_STATE(need, lo, hi)                                          \
  (((uint32_t) (need) << 16) | ((uint32_t) (lo) << 8) | (uint32_t) (hi))

#if defined(__GNUC__) || defined(__clang__)
#define WS__INLINE static inline __attribute__((always_inline))
#else
#define WS__INLINE static inline
#endif

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

#if WS__SIMD

/* Bytes are compared biased (XORed with 0x80), so that the signed
 * comparisons vectors have order them as unsigned. */
#define WS__B(c) ((signed char) ((c) ^ 0x80))

/* The bytes of cur that break the rules (0xff each, else 0), given the 16
 * before them. prev and cur are biased; raw is cur unbiased. */
WS__INLINE ws__i8x16 ws__utf8_errors16(ws__i8x16 prev, ws__i8x16 cur,
                                       ws__i8x16 raw) {
  static const ws__i8x16 below_c0 = WS__SPLAT16((signed char) 0xc0);
  static const ws__i8x16 lead2 = WS__SPLAT16(WS__B(0xbf));
  static const ws__i8x16 lead3 = WS__SPLAT16(WS__B(0xdf));
  static const ws__i8x16 lead4 = WS__SPLAT16(WS__B(0xef));
  static const ws__i8x16 above_f4 = WS__SPLAT16(WS__B(0xf4));
  static const ws__i8x16 even = WS__SPLAT16((signed char) 0xfe);
  static const ws__i8x16 c0 = WS__SPLAT16((signed char) 0xc0);
  static const ws__i8x16 e0 = WS__SPLAT16(WS__B(0xe0));
  static const ws__i8x16 ed = WS__SPLAT16(WS__B(0xed));
  static const ws__i8x16 f0 = WS__SPLAT16(WS__B(0xf0));
  static const ws__i8x16 f4 = WS__SPLAT16(WS__B(0xf4));
  static const ws__i8x16 above_9f = WS__SPLAT16(WS__B(0x9f));
  static const ws__i8x16 above_8f = WS__SPLAT16(WS__B(0x8f));
  ws__i8x16 p1;
  ws__i8x16 p2;
  ws__i8x16 p3;
  ws__i8x16 cont;
  ws__i8x16 due;
  ws__i8x16 high;
  ws__i8x16 err;

  /* The bytes one, two and three before each of cur. */
  p1 = WS__BEFORE16(prev, cur, 1);
  p2 = WS__BEFORE16(prev, cur, 2);
  p3 = WS__BEFORE16(prev, cur, 3);
  /* A byte must continue a character exactly when a lead before it, of
   * two, three or four bytes, says so: 0x80-0xbf are below 0xc0 signed. */
  cont = raw < below_c0;
  due = (p1 > lead2) | (p2 > lead3) | (p3 > lead4);
  err = cont ^ due;
  /* Never in UTF-8: 0xc0 and 0xc1 (overlong), 0xf5-0xff (too high). */
  err |= (cur > above_f4) | ((raw & even) == c0);
  /* The second byte after e0 (overlong), ed (surrogates), f0 (overlong)
   * and f4 (above U+10FFFF). */
  high = cur > above_9f;
  err |= ((p1 == e0) & ~high) | ((p1 == ed) & high);
  high = cur > above_8f;
  err |= ((p1 == f0) & ~high) | ((p1 == f4) & high);
  return err;
}

/* The same for bytes that hold no lead of three or four bytes, nor the
 * last three before them one whose character reaches into them: whether
 * each byte continues a character then depends on the byte before alone. */
WS__INLINE ws__i8x16 ws__utf8_errors16_short(ws__i8x16 prev, ws__i8x16 cur,
                                             ws__i8x16 raw) {
  static const ws__i8x16 below_c0 = WS__SPLAT16((signed char) 0xc0);
  static const ws__i8x16 lead2 = WS__SPLAT16(WS__B(0xbf));
  static const ws__i8x16 even = WS__SPLAT16((signed char) 0xfe);
  static const ws__i8x16 c0 = WS__SPLAT16((signed char) 0xc0);

  return ((raw < below_c0) ^ (WS__BEFORE16(prev, cur, 1) > lead2)) |
         ((raw & even) == c0);
}

#endif /* WS__SIMD */

/* The scan that every function below is: len bytes of src, XORed with key
 * from its offset when masked, checked from state on and written to dst
 * when store (dst may be src). It returns the state after them, and stops
 * early at WS__UTF8_REJECT (dst is then unmasked only in part). */
WS__INLINE uint32_t ws__utf8_run(uint32_t state, unsigned char* dst,
                                 const unsigned char* src, size_t len,
                                 const unsigned char* key, size_t offset,
                                 int masked, int store) {
  unsigned char turned[8];
  unsigned char bytes[16];
  uint64_t key8;
  uint64_t word;
  size_t i;
  size_t j;
  unsigned char c;
#if WS__SIMD
  static const ws__i8x16 bias = WS__SPLAT16((signed char) 0x80);
  static const ws__i8x16 ascii = WS__SPLAT16(WS__B(0));
  /* The leads in the last three bytes whose characters go on. */
  static const ws__i8x16 unfinished = {
    127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
    WS__B(0xef), WS__B(0xdf), WS__B(0xbf)};
  /* Leads of three or four bytes, and those before whose characters
   * reach past the end of their block by more than a byte. */
  static const ws__i8x16 long_lead = WS__SPLAT16(WS__B(0xdf));
  static const ws__i8x16 long_before = {
    127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
    WS__B(0xef), WS__B(0xdf), WS__B(0xdf)};
  ws__u8x16 key16;
  ws__u8x16 a;
  ws__u8x16 b;
  ws__u8x16 a2;
  ws__u8x16 b2;
  ws__i8x16 prev;
  ws__i8x16 ba;
  ws__i8x16 bb;
  ws__i8x16 err;
  size_t n;
  int text; /* prev holds more than ASCII */
#endif

  key8 = 0;
  i = 0;
  /* Finish a character begun before, a byte at a time. */
  for (; i < len && state != 0; i++) {
    c = masked ? src[i] ^ key[(offset + i) & 3] : src[i];
    if (store)
      dst[i] = c;
    state = ws__utf8_step(state, c);
    if (state == WS__UTF8_REJECT)
      return state;
  }
  /* From here, the key turned to start at i. */
  if (masked) {
    for (j = 0; j < 8; j++)
      turned[j] = key[(offset + i + j) & 3];
    memcpy(&key8, turned, 8);
  }
#if WS__SIMD
  key16 = ws__key16((uint32_t) key8);
  prev = ascii;
  text = 0;
  while (i + 32 <= len) {
    /* ASCII 64 bytes at a time while no character goes on from before.
     * Nothing is stored until all 64 are known to be ASCII, so that the
     * code below can take the block again from src. */
    for (; !text && i + 64 <= len; i += 64) {
      a = ws__load16(src + i);
      b = ws__load16(src + i + 16);
      a2 = ws__load16(src + i + 32);
      b2 = ws__load16(src + i + 48);
      if (masked) {
        a ^= key16;
        b ^= key16;
        a2 ^= key16;
        b2 ^= key16;
      }
      if (ws__any_top16(a | b | a2 | b2))
        break;
      if (store) {
        ws__store16(dst + i, a);
        ws__store16(dst + i + 16, b);
        ws__store16(dst + i + 32, a2);
        ws__store16(dst + i + 48, b2);
      }
    }
    if (i + 32 > len)
      break;
    a = ws__load16(src + i);
    b = ws__load16(src + i + 16);
    if (masked) {
      a ^= key16;
      b ^= key16;
    }
    if (store) {
      ws__store16(dst + i, a);
      ws__store16(dst + i + 16, b);
    }
    /* Laid out for ASCII, the common case, and the cheap one. */
    if (__builtin_expect(ws__any_top16(a | b), 0)) {
      ba = (ws__i8x16) a ^ bias;
      bb = (ws__i8x16) b ^ bias;
      /* Text of two-byte characters (Greek, Cyrillic, Hebrew, Arabic...)
       * has less to check. */
      if (ws__any_top16((ws__u8x16) ((ba > long_lead) | (bb > long_lead) |
                                     (prev > long_before))))
        err = ws__utf8_errors16(prev, ba, (ws__i8x16) a) |
              ws__utf8_errors16(ba, bb, (ws__i8x16) b);
      else
        err = ws__utf8_errors16_short(prev, ba, (ws__i8x16) a) |
              ws__utf8_errors16_short(ba, bb, (ws__i8x16) b);
      if (ws__any_top16((ws__u8x16) err))
        return WS__UTF8_REJECT;
      prev = bb;
      text = 1;
    } else if (__builtin_expect(text, 0)) {
      /* ASCII: right unless a character before it is unfinished. */
      if (ws__any_top16((ws__u8x16) (prev > unfinished)))
        return WS__UTF8_REJECT;
      prev = ascii;
      text = 0;
    }
    i += 32;
  }
  if (i + 16 <= len) {
    a = ws__load16(src + i);
    if (masked)
      a ^= key16;
    if (store)
      ws__store16(dst + i, a);
    ba = (ws__i8x16) a ^ bias;
    err = ws__utf8_errors16(prev, ba, (ws__i8x16) a);
    if (ws__any_top16((ws__u8x16) err))
      return WS__UTF8_REJECT;
    prev = ba;
    i += 16;
  }
  /* All is right before i but a last character that goes on past it:
   * take up its bytes again, as the state the bytes after it continue. */
  ws__store16(bytes, (ws__u8x16) (prev ^ bias));
  n = bytes[15] >= 0xc0 ? 1 : bytes[14] >= 0xe0 ? 2 : bytes[13] >= 0xf0 ? 3
                                                                        : 0;
  for (j = 16 - n; j < 16; j++)
    state = ws__utf8_step(state, bytes[j]);
#endif
  /* What is left (all of it without vectors): ASCII a word at a time
   * between characters, anything else a byte at a time. */
  for (; i + 8 <= len; i += 8) {
    memcpy(&word, src + i, 8);
    word ^= key8;
    if (store)
      memcpy(dst + i, &word, 8);
    if (state == 0 && (word & 0x8080808080808080ull) == 0)
      continue;
    memcpy(bytes, &word, 8);
    for (j = 0; j < 8; j++)
      state = ws__utf8_step(state, bytes[j]);
    if (state == WS__UTF8_REJECT)
      return state;
  }
  for (; i < len; i++) {
    c = masked ? src[i] ^ key[(offset + i) & 3] : src[i];
    if (store)
      dst[i] = c;
    state = ws__utf8_step(state, c);
  }
  return state;
}

uint32_t ws__utf8_scan(uint32_t state, const unsigned char* s, size_t len) {
  return ws__utf8_run(state, NULL, s, len, NULL, 0, 0, 0);
}

uint32_t ws__utf8_scan_masked(uint32_t state, const unsigned char* s,
                              size_t len, const unsigned char key[4],
                              size_t offset) {
  return ws__utf8_run(state, NULL, s, len, key, offset, 1, 0);
}

uint32_t ws__utf8_unmask(uint32_t state, unsigned char* dst,
                         const unsigned char* src, size_t len,
                         const unsigned char key[4], size_t offset) {
  return ws__utf8_run(state, dst, src, len, key, offset, 1, 1);
}

int ws__utf8_valid(const unsigned char* s, size_t len) {
  return ws__utf8_scan(0, s, len) == 0;
}
