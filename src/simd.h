/* Sixteen bytes at a time, through the compiler's vector extensions, on
 * targets whose registers hold them: SSE2 (every x86-64; SSSE3's palignr
 * when the build targets it) and NEON (every arm64). WS__SIMD is 1 there
 * and 0 elsewhere (other targets, other compilers, or UVWS_NO_SIMD
 * defined), where the callers go a word at a time instead. Chosen when the
 * library is compiled, for its target.
 *
 * WS__LOOKUP is 1 where 16 bytes can index a 16-entry table at once:
 * NEON's tbl on arm64, SSSE3's pshufb on x86. An x86 build that does not
 * target SSSE3 compiles its functions that need it with
 * WS__LOOKUP_TARGET and asks the CPU once, at run time, before it calls
 * them (ws__cpu_lookup()). */
#ifndef UVWS_SIMD_H
#define UVWS_SIMD_H

#include <stdint.h>
#include <string.h>

#if !defined(UVWS_NO_SIMD) && (defined(__GNUC__) || defined(__clang__)) && \
    (defined(__SSE2__) || defined(__ARM_NEON) || defined(__aarch64__))
#define WS__SIMD 1
#else
#define WS__SIMD 0
#endif

#if WS__SIMD

#if defined(__SSE2__)
#include <tmmintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#if defined(__aarch64__) || defined(__SSSE3__)
#define WS__LOOKUP 1
#define WS__LOOKUP_TARGET
#define ws__cpu_lookup() 1
#elif defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#define WS__LOOKUP 1
#define WS__LOOKUP_TARGET __attribute__((target("ssse3")))
/* Whether the CPU has SSSE3, asked once. */
static inline int ws__cpu_lookup(void) {
  static int known; /* 0 not asked yet, 1 no, 2 yes */
  unsigned int a;
  unsigned int b;
  unsigned int c;
  unsigned int d;
  int v;

  v = __atomic_load_n(&known, __ATOMIC_RELAXED);
  if (v == 0) {
    v = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) ? 2 : 1;
    __atomic_store_n(&known, v, __ATOMIC_RELAXED);
  }
  return v == 2;
}
#else
#define WS__LOOKUP 0
#endif

typedef unsigned char ws__u8x16 __attribute__((vector_size(16)));
typedef signed char ws__i8x16 __attribute__((vector_size(16)));
typedef uint32_t ws__u32x4 __attribute__((vector_size(16)));
typedef uint64_t ws__u64x2 __attribute__((vector_size(16)));

#define WS__SPLAT16(c) {c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c}

/* The 16 bytes that end n bytes before the end of cur, whose 16 before
 * are prev: prev's last n, then cur's first 16 - n. */
#if defined(__SSSE3__)
#define WS__BEFORE16(prev, cur, n)                                            \
  ((__typeof__(cur)) _mm_alignr_epi8((__m128i) (cur), (__m128i) (prev),       \
                                     16 - (n)))
#elif defined(__SSE2__)
#define WS__BEFORE16(prev, cur, n)                                            \
  ((__typeof__(cur)) _mm_or_si128(_mm_slli_si128((__m128i) (cur), n),         \
                                  _mm_srli_si128((__m128i) (prev), 16 - (n))))
#elif defined(__aarch64__)
#define WS__BEFORE16(prev, cur, n)                                            \
  ((__typeof__(cur)) vextq_u8((uint8x16_t) (prev), (uint8x16_t) (cur),        \
                              16 - (n)))
#elif defined(__clang__) || __GNUC__ >= 12
#define WS__BEFORE16(prev, cur, n)                                            \
  __builtin_shufflevector(prev, cur, 16 - (n), 17 - (n), 18 - (n), 19 - (n), \
                          20 - (n), 21 - (n), 22 - (n), 23 - (n), 24 - (n),   \
                          25 - (n), 26 - (n), 27 - (n), 28 - (n), 29 - (n),   \
                          30 - (n), 31 - (n))
#else
#define WS__BEFORE16(prev, cur, n)                                            \
  __builtin_shuffle(prev, cur,                                                \
                    (ws__i8x16){16 - (n), 17 - (n), 18 - (n), 19 - (n),       \
                                20 - (n), 21 - (n), 22 - (n), 23 - (n),       \
                                24 - (n), 25 - (n), 26 - (n), 27 - (n),       \
                                28 - (n), 29 - (n), 30 - (n), 31 - (n)})
#endif

static inline ws__u8x16 ws__load16(const unsigned char* p) {
  ws__u8x16 v;

  memcpy(&v, p, sizeof(v));
  return v;
}

static inline void ws__store16(unsigned char* p, ws__u8x16 v) {
  memcpy(p, &v, sizeof(v));
}

/* The 4-byte key, four times over. */
static inline ws__u8x16 ws__key16(uint32_t key) {
  ws__u32x4 k = {key, key, key, key};

  return (ws__u8x16) k;
}

/* Whether any byte of v has its top bit set. */
static inline int ws__any_top16(ws__u8x16 v) {
#if defined(__SSE2__)
  return _mm_movemask_epi8((__m128i) v) != 0;
#elif defined(__aarch64__)
  return vmaxvq_u8((uint8x16_t) v) >= 0x80;
#else
  ws__u64x2 w = (ws__u64x2) v;

  return ((w[0] | w[1]) & 0x8080808080808080ull) != 0;
#endif
}

#else
#define WS__LOOKUP 0
#endif /* WS__SIMD */

#endif /* UVWS_SIMD_H */
