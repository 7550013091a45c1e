/* UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
 * above U+10FFFF. ws__utf8_step() takes one byte and is the rule; the
 * scans below give the same answers 16 to 64 bytes at a time where the
 * target has vectors (simd.h), by table lookups where it has them and by
 * comparisons otherwise, a word at a time elsewhere, and can unmask a
 * frame's payload in the same pass. Each scan carries its state from one call to
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

/* The scans below are each a pass over len bytes of src, XORed with key
 * from its offset when masked, checked from a state on and written to dst
 * when store (dst may be src). Each returns the state after them, and may
 * stop early at WS__UTF8_REJECT (dst is then unmasked only in part). They
 * are three parts: the rest of a character begun before, a byte at a time
 * (ws__utf8_finish()); blocks of 16 or more bytes, with vectors; what is
 * left, a word at a time (ws__utf8_words()). */

/* The bytes that finish a character begun before: how many of src. */
WS__INLINE size_t ws__utf8_finish(uint32_t* state, unsigned char* dst,
                                  const unsigned char* src, size_t len,
                                  const unsigned char* key, size_t offset,
                                  int masked, int store) {
  unsigned char c;
  size_t i;

  for (i = 0; i < len && *state != 0; i++) {
    c = masked ? src[i] ^ key[(offset + i) & 3] : src[i];
    if (store)
      dst[i] = c;
    *state = ws__utf8_step(*state, c);
    if (*state == WS__UTF8_REJECT)
      break;
  }
  return i;
}

/* The key as eight bytes, turned to start at offset. */
WS__INLINE uint64_t ws__utf8_key8(const unsigned char* key, size_t offset) {
  unsigned char turned[8];
  uint64_t key8;
  size_t j;

  for (j = 0; j < 8; j++)
    turned[j] = key[(offset + j) & 3];
  memcpy(&key8, turned, 8);
  return key8;
}

/* From byte i to the end: ASCII a word at a time between characters,
 * anything else a byte at a time. key8 is the key turned to start at i. */
WS__INLINE uint32_t ws__utf8_words(uint32_t state, unsigned char* dst,
                                   const unsigned char* src, size_t len,
                                   size_t i, const unsigned char* key,
                                   size_t offset, uint64_t key8, int masked,
                                   int store) {
  unsigned char bytes[8];
  uint64_t word;
  size_t j;
  unsigned char c;

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

#if WS__SIMD

/* The state after the last 16 bytes checked, last, which are right but
 * for a last character that may go on past them: its bytes taken up
 * again, as the state the bytes after them continue. */
static uint32_t ws__utf8_carry(ws__u8x16 last) {
  unsigned char bytes[16];
  uint32_t state;
  size_t n;
  size_t j;

  ws__store16(bytes, last);
  n = bytes[15] >= 0xc0 ? 1 : bytes[14] >= 0xe0 ? 2 : bytes[13] >= 0xf0 ? 3
                                                                        : 0;
  state = 0;
  for (j = 16 - n; j < 16; j++)
    state = ws__utf8_step(state, bytes[j]);
  return state;
}

/* Blocks of 16 and 32 bytes from i, between characters there, checked by
 * comparisons (ws__utf8_errors16()). Returns where they end, the state
 * there in *state. */
WS__INLINE size_t ws__utf8_compare_blocks(uint32_t* state, unsigned char* dst,
                                          const unsigned char* src,
                                          size_t len, size_t i,
                                          uint64_t key8, int masked,
                                          int store) {
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
  int text; /* prev holds more than ASCII */

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
      if (ws__any_top16((ws__u8x16) err)) {
        *state = WS__UTF8_REJECT;
        return i;
      }
      prev = bb;
      text = 1;
    } else if (__builtin_expect(text, 0)) {
      /* ASCII: right unless a character before it is unfinished. */
      if (ws__any_top16((ws__u8x16) (prev > unfinished))) {
        *state = WS__UTF8_REJECT;
        return i;
      }
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
    if (ws__any_top16((ws__u8x16) err)) {
      *state = WS__UTF8_REJECT;
      return i;
    }
    prev = ba;
    i += 16;
  }
  *state = ws__utf8_carry((ws__u8x16) (prev ^ bias));
  return i;
}

