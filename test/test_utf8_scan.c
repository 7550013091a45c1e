/* The UTF-8 scans (ws__utf8_scan(), ws__utf8_scan_masked(),
 * ws__utf8_unmask()), which go many bytes at a time, give the state that
 * ws__utf8_step() gives a byte at a time: for every kind of valid and
 * invalid sequence at every offset in and across 16- and 32-byte blocks,
 * after ASCII and after text of 2-, 3- and 4-byte characters, at the end of
 * the input (cut short) and before more of it, and for input split in two
 * at every position (a message arriving in pieces). ws__utf8_step() itself
 * is checked against a decoder written the other way round. All of it
 * twice where the build and the CPU have both vector scans: by table
 * lookups (SSSE3, NEON) and by comparisons. */
#include "test.h"
#include "utf8_decode.h"
#include "uvws_int.h"

#define MAX_LEN 160

typedef struct {
  const char* bytes;
  int valid; /* followed by ASCII */
} sequence_t;

static const sequence_t sequences[] = {
  /* Valid: the first and last code point of every length and range. */
  {"\x00", 1}, {"\x7f", 1}, {"\xc2\x80", 1}, {"\xdf\xbf", 1},
  {"\xe0\xa0\x80", 1}, {"\xe0\xbf\xbf", 1}, {"\xe1\x80\x80", 1},
  {"\xec\xbf\xbf", 1}, {"\xed\x80\x80", 1}, {"\xed\x9f\xbf", 1},
  {"\xee\x80\x80", 1}, {"\xef\xbf\xbf", 1}, {"\xf0\x90\x80\x80", 1},
  {"\xf0\xbf\xbf\xbf", 1}, {"\xf1\x80\x80\x80", 1}, {"\xf3\xbf\xbf\xbf", 1},
  {"\xf4\x80\x80\x80", 1}, {"\xf4\x8f\xbf\xbf", 1},
  /* Overlong forms. */
  {"\xc0\x80", 0}, {"\xc0\xaf", 0}, {"\xc1\xbf", 0}, {"\xe0\x80\x80", 0},
  {"\xe0\x9f\xbf", 0}, {"\xf0\x80\x80\x80", 0}, {"\xf0\x8f\xbf\xbf", 0},
  /* Surrogates. */
  {"\xed\xa0\x80", 0}, {"\xed\xaf\xbf", 0}, {"\xed\xb0\x80", 0},
  {"\xed\xbf\xbf", 0}, {"\xed\xa0\x80\xed\xb0\x80", 0},
  /* Above U+10FFFF, and bytes never in UTF-8. */
  {"\xf4\x90\x80\x80", 0}, {"\xf4\xbf\xbf\xbf", 0}, {"\xf5\x80\x80\x80", 0},
  {"\xf7\xbf\xbf\xbf", 0}, {"\xf8\x88\x80\x80\x80", 0}, {"\xfe", 0},
  {"\xff", 0},
  /* Continuation bytes with no lead, or one too many. */
  {"\x80", 0}, {"\xbf", 0}, {"\xc2\x80\x80", 0}, {"\xe1\x80\x80\x80", 0},
  {"\xf1\x80\x80\x80\x80", 0},
  /* Leads cut short by ASCII or by another lead. */
  {"\xc2", 0}, {"\xe1\x80", 0}, {"\xe1", 0}, {"\xf1\x80\x80", 0},
  {"\xf1\x80", 0}, {"\xf1", 0}, {"\xc2\xc2\x80", 0}, {"\xe1\xc2\x80", 0},
  {"\xf1\x80\xe1\x80\x80", 0}, {"\xe0\xa0", 0}, {"\xf4\x8f\xbf", 0},
  /* Each kind of error the lookups tell apart, at its edges. */
  {"\xc1", 0}, {"\xc1\x80", 0}, {"\xc2\x7f", 0}, {"\xdf\xc0", 0},
  {"\xe0\x9f", 0}, {"\xe0\xa0\x7f", 0}, {"\xed\x9f\xc0", 0},
  {"\xed\xa0", 0}, {"\xef\xbf\xbf\x80", 0}, {"\xf0\x8f", 0},
  {"\xf0\x90\x80\x7f", 0}, {"\xf4\x8f\xbf\xbf\x80", 0},
  {"\xf4\x90", 0}, {"\xf5", 0}, {"\xf5\x90\x80\x80", 0},
  {"\xf8\x80", 0}, {"\xfb\xbf", 0}, {"\xfc\x80", 0}, {"\xff\x80", 0},
  {"\x7f\x80", 0}, {"\xc2\x80\xbf", 0}, {"\xe1\x80\x80\xbf", 0},
  {"\xee\x80\xbf", 1}, {"\xe0\xa0\xbf", 1}, {"\xf3\x80\x80\x80", 1},
};

