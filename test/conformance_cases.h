/* The RFC 6455 conformance cases, in the spirit of the Autobahn fuzzing
 * client's sections: framing, ping/pong, reserved bits, opcodes,
 * fragmentation, UTF-8 (whole and split at every byte), close codes and
 * reasons, limits. Each is the frames a client sends and the exact bytes
 * an echo server must answer with, ending in its close frame where the
 * RFC requires one. test_conformance.c runs them over TCP,
 * test_tls_conformance.c over TLS. */
#ifndef UVWS_TEST_CONFORMANCE_CASES_H
#define UVWS_TEST_CONFORMANCE_CASES_H

#include "harness.h"

#define MAX_MESSAGE (1024 * 1024)

typedef struct {
  char name[80];
  unsigned char* in;
  size_t in_len;
  size_t in_cap;
  unsigned char* expect;
  size_t expect_len;
  size_t expect_cap;
  int expect_eof;   /* the server closes the TCP connection at the end */
} conf_case_t;

static conf_case_t cases[1024];
static size_t case_count;

static conf_case_t* add_case(const char* name) {
  conf_case_t* c;

  ASSERT_LT(case_count, sizeof(cases) / sizeof(cases[0]));
  c = &cases[case_count++];
  snprintf(c->name, sizeof(c->name), "%s", name);
  return c;
}

static void reserve(unsigned char** buf, size_t* cap, size_t len,
                    size_t more) {
  if (len + more <= *cap)
    return;
  *cap = (len + more) * 2;
  *buf = realloc(*buf, *cap);
  ASSERT_NOT_NULL(*buf);
}

static void in_frame(conf_case_t* c, int fin, unsigned int opcode,
                     const void* payload, size_t len) {
  reserve(&c->in, &c->in_cap, c->in_len, len + 14);
  c->in_len = harness_frame(c->in, c->in_len, fin, opcode, payload, len);
}

static void expect_frame(conf_case_t* c, unsigned int opcode,
                         const void* payload, size_t len) {
  reserve(&c->expect, &c->expect_cap, c->expect_len, len + 10);
  c->expect_len +=
      ws__frame_header(c->expect + c->expect_len, opcode, len, NULL);
  memcpy(c->expect + c->expect_len, payload, len);
  c->expect_len += len;
}

static void expect_close(conf_case_t* c, unsigned int code) {
  unsigned char payload[2];

  payload[0] = (unsigned char) (code >> 8);
  payload[1] = (unsigned char) code;
  expect_frame(c, 8, payload, 2);
  c->expect_eof = 1;
}

/* ---- 1: framing ---- */

static void framing_cases(void) {
  static const size_t sizes[] = { 0, 1, 125, 126, 127, 128, 65535, 65536,
                                  65537, MAX_MESSAGE };
  static unsigned char payload[MAX_MESSAGE];
  conf_case_t* c;
  char name[80];
  size_t i;
  unsigned int op;

  memset(payload, '*', sizeof(payload));
  for (op = 1; op <= 2; op++) {
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
      snprintf(name, sizeof(name), "1 %s of %lu bytes",
               op == 1 ? "text" : "binary", (unsigned long) sizes[i]);
      c = add_case(name);
      in_frame(c, 1, op, payload, sizes[i]);
      expect_frame(c, op, payload, sizes[i]);
    }
  }
}

/* ---- 2: ping and pong ---- */

static void ping_cases(void) {
  static unsigned char payload[126];
  conf_case_t* c;
  int i;

  memset(payload, 0xfe, sizeof(payload));
  c = add_case("2 empty ping");
  in_frame(c, 1, 9, "", 0);
  expect_frame(c, 0xa, "", 0);
  c = add_case("2 ping of 125 binary bytes");
  in_frame(c, 1, 9, payload, 125);
  expect_frame(c, 0xa, payload, 125);
  c = add_case("2 ping of 126 bytes");
  in_frame(c, 1, 9, payload, 126);
  expect_close(c, 1002);
  c = add_case("2 unsolicited pong, then text");
  in_frame(c, 1, 0xa, "pong", 4);
  in_frame(c, 1, 1, "text", 4);
  expect_frame(c, 1, "text", 4);
  c = add_case("2 ten pings answered in order");
  for (i = 0; i < 10; i++) {
    payload[0] = (unsigned char) i;
    in_frame(c, 1, 9, payload, 1 + i);
    expect_frame(c, 0xa, payload, 1 + i);
  }
  c = add_case("2 fragmented ping");
  in_frame(c, 0, 9, "a", 1);
  in_frame(c, 1, 0, "b", 1);
  expect_close(c, 1002);
}

/* ---- 3: reserved bits; 4: opcodes ---- */