#endif /* WS__SIMD */

/* The scan with comparisons (or without vectors, words). */
WS__INLINE uint32_t ws__utf8_run(uint32_t state, unsigned char* dst,
                                 const unsigned char* src, size_t len,
                                 const unsigned char* key, size_t offset,
                                 int masked, int store) {
  uint64_t key8;
  size_t i;

  i = ws__utf8_finish(&state, dst, src, len, key, offset, masked, store);
  if (state != 0)
    return state; /* bad, or the input ends inside the character */
  key8 = masked ? ws__utf8_key8(key, offset + i) : 0;
#if WS__SIMD
  i = ws__utf8_compare_blocks(&state, dst, src, len, i, key8, masked, store);
  if (state == WS__UTF8_REJECT)
    return state;
#endif
  return ws__utf8_words(state, dst, src, len, i, key, offset, key8, masked,
                        store);
}

#if WS__LOOKUP

/* ---- The same by table lookups ----
 *
 * Whether a byte may follow the byte before it depends on the high half
 * of the byte before, its low half and the high half of the byte: each of
 * three 16-entry tables, indexed by one of these, gives the kinds of
 * error its half allows (a bit each), and a pair is wrong in the kinds
 * that all three allow. A continuation byte after another is wrong but
 * where a lead two or three bytes before calls for it: that bit is
 * flipped there. */

enum {
  WS__UTF8_SHORT = 0x01,     /* lead, then no continuation */
  WS__UTF8_LONE = 0x02,      /* ASCII, then a continuation */
  WS__UTF8_OVER3 = 0x04,     /* e0 80-9f: overlong */
  WS__UTF8_LARGE = 0x08,     /* f4-ff 90-bf: above U+10FFFF */
  WS__UTF8_SURROGATE = 0x10, /* ed a0-bf */
  WS__UTF8_OVER2 = 0x20,     /* c0-c1, then a continuation */
  WS__UTF8_80 = 0x40,        /* f0 80-8f (overlong), f5-ff 80-8f */
  WS__UTF8_TWO = 0x80        /* continuation, then a continuation */
};

#define WS__UTF8_ANY_CONT                                                    \
  (WS__UTF8_SHORT | WS__UTF8_LONE | WS__UTF8_TWO)
#define WS__UTF8_TABLE(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, xa, xb, xc,    \
                       xd, xe, xf)                                            \
  {x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, xa, xb, xc, xd, xe, xf}

/* By the high half of the byte before. */
static const unsigned char ws__utf8_before_high[16] = WS__UTF8_TABLE(
    WS__UTF8_LONE, WS__UTF8_LONE, WS__UTF8_LONE, WS__UTF8_LONE,
    WS__UTF8_LONE, WS__UTF8_LONE, WS__UTF8_LONE, WS__UTF8_LONE,
    WS__UTF8_TWO, WS__UTF8_TWO, WS__UTF8_TWO, WS__UTF8_TWO,
    WS__UTF8_SHORT | WS__UTF8_OVER2,
    WS__UTF8_SHORT,
    WS__UTF8_SHORT | WS__UTF8_OVER3 | WS__UTF8_SURROGATE,
    WS__UTF8_SHORT | WS__UTF8_LARGE | WS__UTF8_80);

/* By the low half of the byte before. */
static const unsigned char ws__utf8_before_low[16] = WS__UTF8_TABLE(
    WS__UTF8_ANY_CONT | WS__UTF8_OVER3 | WS__UTF8_OVER2 | WS__UTF8_80,
    WS__UTF8_ANY_CONT | WS__UTF8_OVER2,
    WS__UTF8_ANY_CONT,
    WS__UTF8_ANY_CONT,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80 | WS__UTF8_SURROGATE,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80,
    WS__UTF8_ANY_CONT | WS__UTF8_LARGE | WS__UTF8_80);

