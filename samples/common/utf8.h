/* UTF-8 for the samples: the chat's names, rooms and JSON strings, and
 * uvws-cat's text lines. */
#ifndef SAMPLES_UTF8_H
#define SAMPLES_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 if s[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), else 0. */
int utf8_valid(const char* s, size_t len);

/* Returns the code point that starts at s[*i] and moves *i past it. s must
 * be well-formed UTF-8 (utf8_valid()) and *i below its length. */
uint32_t utf8_decode(const char* s, size_t* i);

/* Writes code point cp (at most U+10FFFF, not a surrogate) to out as 1 to 4
 * bytes and returns how many. */
size_t utf8_encode(uint32_t cp, char out[4]);

#endif /* SAMPLES_UTF8_H */
