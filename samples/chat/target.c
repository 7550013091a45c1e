/* Parses /ws/ROOM?name=NAME: percent-decoding and name rules. */
#include "target.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

static int target__hex(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decodes s[0..len) into out (room for TARGET_NAME_MAX bytes and a
 * NUL). Returns 0, or -1 for a broken escape or a result too long. */
static int target__decode(const char* s, size_t len, int plus_is_space,
                          char* out, size_t* out_len) {
  size_t n;
  size_t i;
  int hi;
  int lo;
  char c;

  n = 0;
  for (i = 0; i < len; i++) {
    c = s[i];
    if (c == '%') {
      if (len - i < 3)
        return -1;
      hi = target__hex(s[i + 1]);
      lo = target__hex(s[i + 2]);
      if (hi < 0 || lo < 0)
        return -1;
      c = (char) (hi << 4 | lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (n == TARGET_NAME_MAX)
      return -1;
    out[n++] = c;
  }
  out[n] = '\0';
  *out_len = n;
  return 0;
}

/* Code points that show nothing or change how the text around them is
 * shown, so that two names that look the same could differ only in them:
 * C0, DEL and C1 controls, the line and paragraph separators, the
 * interlinear annotation controls, and Unicode's Default_Ignorable_Code_Point
 * set (bidi controls, zero-width characters, the soft hyphen, Hangul
 * fillers, variation selectors, tags, ...). */
static const struct {
  uint32_t first;
  uint32_t last;
} target__hidden[] = {
  { 0x0000, 0x001F }, { 0x007F, 0x009F }, { 0x00AD, 0x00AD },
  { 0x034F, 0x034F }, { 0x061C, 0x061C }, { 0x115F, 0x1160 },
  { 0x17B4, 0x17B5 }, { 0x180B, 0x180F }, { 0x200B, 0x200F },
  { 0x2028, 0x202E }, { 0x2060, 0x206F }, { 0x3164, 0x3164 },
  { 0xFE00, 0xFE0F }, { 0xFEFF, 0xFEFF }, { 0xFFA0, 0xFFA0 },
  { 0xFFF0, 0xFFFB }, { 0x1BCA0, 0x1BCA3 }, { 0x1D173, 0x1D17A },
  { 0xE0000, 0xE0FFF }
};

static int target__hidden_cp(uint32_t cp) {
  size_t i;

  for (i = 0; i < sizeof(target__hidden) / sizeof(target__hidden[0]); i++) {
    if (cp >= target__hidden[i].first && cp <= target__hidden[i].last)
      return 1;
  }
  return 0;
}

int target_name_valid(const char* s, size_t len) {
  size_t i;

  if (len == 0 || len > TARGET_NAME_MAX || !utf8_valid(s, len))
    return 0;
  i = 0;
  while (i < len) {
    if (target__hidden_cp(utf8_decode(s, &i)))
      return 0;
  }
  return 1;
}

target_status_t target_parse(const char* target, target_t* out) {
  const char* segment;
  const char* query;
  const char* param;
  const char* end;
  size_t segment_len;
  size_t len;

  if (strncmp(target, "/ws/", 4) != 0)
    return TARGET_NOT_FOUND;
  segment = target + 4;
  query = strchr(segment, '?');
  segment_len = query != NULL ? (size_t) (query - segment) : strlen(segment);
  if (memchr(segment, '/', segment_len) != NULL ||
      memchr(segment, '#', segment_len) != NULL)
    return TARGET_NOT_FOUND;
  if (target__decode(segment, segment_len, 0, out->room, &out->room_len) !=
          0 ||
      !target_name_valid(out->room, out->room_len))
    return TARGET_BAD_ROOM;

  /* The first name= parameter wins; the others are ignored. */
  param = query != NULL ? query + 1 : NULL;
  while (param != NULL && *param != '\0') {
    end = strchr(param, '&');
    len = end != NULL ? (size_t) (end - param) : strlen(param);
    if ((len >= 5 && memcmp(param, "name=", 5) == 0) ||
        (len == 4 && memcmp(param, "name", 4) == 0)) {
      if (len <= 5 ||
          target__decode(param + 5, len - 5, 1, out->name, &out->name_len) !=
              0 ||
          !target_name_valid(out->name, out->name_len))
        return TARGET_BAD_NAME;
      return TARGET_OK;
    }
    param = end != NULL ? end + 1 : NULL;
  }
  return TARGET_NO_NAME;
}
