#include "uvws_int.h"

#include <string.h>

static const char ws__b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t ws__base64_encode(const unsigned char* in, size_t len, char* out) {
  size_t i;
  size_t o;
  uint32_t v;

  o = 0;
  for (i = 0; i + 2 < len; i += 3) {
    v = ((uint32_t) in[i] << 16) | ((uint32_t) in[i + 1] << 8) | in[i + 2];
    out[o++] = ws__b64[v >> 18];
    out[o++] = ws__b64[(v >> 12) & 63];
    out[o++] = ws__b64[(v >> 6) & 63];
    out[o++] = ws__b64[v & 63];
  }
  if (i < len) {
    v = (uint32_t) in[i] << 16;
    if (i + 1 < len)
      v |= (uint32_t) in[i + 1] << 8;
    out[o++] = ws__b64[v >> 18];
    out[o++] = ws__b64[(v >> 12) & 63];
    out[o++] = i + 1 < len ? ws__b64[(v >> 6) & 63] : '=';
    out[o++] = '=';
  }
  out[o] = '\0';
  return o;
}

static int ws__b64_value(char c) {
  const char* p;

  if (c == '\0')
    return -1;
  p = strchr(ws__b64, c);
  return p == NULL ? -1 : (int) (p - ws__b64);
}

long ws__base64_decode(const char* in, size_t len, unsigned char* out,
                       size_t outcap) {
  size_t i;
  size_t o;
  size_t pad;
  int v[4];
  int j;

  if (len % 4 != 0)
    return -1;
  o = 0;
  for (i = 0; i < len; i += 4) {
    pad = 0;
    for (j = 0; j < 4; j++) {
      if (in[i + j] == '=' && i + 4 == len && j >= 2) {
        v[j] = 0;
        pad++;
      } else if (pad > 0 || (v[j] = ws__b64_value(in[i + j])) < 0) {
        return -1;
      }
    }
    if (o + 3 - pad > outcap)
      return -1;
    out[o++] = (unsigned char) ((v[0] << 2) | (v[1] >> 4));
    if (pad < 2)
      out[o++] = (unsigned char) ((v[1] << 4) | (v[2] >> 2));
    if (pad < 1)
      out[o++] = (unsigned char) ((v[2] << 6) | v[3]);
  }
  return (long) o;
}

void ws__accept_key(const char* key, char out[29]) {
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[20];
  char buf[128];
  size_t klen;

  klen = strlen(key);
  if (klen > sizeof(buf) - sizeof(guid))
    klen = sizeof(buf) - sizeof(guid);
  memcpy(buf, key, klen);
  memcpy(buf + klen, guid, sizeof(guid) - 1);
  ws__sha1(buf, klen + sizeof(guid) - 1, digest);
  ws__base64_encode(digest, sizeof(digest), out);
}
