/* A strict reader for the JSON objects clients send, and a JSON writer. */
#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "utf8.h"

typedef struct {
  const unsigned char* p;
  const unsigned char* end;
  int too_deep; /* the reason it failed, if it did */
} json__reader_t;

static int json__value(json__reader_t* r, int depth, json_type_t* type);

static void json__skip_ws(json__reader_t* r) {
  while (r->p < r->end &&
         (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static int json__literal(json__reader_t* r, const char* word) {
  size_t n;

  n = strlen(word);
  if ((size_t) (r->end - r->p) < n || memcmp(r->p, word, n) != 0)
    return JSON_EINVALID;
  r->p += n;
  return JSON_OK;
}

static int json__is_digit(const json__reader_t* r) {
  return r->p < r->end && *r->p >= '0' && *r->p <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json__number(json__reader_t* r) {
  if (r->p < r->end && *r->p == '-')
    r->p++;
  if (!json__is_digit(r))
    return JSON_EINVALID;
  if (*r->p == '0') {
    r->p++;
  } else {
    while (json__is_digit(r))
      r->p++;
  }
  if (r->p < r->end && *r->p == '.') {
    r->p++;
    if (!json__is_digit(r))
      return JSON_EINVALID;
    while (json__is_digit(r))
      r->p++;
  }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
    r->p++;
    if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
      r->p++;
    if (!json__is_digit(r))
      return JSON_EINVALID;
    while (json__is_digit(r))
      r->p++;
  }
  return JSON_OK;
}

/* Four hex digits after \u. */
static int json__hex4(json__reader_t* r, uint32_t* out) {
  uint32_t v;
  int i;
  int c;

  if (r->end - r->p < 4)
    return JSON_EINVALID;
  v = 0;
  for (i = 0; i < 4; i++) {
    c = r->p[i];
    if (c >= '0' && c <= '9')
      c -= '0';
    else if (c >= 'a' && c <= 'f')
      c -= 'a' - 10;
    else if (c >= 'A' && c <= 'F')
      c -= 'A' - 10;
    else
      return JSON_EINVALID;
    v = v << 4 | (uint32_t) c;
  }
  r->p += 4;
  *out = v;
  return JSON_OK;
}

/* The escape after a backslash; surrogate pairs must come whole. */
static int json__escape(json__reader_t* r, json_buf_t* out) {
  uint32_t cp;
  uint32_t low;
  char utf8[4];
  char c;

  if (r->p == r->end)
    return JSON_EINVALID;
  c = (char) *r->p++;
  switch (c) {
    case '"': case '\\': case '/': break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u':
      if (json__hex4(r, &cp) != JSON_OK || (cp >= 0xDC00 && cp <= 0xDFFF))
        return JSON_EINVALID;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
          return JSON_EINVALID;
        r->p += 2;
        if (json__hex4(r, &low) != JSON_OK || low < 0xDC00 || low > 0xDFFF)
          return JSON_EINVALID;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      }
      if (out != NULL)
        json_buf_raw(out, utf8, utf8_encode(cp, utf8));
      return JSON_OK;
    default:
      return JSON_EINVALID;
  }
  if (out != NULL)
    json_buf_raw(out, &c, 1);
  return JSON_OK;
}

/* A string starting at its opening quote. Decodes it into out unless out
 * is NULL (then it is only checked). */
static int json__string(json__reader_t* r, json_buf_t* out) {
  const unsigned char* run;

  r->p++;
  for (;;) {
    /* A run of plain bytes. UTF-8 continuation bytes are never a quote, a
     * backslash or a control character, so the run ends on whole
     * sequences and can be checked at once. */
    run = r->p;
    while (r->p < r->end && *r->p != '"' && *r->p != '\\' && *r->p >= 0x20)
      r->p++;
    if (!utf8_valid((const char*) run, (size_t) (r->p - run)))
      return JSON_EINVALID;
    if (out != NULL)
      json_buf_raw(out, (const char*) run, (size_t) (r->p - run));
    if (r->p == r->end || *r->p < 0x20)
      return JSON_EINVALID;
    if (*r->p++ == '"')
      return JSON_OK;
    if (json__escape(r, out) != JSON_OK)
      return JSON_EINVALID;
  }
}

/* Checks and skips an array or object starting at its bracket. */
static int json__container(json__reader_t* r, int depth, int is_object) {
  json_type_t type;
  char close;

  if (depth >= JSON_MAX_DEPTH) {
    r->too_deep = 1;
    return JSON_EINVALID;
  }
  close = is_object ? '}' : ']';
  r->p++;
  json__skip_ws(r);
  if (r->p < r->end && *r->p == close) {
    r->p++;
    return JSON_OK;
  }
  for (;;) {
    json__skip_ws(r);
    if (is_object) {
      if (r->p == r->end || *r->p != '"' || json__string(r, NULL) != JSON_OK)
        return JSON_EINVALID;
      json__skip_ws(r);
      if (r->p == r->end || *r->p++ != ':')
        return JSON_EINVALID;
    }
    if (json__value(r, depth + 1, &type) != JSON_OK)
      return JSON_EINVALID;
    json__skip_ws(r);
    if (r->p == r->end)
      return JSON_EINVALID;
    if (*r->p == ',') {
      r->p++;
      continue;
    }
    if (*r->p++ != close)
      return JSON_EINVALID;
    return JSON_OK;
  }
}

/* Checks and skips one value, after leading white space. */
static int json__value(json__reader_t* r, int depth, json_type_t* type) {
  json__skip_ws(r);
  if (r->p == r->end)
    return JSON_EINVALID;
  switch (*r->p) {
    case '{':
      *type = JSON_OBJECT;
      return json__container(r, depth, 1);
    case '[':
      *type = JSON_ARRAY;
      return json__container(r, depth, 0);
    case '"':
      *type = JSON_STRING;
      return json__string(r, NULL);
    case 't':
      *type = JSON_BOOL;
      return json__literal(r, "true");
    case 'f':
      *type = JSON_BOOL;
      return json__literal(r, "false");
    case 'n':
      *type = JSON_NULL;
      return json__literal(r, "null");
    default:
      *type = JSON_NUMBER;
      return json__number(r);
  }
}

/* Ends buf with a NUL that len does not count, and hands its memory over. */
static int json__take(json_buf_t* buf, char** out, size_t* len) {
  json_buf_raw(buf, "", 1);
  if (buf->failed) {
    json_buf_free(buf);
    return JSON_ENOMEM;
  }
  *out = buf->data;
  *len = buf->len - 1;
  return JSON_OK;
}

/* One "key": value pair, stored in m. */
static int json__member(json__reader_t* r, json_member_t* m) {
  json_buf_t buf;
  int err;

  json__skip_ws(r);
  if (r->p == r->end || *r->p != '"')
    return JSON_EINVALID;
  json_buf_init(&buf);
  if (json__string(r, &buf) != JSON_OK) {
    json_buf_free(&buf);
    return JSON_EINVALID;
  }
  err = json__take(&buf, &m->key, &m->key_len);
  if (err != JSON_OK)
    return err;
  json__skip_ws(r);
  if (r->p == r->end || *r->p++ != ':')
    return JSON_EINVALID;
  json__skip_ws(r);
  if (r->p < r->end && *r->p == '"') {
    m->type = JSON_STRING;
    json_buf_init(&buf);
    if (json__string(r, &buf) != JSON_OK) {
      json_buf_free(&buf);
      return JSON_EINVALID;
    }
    return json__take(&buf, &m->str, &m->str_len);
  }
  return json__value(r, 1, &m->type);
}

int json_parse_object(const char* text, size_t len, json_object_t* obj) {
  json__reader_t r;
  json_member_t spare;
  json_member_t* m;
  json_type_t type;
  int duplicate;
  int too_many;
  size_t i;
  int err;

  obj->members = NULL;
  obj->count = 0;
  /* An empty message may come as NULL, and NULL + 0 is undefined. */
  r.p = (const unsigned char*) (text != NULL ? text : "");
  r.end = r.p + len;
  r.too_deep = 0;
  json__skip_ws(&r);
  if (r.p == r.end || *r.p != '{') {
    /* Tell "not JSON" from "JSON, but not an object". */
    if (json__value(&r, 0, &type) != JSON_OK)
      return r.too_deep ? JSON_ETOODEEP : JSON_EINVALID;
    json__skip_ws(&r);
    return r.p == r.end ? JSON_ENOTOBJECT : JSON_EINVALID;
  }
  obj->members = mem_calloc(JSON_MAX_MEMBERS, sizeof(*obj->members));
  if (obj->members == NULL)
    return JSON_ENOMEM;
  /* Read on past a duplicate or one member too many, so that text that is
   * not JSON at all is reported as such. */
  duplicate = 0;
  too_many = 0;
  r.p++;
  json__skip_ws(&r);
  if (r.p < r.end && *r.p == '}') {
    r.p++;
  } else {
    for (;;) {
      memset(&spare, 0, sizeof(spare));
      m = obj->count < JSON_MAX_MEMBERS ? &obj->members[obj->count] : &spare;
      err = json__member(&r, m);
      if (m == &spare) {
        too_many = 1;
        mem_free(spare.key);
        mem_free(spare.str);
      } else {
        obj->count++;
      }
      if (err != JSON_OK)
        goto fail;
      for (i = 0; m != &spare && i + 1 < obj->count; i++) {
        if (obj->members[i].key_len == m->key_len &&
            memcmp(obj->members[i].key, m->key, m->key_len) == 0)
          duplicate = 1;
      }
      json__skip_ws(&r);
      if (r.p == r.end) {
        err = JSON_EINVALID;
        goto fail;
      }
      if (*r.p == ',') {
        r.p++;
        continue;
      }
      if (*r.p++ != '}') {
        err = JSON_EINVALID;
        goto fail;
      }
      break;
    }
  }
  json__skip_ws(&r);
  err = JSON_EINVALID;
  if (r.p != r.end)
    goto fail;
  err = JSON_EDUPLICATE;
  if (duplicate)
    goto fail;
  err = JSON_ETOOMANY;
  if (too_many)
    goto fail;
  return JSON_OK;

fail:
  json_object_free(obj);
  return err == JSON_EINVALID && r.too_deep ? JSON_ETOODEEP : err;
}

void json_object_free(json_object_t* obj) {
  size_t i;

  for (i = 0; i < obj->count; i++) {
    mem_free(obj->members[i].key);
    mem_free(obj->members[i].str);
  }
  mem_free(obj->members);
  obj->members = NULL;
  obj->count = 0;
}

const json_member_t* json_object_get(const json_object_t* obj,
                                     const char* key) {
  size_t n;
  size_t i;

  n = strlen(key);
  for (i = 0; i < obj->count; i++) {
    if (obj->members[i].key_len == n &&
        memcmp(obj->members[i].key, key, n) == 0)
      return &obj->members[i];
  }
  return NULL;
}

void json_buf_init(json_buf_t* buf) {
  buf->data = NULL;
  buf->len = 0;
  buf->cap = 0;
  buf->failed = 0;
}

void json_buf_free(json_buf_t* buf) {
  mem_free(buf->data);
  json_buf_init(buf);
}

void json_buf_raw(json_buf_t* buf, const char* s, size_t len) {
  size_t cap;
  char* data;

  if (buf->failed || len == 0)
    return;
  if (len > buf->cap - buf->len) {
    cap = buf->cap != 0 ? buf->cap : 64;
    while (cap - buf->len < len) {
      if (cap > SIZE_MAX / 2) {
        buf->failed = 1;
        return;
      }
      cap *= 2;
    }
    data = mem_realloc(buf->data, cap);
    if (data == NULL) {
      buf->failed = 1;
      return;
    }
    buf->data = data;
    buf->cap = cap;
  }
  memcpy(buf->data + buf->len, s, len);
  buf->len += len;
}

void json_buf_cstr(json_buf_t* buf, const char* s) {
  json_buf_raw(buf, s, strlen(s));
}

void json_buf_string(json_buf_t* buf, const char* s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const char* run;
  const char* end;
  char esc[6];
  unsigned char c;

  json_buf_raw(buf, "\"", 1);
  end = s + len;
  while (s < end) {
    run = s;
    while (s < end && *s != '"' && *s != '\\' && (unsigned char) *s >= 0x20)
      s++;
    json_buf_raw(buf, run, (size_t) (s - run));
    if (s == end)
      break;
    c = (unsigned char) *s++;
    esc[0] = '\\';
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 0xF];
        json_buf_raw(buf, esc, 6);
        continue;
    }
    json_buf_raw(buf, esc, 2);
  }
  json_buf_raw(buf, "\"", 1);
}

void json_buf_int(json_buf_t* buf, int64_t v) {
  char digits[24];
  int n;

  n = snprintf(digits, sizeof(digits), "%" PRId64, v);
  if (n > 0)
    json_buf_raw(buf, digits, (size_t) n);
}