/* By the high half of the byte itself. */
#define WS__UTF8_CONT_AFTER (WS__UTF8_LONE | WS__UTF8_TWO | WS__UTF8_OVER2)
static const unsigned char ws__utf8_high[16] = WS__UTF8_TABLE(
    WS__UTF8_SHORT, WS__UTF8_SHORT, WS__UTF8_SHORT, WS__UTF8_SHORT,
    WS__UTF8_SHORT, WS__UTF8_SHORT, WS__UTF8_SHORT, WS__UTF8_SHORT,
    WS__UTF8_CONT_AFTER | WS__UTF8_OVER3 | WS__UTF8_80,
    WS__UTF8_CONT_AFTER | WS__UTF8_OVER3 | WS__UTF8_LARGE,
    WS__UTF8_CONT_AFTER | WS__UTF8_LARGE | WS__UTF8_SURROGATE,
    WS__UTF8_CONT_AFTER | WS__UTF8_LARGE | WS__UTF8_SURROGATE,
    WS__UTF8_SHORT, WS__UTF8_SHORT, WS__UTF8_SHORT, WS__UTF8_SHORT);

/* The last three bytes' limits, above which a character goes on. */
static const unsigned char ws__utf8_open_limits[16] = WS__UTF8_TABLE(
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xef, 0xdf, 0xbf);

#if defined(__aarch64__)

typedef uint8x16_t ws__utf8_vec;

/* The errors of cur (nonzero bytes), given the 16 bytes before it. */
WS__INLINE uint8x16_t ws__utf8_lookup16(uint8x16_t prev, uint8x16_t cur) {
  const uint8x16_t low = vdupq_n_u8(0x0f);
  uint8x16_t p1;
  uint8x16_t p2;
  uint8x16_t p3;
  uint8x16_t kinds;
  uint8x16_t called;

  p1 = vextq_u8(prev, cur, 15);
  p2 = vextq_u8(prev, cur, 14);
  p3 = vextq_u8(prev, cur, 13);
  kinds = vqtbl1q_u8(vld1q_u8(ws__utf8_before_high), vshrq_n_u8(p1, 4));
  kinds = vandq_u8(kinds, vqtbl1q_u8(vld1q_u8(ws__utf8_before_low),
                                     vandq_u8(p1, low)));
  kinds = vandq_u8(kinds,
                   vqtbl1q_u8(vld1q_u8(ws__utf8_high), vshrq_n_u8(cur, 4)));
  /* Continuations called for: after e0-ff two before, f0-ff three. */
  called = vorrq_u8(vqsubq_u8(p2, vdupq_n_u8(0xe0 - 0x80)),
                    vqsubq_u8(p3, vdupq_n_u8(0xf0 - 0x80)));
  called = vandq_u8(called, vdupq_n_u8(0x80));
  return veorq_u8(kinds, called);
}

/* A character in the last three bytes of prev that goes on after them. */
WS__INLINE uint8x16_t ws__utf8_open16(uint8x16_t prev) {
  return vqsubq_u8(prev, vld1q_u8(ws__utf8_open_limits));
}

#define ws__utf8_vor(a, b) vorrq_u8(a, b)
#define ws__utf8_vzero() vdupq_n_u8(0)
#define ws__utf8_vany(v) (vmaxvq_u8(v) != 0)

#else /* SSSE3 */

typedef __m128i ws__utf8_vec;

