/* Every string of four bytes drawn from the bytes at the edges of every
 * range UTF-8 tells apart (and every pair of all 256), set in ASCII where
 * it crosses the end of a 16-byte block at each byte and the end of a
 * 64-byte one, or ends the input (cut short), gives by ws__utf8_scan() the
 * state ws__utf8_step() gives a byte at a time, itself checked against a
 * decoder written the other way round. By table lookups and by
 * comparisons, where the build and the CPU have both. */
#include "test.h"
#include "utf8_decode.h"
#include "uvws_int.h"

#define LEN 80

static const unsigned char edges[] = {
  0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
  0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0,
  0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfb, 0xfc, 0xff};

#define EDGES (sizeof(edges) / sizeof(edges[0]))

static unsigned long long checked;

/* s (n bytes) at pos in ASCII; the input ends after it when cut. */
static void check(const unsigned char* s, size_t n, size_t pos, int cut) {
  unsigned char buf[LEN];
  uint32_t want;
  uint32_t got;
  size_t len;
  size_t i;

  memset(buf, 'a', sizeof(buf));
  memcpy(buf + pos, s, n);
  len = cut ? pos + n : LEN;
  want = 0;
  for (i = 0; i < len; i++)
    want = ws__utf8_step(want, buf[i]);
  if (!cut && (want == 0) != utf8_decode_valid(buf, len))
    TEST__FAIL("the rule and the decoder differ on %02x %02x %02x %02x",
               s[0], n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0);
  got = ws__utf8_scan(0, buf, len);
  if (got != want)
    TEST__FAIL("%02x %02x %02x %02x at %zu%s: state %x, want %x", s[0],
               n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, pos,
               cut ? ", cut" : "", got, want);
  checked++;
}

static void check_all(void) {
  static const size_t places[] = {13, 14, 15, 62};
  unsigned char s[4];
  size_t a, b, c, d, p;

  for (a = 0; a < 256; a++) {
    for (b = 0; b < 256; b++) {
      s[0] = (unsigned char) a;
      s[1] = (unsigned char) b;
      check(s, 2, 15, 0);
      check(s, 2, 63, 0);
      check(s, 2, 62, 1);
    }
  }
  for (a = 0; a < EDGES; a++) {
    for (b = 0; b < EDGES; b++) {
      for (c = 0; c < EDGES; c++) {
        for (d = 0; d < EDGES; d++) {
          s[0] = edges[a];
          s[1] = edges[b];
          s[2] = edges[c];
          s[3] = edges[d];
          for (p = 0; p < sizeof(places) / sizeof(places[0]); p++)
            check(s, 4, places[p], 0);
          check(s, 4, 60, 1);
        }
      }
    }
  }
}

int main(void) {
  int lookup;

  for (lookup = 1; lookup >= 0; lookup--) {
    if (ws__utf8_use_lookup(lookup) != lookup)
      continue; /* no lookups on this build or CPU */
    check_all();
  }
  ws__utf8_use_lookup(1);
  ASSERT_LT(0, (int64_t) checked);
  return 0;
}