/* Text after which the sequences go: each a whole character. */
static const char* const fillers[] = {"a", "\xc3\xa9", "\xe2\x82\xac",
                                      "\xf0\x9f\x98\x80"};

static void mask(unsigned char* out, const unsigned char* in, size_t len,
                 const unsigned char key[4], size_t offset) {
  size_t i;

  for (i = 0; i < len; i++)
    out[i] = in[i] ^ key[(offset + i) & 3];
}

static const unsigned char key[4] = {0x9d, 0x21, 0xe4, 0x5b};

/* Every scan of s, whole and (when splits) split at every position,
 * against the byte-at-a-time states. */
static void check(const unsigned char* s, size_t len, int splits) {
  unsigned char masked[MAX_LEN];
  unsigned char out[MAX_LEN];
  uint32_t states[MAX_LEN + 1];
  uint32_t want;
  uint32_t got;
  size_t at;
  size_t k;

  ASSERT(len <= MAX_LEN);
  states[0] = 0;
  for (k = 0; k < len; k++)
    states[k + 1] = ws__utf8_step(states[k], s[k]);
  want = states[len];
  ASSERT_EQ(utf8_decode_valid(s, len), want == 0);
  ASSERT_EQ(want == 0, ws__utf8_valid(s, len));
  ASSERT_UINT64_EQ(want, ws__utf8_scan(0, s, len));
  for (at = 0; at < 4; at++) {
    mask(masked, s, len, key, at);
    ASSERT_UINT64_EQ(want, ws__utf8_scan_masked(0, masked, len, key, at));
    memset(out, 0, sizeof(out));
    got = ws__utf8_unmask(0, out, masked, len, key, at);
    ASSERT_UINT64_EQ(want, got);
    if (got != WS__UTF8_REJECT)
      ASSERT_EQ(0, memcmp(out, s, len));
    got = ws__utf8_unmask(0, masked, masked, len, key, at);
    ASSERT_UINT64_EQ(want, got);
    if (got != WS__UTF8_REJECT)
      ASSERT_EQ(0, memcmp(masked, s, len));
  }
  if (!splits)
    return;
  mask(masked, s, len, key, 0);
  for (k = 0; k <= len; k++) {
    /* The first piece ends in the state the bytes so far give, or
     * rejects as soon as they are wrong; the second goes on from it. */
    got = ws__utf8_scan(0, s, k);
    if (got != states[k])
      TEST__FAIL("split at %zu of %zu: state %x, want %x", k, len, got,
                 states[k]);
    ASSERT_UINT64_EQ(want, ws__utf8_scan(got, s + k, len - k));
    ASSERT_UINT64_EQ(states[k], ws__utf8_scan_masked(0, masked, k, key, 0));
    ASSERT_UINT64_EQ(want, ws__utf8_scan_masked(states[k], masked + k,
                                                len - k, key, k));
    memcpy(out, masked, len);
    ASSERT_UINT64_EQ(states[k], ws__utf8_unmask(0, out, out, k, key, 0));
    got = ws__utf8_unmask(states[k], out + k, out + k, len - k, key, k);
    ASSERT_UINT64_EQ(want, got);
    if (got != WS__UTF8_REJECT)
      ASSERT_EQ(0, memcmp(out, s, len));
  }
}

