/* Command-line flags shared by the samples. */
#ifndef SAMPLES_FLAGS_H
#define SAMPLES_FLAGS_H

/* Parses a decimal number with no sign, no junk and nothing above max.
 * Returns 0, or -1 if s is not such a number. */
int flags_parse_uint(const char* s, unsigned long long max,
                     unsigned long long* out);

/* Accepts "--name value" and "--name=value". Returns the value and advances
 * *i past it, or returns NULL when argv[*i] is not this flag. *missing is set
 * when the flag is there but its value is not. */
const char* flags_value(int argc, char** argv, int* i, const char* name,
                        int* missing);

#endif /* SAMPLES_FLAGS_H */
