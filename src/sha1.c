/* SHA-1 (FIPS 180-4), needed only for Sec-WebSocket-Accept. */
#include "uvws_int.h"

#include <string.h>

typedef struct {
  uint32_t h[5];
  uint64_t total;
  unsigned char block[64];
  size_t used;
} ws__sha1_t;

#define WS__ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static void ws__sha1_block(ws__sha1_t* s, const unsigned char* p) {
  uint32_t w[80];
  uint32_t a, b, c, d, e, f, k, t;
  int i;

  for (i = 0; i < 16; i++)
    w[i] = ((uint32_t) p[4 * i] << 24) | ((uint32_t) p[4 * i + 1] << 16) |
           ((uint32_t) p[4 * i + 2] << 8) | p[4 * i + 3];
  for (i = 16; i < 80; i++)
    w[i] = WS__ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  a = s->h[0];
  b = s->h[1];
  c = s->h[2];
  d = s->h[3];
  e = s->h[4];
  for (i = 0; i < 80; i++) {
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    t = WS__ROL(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = WS__ROL(b, 30);
    b = a;
    a = t;
  }
  s->h[0] += a;
  s->h[1] += b;
  s->h[2] += c;
  s->h[3] += d;
  s->h[4] += e;
}

static void ws__sha1_update(ws__sha1_t* s, const unsigned char* p,
                            size_t len) {
  size_t n;

  s->total += len;
  while (len > 0) {
    n = 64 - s->used;
    if (n > len)
      n = len;
    memcpy(s->block + s->used, p, n);
    s->used += n;
    p += n;
    len -= n;
    if (s->used == 64) {
      ws__sha1_block(s, s->block);
      s->used = 0;
    }
  }
}

void ws__sha1(const void* data, size_t len, unsigned char out[20]) {
  static const unsigned char pad = 0x80;
  static const unsigned char zero = 0;
  unsigned char bits[8];
  ws__sha1_t s;
  uint64_t total_bits;
  int i;

  s.h[0] = 0x67452301;
  s.h[1] = 0xefcdab89;
  s.h[2] = 0x98badcfe;
  s.h[3] = 0x10325476;
  s.h[4] = 0xc3d2e1f0;
  s.total = 0;
  s.used = 0;
  ws__sha1_update(&s, data, len);
  total_bits = s.total * 8;
  ws__sha1_update(&s, &pad, 1);
  while (s.used != 56)
    ws__sha1_update(&s, &zero, 1);
  for (i = 0; i < 8; i++)
    bits[i] = (unsigned char) (total_bits >> (56 - 8 * i));
  ws__sha1_update(&s, bits, 8);
  for (i = 0; i < 20; i++)
    out[i] = (unsigned char) (s.h[i / 4] >> (24 - 8 * (i % 4)));
}