WS__LOOKUP_TARGET WS__INLINE __m128i ws__utf8_lookup16(__m128i prev,
                                                       __m128i cur) {
  const __m128i low = _mm_set1_epi8(0x0f);
  __m128i p1;
  __m128i p2;
  __m128i p3;
  __m128i kinds;
  __m128i called;

  p1 = _mm_alignr_epi8(cur, prev, 15);
  p2 = _mm_alignr_epi8(cur, prev, 14);
  p3 = _mm_alignr_epi8(cur, prev, 13);
  kinds = _mm_shuffle_epi8(
      _mm_loadu_si128((const __m128i*) ws__utf8_before_high),
      _mm_and_si128(_mm_srli_epi16(p1, 4), low));
  kinds = _mm_and_si128(
      kinds, _mm_shuffle_epi8(
                 _mm_loadu_si128((const __m128i*) ws__utf8_before_low),
                 _mm_and_si128(p1, low)));
  kinds = _mm_and_si128(
      kinds, _mm_shuffle_epi8(_mm_loadu_si128((const __m128i*) ws__utf8_high),
                              _mm_and_si128(_mm_srli_epi16(cur, 4), low)));
  /* Continuations called for: after e0-ff two before, f0-ff three. */
  called = _mm_or_si128(
      _mm_subs_epu8(p2, _mm_set1_epi8((char) (0xe0 - 0x80))),
      _mm_subs_epu8(p3, _mm_set1_epi8((char) (0xf0 - 0x80))));
  called = _mm_and_si128(called, _mm_set1_epi8((char) 0x80));
  return _mm_xor_si128(kinds, called);
}

WS__LOOKUP_TARGET WS__INLINE __m128i ws__utf8_open16(__m128i prev) {
  return _mm_subs_epu8(
      prev, _mm_loadu_si128((const __m128i*) ws__utf8_open_limits));
}

#define ws__utf8_vor(a, b) _mm_or_si128(a, b)
#define ws__utf8_vzero() _mm_setzero_si128()
#define ws__utf8_vany(v) (_mm_movemask_epi8(_mm_cmpeq_epi8(v, \
                                              _mm_setzero_si128())) != 0xffff)

#endif

/* 16 bytes of src at i, unmasked when masked, stored at dst when store. */
WS__INLINE ws__u8x16 ws__utf8_take16(unsigned char* dst,
                                     const unsigned char* src, size_t i,
                                     ws__u8x16 key16, int masked, int store) {
  ws__u8x16 v;

  v = ws__load16(src + i);
  if (masked)
    v ^= key16;
  if (store)
    ws__store16(dst + i, v);
  return v;
}

/* Blocks of 64 bytes from i, between characters there, then of 16,
 * checked by lookups. Returns where they end, the state there in *state. */
WS__LOOKUP_TARGET WS__INLINE size_t ws__utf8_lookup_blocks(
    uint32_t* state, unsigned char* dst, const unsigned char* src,
    size_t len, size_t i, uint64_t key8, int masked, int store) {
  ws__u8x16 key16;
  ws__u8x16 a;
  ws__u8x16 b;
  ws__u8x16 c;
  ws__u8x16 d;
  ws__utf8_vec prev;
  ws__utf8_vec err;

  key16 = ws__key16((uint32_t) key8);
  prev = ws__utf8_vzero();
  err = ws__utf8_vzero();
  for (; i + 64 <= len; i += 64) {
    a = ws__utf8_take16(dst, src, i, key16, masked, store);
    b = ws__utf8_take16(dst, src, i + 16, key16, masked, store);
    c = ws__utf8_take16(dst, src, i + 32, key16, masked, store);
    d = ws__utf8_take16(dst, src, i + 48, key16, masked, store);
    /* ASCII is right unless a character before it is unfinished. */
    if (!ws__any_top16(a | b | c | d)) {
      err = ws__utf8_vor(err, ws__utf8_open16(prev));
      prev = ws__utf8_vzero();
      continue;
    }
    err = ws__utf8_vor(err, ws__utf8_lookup16(prev, (ws__utf8_vec) a));
    err = ws__utf8_vor(err, ws__utf8_lookup16((ws__utf8_vec) a,
                                              (ws__utf8_vec) b));
    err = ws__utf8_vor(err, ws__utf8_lookup16((ws__utf8_vec) b,
                                              (ws__utf8_vec) c));
    err = ws__utf8_vor(err, ws__utf8_lookup16((ws__utf8_vec) c,
                                              (ws__utf8_vec) d));
    prev = (ws__utf8_vec) d;
  }
  for (; i + 16 <= len; i += 16) {
    a = ws__utf8_take16(dst, src, i, key16, masked, store);
    err = ws__utf8_vor(err, ws__utf8_lookup16(prev, (ws__utf8_vec) a));
    prev = (ws__utf8_vec) a;
  }
  if (ws__utf8_vany(err))
    *state = WS__UTF8_REJECT;
  else
    *state = ws__utf8_carry((ws__u8x16) prev);
  return i;
}