static void reserved_cases(void) {
  conf_case_t* c;
  char name[80];
  unsigned int rsv;
  unsigned int op;

  for (rsv = 1; rsv <= 7; rsv++) {
    snprintf(name, sizeof(name), "3 rsv %u on text after a good text", rsv);
    c = add_case(name);
    in_frame(c, 1, 1, "ok", 2);
    in_frame(c, 1, 1, "bad", 3);
    c->in[c->in_len - 9] |= (unsigned char) (rsv << 4);
    expect_frame(c, 1, "ok", 2);
    expect_close(c, 1002);
    snprintf(name, sizeof(name), "3 rsv %u on ping", rsv);
    c = add_case(name);
    in_frame(c, 1, 9, "p", 1);
    c->in[0] |= (unsigned char) (rsv << 4);
    expect_close(c, 1002);
  }
  for (op = 3; op <= 15; op++) {
    if (op >= 8 && op <= 10)
      continue;
    snprintf(name, sizeof(name), "4 reserved opcode %u", op);
    c = add_case(name);
    in_frame(c, 1, 1, "ok", 2);
    in_frame(c, 1, op, "x", 1);
    in_frame(c, 1, 1, "never", 5);
    expect_frame(c, 1, "ok", 2);
    expect_close(c, 1002);
  }
}

/* ---- 5: fragmentation ---- */

static void fragment_cases(void) {
  static unsigned char payload[64 * 1024];
  static const size_t piece_sizes[] = { 1, 64, 1000, 4096 };
  conf_case_t* c;
  char name[80];
  size_t off;
  size_t n;
  size_t i;

  for (i = 0; i < sizeof(payload); i++)
    payload[i] = (unsigned char) ('a' + i % 26);
  for (i = 0; i < sizeof(piece_sizes) / sizeof(piece_sizes[0]); i++) {
    snprintf(name, sizeof(name), "5 text of 64 KiB in %lu-byte fragments",
             (unsigned long) piece_sizes[i]);
    c = add_case(name);
    for (off = 0; off < sizeof(payload); off += n) {
      n = sizeof(payload) - off < piece_sizes[i] ? sizeof(payload) - off
                                                 : piece_sizes[i];
      in_frame(c, off + n == sizeof(payload), off == 0 ? 1 : 0,
               payload + off, n);
      /* A ping between fragments is answered at once. */
      if (off == 0)
        in_frame(c, 1, 9, "mid", 3);
    }
    expect_frame(c, 0xa, "mid", 3);
    expect_frame(c, 1, payload, sizeof(payload));
  }
  c = add_case("5 empty fragments");
  in_frame(c, 0, 2, "", 0);
  in_frame(c, 0, 0, "", 0);
  in_frame(c, 1, 0, "", 0);
  expect_frame(c, 2, "", 0);
  c = add_case("5 continuation with nothing to continue");
  in_frame(c, 1, 0, "x", 1);
  expect_close(c, 1002);
  c = add_case("5 unfinished continuation with nothing to continue");
  in_frame(c, 0, 0, "x", 1);
  expect_close(c, 1002);
  c = add_case("5 text while a message is fragmented");
  in_frame(c, 0, 1, "a", 1);
  in_frame(c, 1, 1, "b", 1);
  expect_close(c, 1002);
  c = add_case("5 pong between fragments");
  in_frame(c, 0, 1, "fra", 3);
  in_frame(c, 1, 0xa, "", 0);
  in_frame(c, 1, 0, "gment", 5);
  expect_frame(c, 1, "fragment", 8);
}

/* ---- 6: UTF-8 ---- */

static const char* const valid_utf8[] = {
  "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!",
  "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5",
  "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xef\xbf\xbf",
  "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80",
};

/* Each invalid sequence, and whether it is known bad before its last byte
 * arrives (a truncated sequence is only known bad when the message ends). */
static const struct {
  const char* bytes;
  int fails_early;
} invalid_utf8[] = {
  { "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80" "edited", 1 },
  { "\xc0\xaf", 1 }, { "\xe0\x80\xaf", 1 }, { "\xf0\x80\x80\xaf", 1 },
  { "\xed\xa0\x80", 1 }, { "\xed\xbf\xbf", 1 },   /* surrogates */
  { "\xf4\x90\x80\x80", 1 }, { "\xf8\x88\x80\x80\x80", 1 },
  { "\xfe", 1 }, { "\xff", 1 }, { "\x80", 1 }, { "\xbf", 1 },
  { "\xc2 ", 1 }, { "\xe0\xa0 ", 1 },
  { "\xf0\x90\x80", 0 },
};

