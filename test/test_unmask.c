/* Unmasking, as ws__mask_copy() and ws__utf8_unmask() do it many bytes at
 * a time, gives the bytes a byte-at-a-time XOR gives: every length from 0
 * to 300, every key offset, source and destination at every alignment in
 * a 16-byte block, copied and in place, nothing written past the end. */
#include "test.h"
#include "uvws_int.h"

#define MAX_LEN 300
#define SLACK 48
#define GUARD 0xa5

static unsigned char src_buf[MAX_LEN + SLACK];
static unsigned char dst_buf[MAX_LEN + SLACK];
static unsigned char binary[MAX_LEN];
static unsigned char text[MAX_LEN];

static void reference(unsigned char* out, const unsigned char* in,
                      size_t len, const unsigned char key[4],
                      size_t offset) {
  size_t i;

  for (i = 0; i < len; i++)
    out[i] = in[i] ^ key[(offset + i) & 3];
}

/* Any bytes, and printable ASCII (valid UTF-8 for the scans). */
static void fill(size_t len, uint32_t seed) {
  size_t i;

  for (i = 0; i < len; i++) {
    seed = seed * 1103515245u + 12345u;
    binary[i] = (unsigned char) (seed >> 16);
    text[i] = (unsigned char) (' ' + (seed >> 16) % 95);
  }
}

static void check_guards(size_t start, size_t len) {
  size_t i;

  for (i = 0; i < start; i++)
    ASSERT_EQ(GUARD, dst_buf[i]);
  for (i = start + len; i < sizeof(dst_buf); i++)
    ASSERT_EQ(GUARD, dst_buf[i]);
}

/* Copies: src at one alignment, dst at another. */
static void check_copy(size_t len, size_t src_at, size_t dst_at,
                       const unsigned char key[4], size_t offset) {
  unsigned char* src;
  unsigned char* dst;

  src = src_buf + src_at;
  dst = dst_buf + dst_at;
  if (offset == 0) {
    reference(src, binary, len, key, 0);
    memset(dst_buf, GUARD, sizeof(dst_buf));
    ws__mask_copy(dst, src, len, key);
    if (memcmp(dst, binary, len) != 0)
      TEST__FAIL("mask_copy len %zu src+%zu dst+%zu", len, src_at, dst_at);
    check_guards(dst_at, len);
  }
  reference(src, text, len, key, offset);
  memset(dst_buf, GUARD, sizeof(dst_buf));
  ASSERT_EQ(0, ws__utf8_unmask(0, dst, src, len, key, offset));
  if (memcmp(dst, text, len) != 0)
    TEST__FAIL("utf8_unmask len %zu src+%zu dst+%zu offset %zu", len, src_at,
               dst_at, offset);
  check_guards(dst_at, len);
  ASSERT_EQ(0, ws__utf8_scan_masked(0, src, len, key, offset));
  /* The scan that only reads left the source masked. */
  reference(src, src, len, key, offset);
  ASSERT_EQ(0, memcmp(src, text, len));
}

/* In place: dst is src. */
static void check_in_place(size_t len, size_t at, const unsigned char key[4],
                           size_t offset) {
  unsigned char* p;

  memset(dst_buf, GUARD, sizeof(dst_buf));
  p = dst_buf + at;
  if (offset == 0) {
    reference(p, binary, len, key, 0);
    ws__mask_copy(p, p, len, key);
    if (memcmp(p, binary, len) != 0)
      TEST__FAIL("mask_copy in place len %zu at +%zu", len, at);
    check_guards(at, len);
  }
  reference(p, text, len, key, offset);
  ASSERT_EQ(0, ws__utf8_unmask(0, p, p, len, key, offset));
  if (memcmp(p, text, len) != 0)
    TEST__FAIL("utf8_unmask in place len %zu at +%zu offset %zu", len, at,
               offset);
  check_guards(at, len);
}

int main(void) {
  static const unsigned char keys[][4] = {
    {0x00, 0x00, 0x00, 0x00}, {0x37, 0xfa, 0x21, 0x3d},
    {0xff, 0x80, 0x01, 0x7f}};
  size_t len;
  size_t k;
  size_t offset;
  size_t a;

  for (len = 0; len <= MAX_LEN; len++) {
    fill(len, (uint32_t) len);
    for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
      for (offset = 0; offset < 4; offset++) {
        for (a = 0; a < 16; a++) {
          check_copy(len, a, (a * 7 + offset) % 16, keys[k], offset);
          check_in_place(len, a, keys[k], offset);
        }
      }
    }
  }
  return 0;
}
