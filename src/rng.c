/* Unpredictable bytes for masking keys and Sec-WebSocket-Key: a ChaCha20
 * keystream (RFC 8439's block function) keyed once from uv_random(). One
 * block gives sixteen masking keys. */
#include "uvws_int.h"

#include <string.h>

#define WS__ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define WS__QUARTER(a, b, c, d)                                               \
  do {                                                                        \
    a += b; d ^= a; d = WS__ROTL(d, 16);                                      \
    c += d; b ^= c; b = WS__ROTL(b, 12);                                      \
    a += b; d ^= a; d = WS__ROTL(d, 8);                                       \
    c += d; b ^= c; b = WS__ROTL(b, 7);                                       \
  } while (0)

static void ws__chacha20_block(ws__rng_t* rng) {
  uint32_t x[16];
  int i;

  memcpy(x, rng->state, sizeof(x));
  for (i = 0; i < 10; i++) {
    WS__QUARTER(x[0], x[4], x[8], x[12]);
    WS__QUARTER(x[1], x[5], x[9], x[13]);
    WS__QUARTER(x[2], x[6], x[10], x[14]);
    WS__QUARTER(x[3], x[7], x[11], x[15]);
    WS__QUARTER(x[0], x[5], x[10], x[15]);
    WS__QUARTER(x[1], x[6], x[11], x[12]);
    WS__QUARTER(x[2], x[7], x[8], x[13]);
    WS__QUARTER(x[3], x[4], x[9], x[14]);
  }
  for (i = 0; i < 16; i++) {
    x[i] += rng->state[i];
    rng->block[4 * i] = (unsigned char) x[i];
    rng->block[4 * i + 1] = (unsigned char) (x[i] >> 8);
    rng->block[4 * i + 2] = (unsigned char) (x[i] >> 16);
    rng->block[4 * i + 3] = (unsigned char) (x[i] >> 24);
  }
  /* A 64-bit block counter: 2^70 bytes before it wraps. */
  if (++rng->state[12] == 0)
    rng->state[13]++;
  rng->used = 0;
}

int ws__rng_init(ws__rng_t* rng) {
  static const uint32_t sigma[4] = { 0x61707865, 0x3320646e, 0x79622d32,
                                     0x6b206574 };
  unsigned char seed[40];
  int i;
  int r;

  r = uv_random(NULL, NULL, seed, sizeof(seed), 0, NULL);
  if (r != 0)
    return r;
  memcpy(rng->state, sigma, sizeof(sigma));
  /* Words 4-11 the key, 12-13 the block counter, 14-15 the nonce. */
  for (i = 0; i < 10; i++)
    rng->state[i < 8 ? 4 + i : 6 + i] =
        (uint32_t) seed[4 * i] | ((uint32_t) seed[4 * i + 1] << 8) |
        ((uint32_t) seed[4 * i + 2] << 16) |
        ((uint32_t) seed[4 * i + 3] << 24);
  rng->state[12] = 0;
  rng->state[13] = 0;
  rng->used = sizeof(rng->block);
  return 0;
}

void ws__rng_bytes(ws__rng_t* rng, unsigned char* out, size_t len) {
  size_t n;

  while (len > 0) {
    if (rng->used == sizeof(rng->block))
      ws__chacha20_block(rng);
    n = sizeof(rng->block) - rng->used;
    if (n > len)
      n = len;
    memcpy(out, rng->block + rng->used, n);
    rng->used += n;
    out += n;
    len -= n;
  }
}