static void utf8_cases(void) {
  conf_case_t* c;
  const char* bytes;
  char name[80];
  size_t len;
  size_t split;
  size_t i;

  for (i = 0; i < sizeof(valid_utf8) / sizeof(valid_utf8[0]); i++) {
    len = strlen(valid_utf8[i]);
    for (split = 0; split <= len; split++) {
      snprintf(name, sizeof(name), "6 valid utf-8 #%lu split at %lu",
               (unsigned long) i, (unsigned long) split);
      c = add_case(name);
      in_frame(c, 0, 1, valid_utf8[i], split);
      in_frame(c, 1, 0, valid_utf8[i] + split, len - split);
      expect_frame(c, 1, valid_utf8[i], len);
    }
  }
  for (i = 0; i < sizeof(invalid_utf8) / sizeof(invalid_utf8[0]); i++) {
    bytes = invalid_utf8[i].bytes;
    len = strlen(bytes);
    for (split = 0; split <= len; split++) {
      snprintf(name, sizeof(name), "6 invalid utf-8 #%lu split at %lu",
               (unsigned long) i, (unsigned long) split);
      c = add_case(name);
      in_frame(c, 0, 1, bytes, split);
      in_frame(c, 1, 0, bytes + split, len - split);
      expect_close(c, 1007);
    }
    if (!invalid_utf8[i].fails_early)
      continue;
    /* Fails fast: the close comes while the message is unfinished. */
    snprintf(name, sizeof(name), "6 invalid utf-8 #%lu, message unfinished",
             (unsigned long) i);
    c = add_case(name);
    in_frame(c, 0, 1, bytes, len);
    expect_close(c, 1007);
  }
}

/* ---- 7: close ---- */

static void close_cases(void) {
  static const unsigned int valid[] = { 1000, 1001, 1002, 1003, 1007, 1008,
                                        1009, 1010, 1011, 3000, 3999, 4000,
                                        4999 };
  static const unsigned int invalid[] = { 0, 999, 1004, 1005, 1006, 1012,
                                          1013, 1014, 1015, 1016, 1100, 2000,
                                          2999, 5000, 65535 };
  unsigned char payload[125];
  conf_case_t* c;
  char name[80];
  size_t i;

  for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
    snprintf(name, sizeof(name), "7 close %u is echoed", valid[i]);
    c = add_case(name);
    payload[0] = (unsigned char) (valid[i] >> 8);
    payload[1] = (unsigned char) valid[i];
    in_frame(c, 1, 8, payload, 2);
    expect_close(c, valid[i]);
  }
  for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
    snprintf(name, sizeof(name), "7 close %u is a protocol error",
             invalid[i]);
    c = add_case(name);
    payload[0] = (unsigned char) (invalid[i] >> 8);
    payload[1] = (unsigned char) invalid[i];
    in_frame(c, 1, 8, payload, 2);
    expect_close(c, 1002);
  }
  c = add_case("7 empty close is echoed empty");
  in_frame(c, 1, 8, "", 0);
  expect_frame(c, 8, "", 0);
  c->expect_eof = 1;
  c = add_case("7 close of one byte");
  in_frame(c, 1, 8, "\x03", 1);
  expect_close(c, 1002);
  c = add_case("7 close with a 123-byte reason is echoed");
  payload[0] = 0x03;
  payload[1] = 0xe8;
  memset(payload + 2, 'r', 123);
  in_frame(c, 1, 8, payload, 125);
  expect_frame(c, 8, payload, 125);
  c->expect_eof = 1;
  c = add_case("7 close reason not utf-8");
  in_frame(c, 1, 8, "\x03\xe8\xce\xba\xed\xa0\x80", 7);
  expect_close(c, 1007);
  c = add_case("7 nothing is read after a close");
  in_frame(c, 1, 8, "\x03\xe8", 2);
  in_frame(c, 1, 1, "late", 4);
  in_frame(c, 1, 9, "late", 4);
  expect_close(c, 1000);
}

/* ---- 9: limits ---- */

static void limit_cases(void) {
  static unsigned char payload[MAX_MESSAGE + 1];
  conf_case_t* c;

  c = add_case("9 one byte over max_message_size");
  in_frame(c, 1, 2, payload, sizeof(payload));
  expect_close(c, 1009);
  c = add_case("9 over max_message_size in fragments");
  in_frame(c, 0, 2, payload, MAX_MESSAGE / 2 + 1);
  in_frame(c, 1, 0, payload, MAX_MESSAGE / 2 + 1);
  expect_close(c, 1009);
}

/* Fills cases[]. */
static void conformance_cases(void) {
  framing_cases();
  ping_cases();
  reserved_cases();
  fragment_cases();
  utf8_cases();
  close_cases();
  limit_cases();
}

#endif /* UVWS_TEST_CONFORMANCE_CASES_H */