/* filler characters, then lead ASCII bytes, the sequence, then tail bytes
 * of ASCII (or, when tail is short, the input ends in the sequence). */
static size_t build(unsigned char* buf, const char* filler, size_t count,
                    size_t lead, const sequence_t* seq, size_t seq_len,
                    size_t tail) {
  size_t flen;
  size_t n;
  size_t i;

  flen = strlen(filler);
  n = 0;
  for (i = 0; i < count; i++, n += flen)
    memcpy(buf + n, filler, flen);
  memset(buf + n, 'x', lead);
  n += lead;
  memcpy(buf + n, seq->bytes, seq_len);
  n += seq_len;
  for (i = 0; i < tail; i++)
    buf[n++] = (unsigned char) ('0' + i % 10);
  return n;
}

static void check_sequences(void) {
  unsigned char buf[MAX_LEN];
  const sequence_t* seq;
  size_t seq_len;
  size_t s;
  size_t f;
  size_t flen;
  size_t offset;
  size_t count;
  size_t tail;
  size_t len;

  for (s = 0; s < sizeof(sequences) / sizeof(sequences[0]); s++) {
    seq = &sequences[s];
    seq_len = seq->bytes[0] == '\0' ? 1 : strlen(seq->bytes);
    /* The annotation agrees with the rule. */
    len = build(buf, "a", 0, 0, seq, seq_len, 1);
    ASSERT_EQ(seq->valid, utf8_decode_valid(buf, len));
    for (f = 0; f < sizeof(fillers) / sizeof(fillers[0]); f++) {
      flen = strlen(fillers[f]);
      /* Every offset through three 32-byte blocks. */
      for (offset = 0; offset < 100; offset++) {
        count = offset / flen;
        for (tail = 0; tail < 40; tail += 13) {
          len = build(buf, fillers[f], count, offset % flen, seq, seq_len,
                      tail);
          /* Splits everywhere where the blocks are the first two. */
          check(buf, len, offset < 40 && tail == 13);
        }
      }
    }
  }
}

/* Text of random characters and bytes, bad ones now and then. */
static void check_random(void) {
  static const char* const tokens[] = {
    "a", "Z", " ", "\xc3\xa9", "\xd0\x96", "\xe2\x82\xac", "\xe4\xb8\xad",
    "\xed\x9f\xbf", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
    "\x80", "\xc0", "\xe0\x80", "\xed\xa0", "\xf4\x90", "\xf8", "\xe1",
    "\xf1\x80"};
  unsigned char buf[MAX_LEN];
  uint32_t seed;
  size_t len;
  size_t want;
  size_t t;
  size_t n;
  int round;

  seed = 17;
  for (round = 0; round < 3000; round++) {
    seed = seed * 1103515245u + 12345u;
    want = (seed >> 8) % (MAX_LEN - 4);
    len = 0;
    while (len < want) {
      seed = seed * 1103515245u + 12345u;
      /* Mostly good characters: bad ones one time in 40. */
      t = (seed >> 16) % 400;
      t = t < 390 ? t % 10 : 10 + t % 8;
      n = strlen(tokens[t]);
      memcpy(buf + len, tokens[t], n);
      len += n;
    }
    check(buf, len, round % 16 == 0);
  }
}

int main(void) {
  int lookup;

  for (lookup = 1; lookup >= 0; lookup--) {
    if (ws__utf8_use_lookup(lookup) != lookup)
      continue; /* no lookups on this build or CPU */
    check_sequences();
    check_random();
  }
  ws__utf8_use_lookup(1);
  return 0;
}
