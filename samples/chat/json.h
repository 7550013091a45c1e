/* A small strict JSON (RFC 8259) reader for the objects clients send, and a
 * growable buffer that writes JSON with escaped strings.
 *
 * The reader keeps only the top level of an object: each member's key, its
 * type, and for strings the decoded value. Nested arrays and objects are
 * checked and skipped. Anything RFC 8259 does not allow is refused: trailing
 * commas, single quotes, comments, leading zeros, raw control characters or
 * bad escapes in strings, lone surrogates, invalid UTF-8, text after the
 * value. Duplicate keys are refused too, so that no field is ambiguous.
 */
#ifndef CHAT_JSON_H
#define CHAT_JSON_H

#include <stddef.h>
#include <stdint.h>

/* json_parse_object() results. */
enum {
  JSON_OK = 0,
  JSON_EINVALID = -1,   /* not JSON */
  JSON_ENOTOBJECT = -2, /* JSON, but not an object */
  JSON_EDUPLICATE = -3, /* an object with a key twice */
  JSON_ETOOMANY = -4,   /* more than JSON_MAX_MEMBERS members */
  JSON_ETOODEEP = -5,   /* arrays or objects nested past JSON_MAX_DEPTH */
  JSON_ENOMEM = -6
};

/* Limits that keep a hostile message cheap to read. */
#define JSON_MAX_MEMBERS 32
#define JSON_MAX_DEPTH 32

typedef enum {
  JSON_NULL,
  JSON_BOOL,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT
} json_type_t;

typedef struct {
  char* key;      /* decoded, NUL-terminated (may hold NULs too) */
  size_t key_len;
  json_type_t type;
  char* str;      /* JSON_STRING only: decoded UTF-8, NUL-terminated */
  size_t str_len;
} json_member_t;

typedef struct {
  json_member_t* members;
  size_t count;
} json_object_t;

/* Reads text[0..len) as one JSON object. On JSON_OK, free obj with
 * json_object_free(); on an error obj holds nothing. */
int json_parse_object(const char* text, size_t len, json_object_t* obj);
void json_object_free(json_object_t* obj);
/* The member whose key is key, or NULL. */
const json_member_t* json_object_get(const json_object_t* obj,
                                     const char* key);

/* Output. A failed allocation sets failed and makes later calls do nothing,
 * so a message is built with no checks and tested once at the end. */
typedef struct {
  char* data;
  size_t len;
  size_t cap;
  int failed;
} json_buf_t;

void json_buf_init(json_buf_t* buf);
void json_buf_free(json_buf_t* buf);
/* Appends raw bytes: JSON the caller has already made. */
void json_buf_raw(json_buf_t* buf, const char* s, size_t len);
void json_buf_cstr(json_buf_t* buf, const char* s);
/* Appends s[0..len), which must be valid UTF-8, as a quoted JSON string. */
void json_buf_string(json_buf_t* buf, const char* s, size_t len);
void json_buf_int(json_buf_t* buf, int64_t v);

#endif /* CHAT_JSON_H */
