/* Command-line flags shared by the samples. */
#include "flags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int flags_parse_uint(const char* s, unsigned long long max,
                     unsigned long long* out) {
  unsigned long long v;
  char* end;

  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v > max)
    return -1;
  *out = v;
  return 0;
}

const char* flags_value(int argc, char** argv, int* i, const char* name,
                        int* missing) {
  size_t n;
  const char* arg;

  arg = argv[*i];
  n = strlen(name);
  if (strncmp(arg, name, n) != 0)
    return NULL;
  if (arg[n] == '=')
    return arg + n + 1;
  if (arg[n] != '\0')
    return NULL;
  if (*i + 1 >= argc) {
    *missing = 1;
    return NULL;
  }
  *i += 1;
  return argv[*i];
}
