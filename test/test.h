/* A tiny assertion harness for the uvws tests, in the manner of libuv's
 * test/task.h. Every test is its own program: main() returns 0 on success,
 * and a failed assertion prints where and why, then calls abort() so that
 * ctest reports the failure and a debugger or core dump shows the stack.
 * A test that cannot run here returns test_skip("why") from main(): ctest
 * reports it skipped, not passed.
 */
#ifndef UVWS_TEST_H
#define UVWS_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#define TEST__FAIL(...)                                                       \
  do {                                                                        \
    fflush(stdout);                                                           \
    fprintf(stderr, "Assertion failed in %s on line %d: ", __FILE__,         \
            __LINE__);                                                        \
    fprintf(stderr, __VA_ARGS__);                                             \
    fprintf(stderr, "\n");                                                    \
    fflush(stderr);                                                           \
    abort();                                                                  \
  } while (0)

#define ASSERT(expr)                                                          \
  do {                                                                        \
    if (!(expr))                                                              \
      TEST__FAIL("%s", #expr);                                                \
  } while (0)

/* Compares as type, prints with fmt. Each argument is evaluated once. */
#define TEST__CMP(type, a, op, b, fmt)                                        \
  do {                                                                        \
    type test__a = (type) (a);                                                \
    type test__b = (type) (b);                                                \
    if (!(test__a op test__b))                                                \
      TEST__FAIL("%s %s %s (%" fmt " %s %" fmt ")", #a, #op, #b, test__a,   \
                 #op, test__b);                                               \
  } while (0)

/* Integers of any width and sign, compared as int64_t (as libuv does). */
#define ASSERT_EQ(a, b) TEST__CMP(int64_t, a, ==, b, PRId64)
#define ASSERT_NE(a, b) TEST__CMP(int64_t, a, !=, b, PRId64)
#define ASSERT_LT(a, b) TEST__CMP(int64_t, a, <, b, PRId64)
#define ASSERT_LE(a, b) TEST__CMP(int64_t, a, <=, b, PRId64)
#define ASSERT_GT(a, b) TEST__CMP(int64_t, a, >, b, PRId64)
#define ASSERT_GE(a, b) TEST__CMP(int64_t, a, >=, b, PRId64)

/* Unsigned values that may not fit in int64_t. */
#define ASSERT_UINT64_EQ(a, b) TEST__CMP(uint64_t, a, ==, b, PRIu64)
#define ASSERT_UINT64_NE(a, b) TEST__CMP(uint64_t, a, !=, b, PRIu64)

#define ASSERT_PTR_EQ(a, b)                                                   \
  TEST__CMP(const void*, (const void*) (a), ==, (const void*) (b), "p")
#define ASSERT_PTR_NE(a, b)                                                   \
  TEST__CMP(const void*, (const void*) (a), !=, (const void*) (b), "p")
#define ASSERT_NULL(a) ASSERT_PTR_EQ(a, NULL)
#define ASSERT_NOT_NULL(a) ASSERT_PTR_NE(a, NULL)

/* NULL is equal only to NULL. */
#define ASSERT_STR_EQ(a, b)                                                   \
  do {                                                                        \
    const char* test__a = (a);                                                \
    const char* test__b = (b);                                                \
    if ((test__a == NULL || test__b == NULL)                                  \
            ? test__a != test__b                                              \
            : strcmp(test__a, test__b) != 0)                                  \
      TEST__FAIL("%s == %s (\"%s\" == \"%s\")", #a, #b,                       \
                 test__a != NULL ? test__a : "(null)",                        \
                 test__b != NULL ? test__b : "(null)");                       \
  } while (0)

#define ASSERT_STR_NE(a, b)                                                   \
  do {                                                                        \
    const char* test__a = (a);                                                \
    const char* test__b = (b);                                                \
    if ((test__a == NULL || test__b == NULL)                                  \
            ? test__a == test__b                                              \
            : strcmp(test__a, test__b) == 0)                                  \
      TEST__FAIL("%s != %s (both \"%s\")", #a, #b,                            \
                 test__a != NULL ? test__a : "(null)");                       \
  } while (0)

/* Compares len bytes; on a mismatch prints the first differing offset and
 * up to 16 bytes of each side from there, in hex. */
#define ASSERT_MEM_EQ(a, b, len)                                              \
  do {                                                                        \
    const unsigned char* test__a = (const unsigned char*) (a);               \
    const unsigned char* test__b = (const unsigned char*) (b);               \
    size_t test__len = (size_t) (len);                                        \
    size_t test__i;                                                           \
    if (test__len != 0 && memcmp(test__a, test__b, test__len) != 0) {         \
      char test__ha[49];                                                      \
      char test__hb[49];                                                      \
      for (test__i = 0; test__a[test__i] == test__b[test__i]; test__i++) {   \
      }                                                                       \
      test__hex(test__ha, test__a + test__i, test__len - test__i);            \
      test__hex(test__hb, test__b + test__i, test__len - test__i);            \
      TEST__FAIL("%s == %s, %zu bytes: differ at offset %zu (%s vs %s)",      \
                 #a, #b, test__len, test__i, test__ha, test__hb);             \
    }                                                                         \
  } while (0)

/* Writes up to 16 bytes as hex into out (49 bytes). */
static inline void test__hex(char* out, const unsigned char* p, size_t len) {
  static const char digits[] = "0123456789abcdef";
  size_t i;

  if (len > 16)
    len = 16;
  for (i = 0; i < len; i++) {
    out[i * 3] = digits[p[i] >> 4];
    out[i * 3 + 1] = digits[p[i] & 15];
    out[i * 3 + 2] = ' ';
  }
  out[len != 0 ? len * 3 - 1 : 0] = '\0';
}

/* The exit status of a test that could not run here: test/CMakeLists.txt
 * gives it to CTest as SKIP_RETURN_CODE (77, as with Automake). */
#define TEST_SKIPPED 77

/* Says why the test is skipped; main() returns what it returns. */
static inline int test_skip(const char* why) {
  fflush(stdout);
  fprintf(stderr, "skipped: %s\n", why);
  fflush(stderr);
  return TEST_SKIPPED;
}

static inline void test__close_walk_cb(uv_handle_t* handle, void* arg) {
  (void) arg;
  if (!uv_is_closing(handle))
    uv_close(handle, NULL);
}

/* Ends a test: closes whatever handles are left, lets their close callbacks
 * run, and proves that nothing is left on the loop. */
#define MAKE_VALGRIND_HAPPY(loop)                                             \
  do {                                                                        \
    uv_loop_t* test__loop = (loop);                                           \
    uv_walk(test__loop, test__close_walk_cb, NULL);                           \
    uv_run(test__loop, UV_RUN_DEFAULT);                                       \
    ASSERT_EQ(0, uv_loop_close(test__loop));                                  \
  } while (0)

#endif /* UVWS_TEST_H */