/* The scan by lookups. */
WS__LOOKUP_TARGET WS__INLINE uint32_t ws__utf8_run_lookup(
    uint32_t state, unsigned char* dst, const unsigned char* src, size_t len,
    const unsigned char* key, size_t offset, int masked, int store) {
  uint64_t key8;
  size_t i;

  i = ws__utf8_finish(&state, dst, src, len, key, offset, masked, store);
  if (state != 0)
    return state; /* bad, or the input ends inside the character */
  key8 = masked ? ws__utf8_key8(key, offset + i) : 0;
  i = ws__utf8_lookup_blocks(&state, dst, src, len, i, key8, masked, store);
  if (state == WS__UTF8_REJECT)
    return state;
  return ws__utf8_words(state, dst, src, len, i, key, offset, key8, masked,
                        store);
}

WS__LOOKUP_TARGET static uint32_t ws__utf8_scan_lookup(
    uint32_t state, const unsigned char* s, size_t len) {
  return ws__utf8_run_lookup(state, NULL, s, len, NULL, 0, 0, 0);
}

WS__LOOKUP_TARGET static uint32_t ws__utf8_scan_masked_lookup(
    uint32_t state, const unsigned char* s, size_t len,
    const unsigned char* key, size_t offset) {
  return ws__utf8_run_lookup(state, NULL, s, len, key, offset, 1, 0);
}

WS__LOOKUP_TARGET static uint32_t ws__utf8_unmask_lookup(
    uint32_t state, unsigned char* dst, const unsigned char* src, size_t len,
    const unsigned char* key, size_t offset) {
  return ws__utf8_run_lookup(state, dst, src, len, key, offset, 1, 1);
}

static int ws__utf8_lookup_off; /* set by ws__utf8_use_lookup(0) */

static int ws__utf8_by_lookup(void) {
  return !__atomic_load_n(&ws__utf8_lookup_off, __ATOMIC_RELAXED) &&
         ws__cpu_lookup();
}

#endif /* WS__LOOKUP */

int ws__utf8_use_lookup(int on) {
#if WS__LOOKUP
  __atomic_store_n(&ws__utf8_lookup_off, !on, __ATOMIC_RELAXED);
  return ws__utf8_by_lookup();
#else
  (void) on;
  return 0;
#endif
}

uint32_t ws__utf8_scan(uint32_t state, const unsigned char* s, size_t len) {
#if WS__LOOKUP
  if (ws__utf8_by_lookup())
    return ws__utf8_scan_lookup(state, s, len);
#endif
  return ws__utf8_run(state, NULL, s, len, NULL, 0, 0, 0);
}

uint32_t ws__utf8_scan_masked(uint32_t state, const unsigned char* s,
                              size_t len, const unsigned char key[4],
                              size_t offset) {
#if WS__LOOKUP
  if (ws__utf8_by_lookup())
    return ws__utf8_scan_masked_lookup(state, s, len, key, offset);
#endif
  return ws__utf8_run(state, NULL, s, len, key, offset, 1, 0);
}

uint32_t ws__utf8_unmask(uint32_t state, unsigned char* dst,
                         const unsigned char* src, size_t len,
                         const unsigned char key[4], size_t offset) {
#if WS__LOOKUP
  if (ws__utf8_by_lookup())
    return ws__utf8_unmask_lookup(state, dst, src, len, key, offset);
#endif
  return ws__utf8_run(state, dst, src, len, key, offset, 1, 1);
}

int ws__utf8_valid(const unsigned char* s, size_t len) {
  return ws__utf8_scan(0, s, len) == 0;
}
