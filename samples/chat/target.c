/* Parses /ws/ROOM?name=NAME: percent-decoding and name rules. */
#include "target.h"

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

int target_name_valid(const char* s, size_t len) {
  size_t i;

  if (len == 0 || len > TARGET_NAME_MAX || !utf8_valid(s, len))
    return 0;
  /* Control characters (NUL, newlines, escape sequences, DEL) would make
   * names that cannot be shown or told apart. */
  for (i = 0; i < len; i++) {
    if ((unsigned char) s[i] < 0x20 || s[i] == 0x7F)
      return 0;
  }
  /* C1 controls, U+0080..U+009F, are C2 80..C2 9F in UTF-8. */
  for (i = 0; i + 1 < len; i++) {
    if ((unsigned char) s[i] == 0xC2 && (unsigned char) s[i + 1] < 0xA0)
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
