/* The chat sample's rule for room and member names (samples/chat/target.c):
 * no code point that shows nothing or changes how the text around it is
 * shown (controls, bidi controls, zero-width and other default-ignorable
 * characters), so that "ali<U+200B>ce" cannot join beside "alice". Every
 * such code point is refused alone, first, inside and last in a name; the
 * code points just outside each refused range, and ordinary names in many
 * scripts, stay valid. */
#include "test.h"

#include "target.h"
#include "utf8.h"

typedef struct {
  uint32_t first;
  uint32_t last;
} range_t;

/* Written from the Unicode tables, independently of target.c: C0, DEL and
 * C1 controls, the line and paragraph separators, the interlinear
 * annotation controls, and every Default_Ignorable_Code_Point. */
static const range_t refused[] = {
  { 0x0000, 0x001F },   /* C0 controls */
  { 0x007F, 0x009F },   /* DEL and C1 controls */
  { 0x00AD, 0x00AD },   /* soft hyphen */
  { 0x034F, 0x034F },   /* combining grapheme joiner */
  { 0x061C, 0x061C },   /* Arabic letter mark */
  { 0x115F, 0x1160 },   /* Hangul choseong and jungseong fillers */
  { 0x17B4, 0x17B5 },   /* Khmer inherent vowels */
  { 0x180B, 0x180F },   /* Mongolian variation selectors, vowel separator */
  { 0x200B, 0x200F },   /* zero-width space, joiners, LRM, RLM */
  { 0x2028, 0x2029 },   /* line and paragraph separators */
  { 0x202A, 0x202E },   /* bidi embeddings and overrides */
  { 0x2060, 0x206F },   /* word joiner, invisible operators, bidi isolates,
                           deprecated format characters */
  { 0x3164, 0x3164 },   /* Hangul filler */
  { 0xFE00, 0xFE0F },   /* variation selectors */
  { 0xFEFF, 0xFEFF },   /* zero-width no-break space (BOM) */
  { 0xFFA0, 0xFFA0 },   /* halfwidth Hangul filler */
  { 0xFFF0, 0xFFFB },   /* unassigned ignorables, interlinear annotation */
  { 0x1BCA0, 0x1BCA3 }, /* shorthand format controls */
  { 0x1D173, 0x1D17A }, /* musical symbol format controls */
  { 0xE0000, 0xE0FFF }  /* tags, variation selectors supplement */
};

#define NRANGES (sizeof(refused) / sizeof(refused[0]))

static int is_refused(uint32_t cp) {
  size_t i;

  for (i = 0; i < NRANGES; i++) {
    if (cp >= refused[i].first && cp <= refused[i].last)
      return 1;
  }
  return 0;
}

/* Writes prefix, cp and suffix into out as UTF-8; returns the length. */
static size_t with(char* out, const char* prefix, uint32_t cp,
                   const char* suffix) {
  size_t n;

  n = strlen(prefix);
  memcpy(out, prefix, n);
  n += utf8_encode(cp, out + n);
  memcpy(out + n, suffix, strlen(suffix));
  n += strlen(suffix);
  out[n] = '\0';
  return n;
}

static void check_refused(uint32_t cp) {
  char name[TARGET_NAME_MAX + 1];
  size_t len;

  len = with(name, "", cp, "");
  if (target_name_valid(name, len))
    TEST__FAIL("U+%04" PRIX32 " alone is a valid name", cp);
  len = with(name, "", cp, "alice");
  if (target_name_valid(name, len))
    TEST__FAIL("U+%04" PRIX32 " first in a name is valid", cp);
  len = with(name, "ali", cp, "ce");
  if (target_name_valid(name, len))
    TEST__FAIL("U+%04" PRIX32 " inside a name is valid", cp);
  len = with(name, "alice", cp, "");
  if (target_name_valid(name, len))
    TEST__FAIL("U+%04" PRIX32 " last in a name is valid", cp);
}

static void check_allowed(uint32_t cp) {
  char name[TARGET_NAME_MAX + 1];
  size_t len;

  len = with(name, "ali", cp, "ce");
  if (!target_name_valid(name, len))
    TEST__FAIL("U+%04" PRIX32 " inside a name is refused", cp);
}

int main(void) {
  static const char* const good[] = {
    "alice",
    "a b",
    "Zo\xC3\xAB",                          /* Zoë */
    ("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
     "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"),
    "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", /* 日本語 */
    "\xED\x95\x9C\xEA\xB8\x80",             /* 한글 */
    "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D",     /* שלום: right-to-left letters */
    "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7", /* مرحبا */
    "\xF0\x9F\x98\x80",                     /* an emoji, U+1F600 */
    "e\xCC\x81",                            /* e + combining acute */
    "\xC2\xA0x"                             /* U+00A0 shows as a space */
  };
  target_t target;
  uint32_t cp;
  size_t i;

  for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    if (!target_name_valid(good[i], strlen(good[i])))
      TEST__FAIL("good name %zu (\"%s\") is refused", i, good[i]);
  }

  for (i = 0; i < NRANGES; i++) {
    for (cp = refused[i].first; cp <= refused[i].last; cp++)
      check_refused(cp);
    /* The neighbours are ordinary (unless another range starts there). */
    if (refused[i].first > 0 && !is_refused(refused[i].first - 1))
      check_allowed(refused[i].first - 1);
    if (!is_refused(refused[i].last + 1))
      check_allowed(refused[i].last + 1);
  }

  /* Through the request target, which is how names arrive. */
  ASSERT_EQ(TARGET_OK, target_parse("/ws/lobby?name=alice", &target));
  ASSERT_EQ(TARGET_BAD_NAME,
            target_parse("/ws/lobby?name=ali%E2%80%8Bce", &target));
  ASSERT_EQ(TARGET_BAD_NAME,
            target_parse("/ws/lobby?name=%E2%80%AEecila", &target));
  ASSERT_EQ(TARGET_BAD_NAME,
            target_parse("/ws/lobby?name=alice%C2%AD", &target));
  ASSERT_EQ(TARGET_BAD_NAME,
            target_parse("/ws/lobby?name=%EF%BB%BFalice", &target));
  ASSERT_EQ(TARGET_BAD_NAME, target_parse("/ws/lobby?name=%E3%85%A4",
                                          &target));
  ASSERT_EQ(TARGET_BAD_ROOM,
            target_parse("/ws/lob%E2%81%A0by?name=alice", &target));
  ASSERT_EQ(TARGET_BAD_ROOM,
            target_parse("/ws/%E2%81%A6lobby%E2%81%A9?name=alice", &target));
  return 0;
}
