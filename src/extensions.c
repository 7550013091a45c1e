/* Sec-WebSocket-Extensions (RFC 6455 section 9.1) and the negotiation of
 * permessage-deflate (RFC 7692 section 7): a server accepts the first
 * offer it can and declines the rest (bad ones too); a client checks the
 * answer against its one offer and fails the connection on anything it
 * did not ask for. */
#include "uvws_int.h"

#include <stdio.h>
#include <string.h>

/* One extension of a header: its name and parameters, as written. */
#define WS__EXT_MAX_PARAMS 8

typedef struct {
  const char* start;
  size_t len;
} ws__span_t;

typedef struct {
  ws__span_t name;
  ws__span_t param[WS__EXT_MAX_PARAMS];
  ws__span_t value[WS__EXT_MAX_PARAMS]; /* start NULL: no value */
  int quoted[WS__EXT_MAX_PARAMS];
  size_t count;
  int too_many;
} ws__ext_t;

static int ws__is_tchar(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static const char* ws__skip_ows(const char* p) {
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

static const char* ws__token(const char* p, ws__span_t* out) {
  out->start = p;
  while (ws__is_tchar((unsigned char) *p))
    p++;
  out->len = (size_t) (p - out->start);
  return p;
}

/* A quoted-string: out spans what is between the quotes (escapes kept). */
static const char* ws__quoted(const char* p, ws__span_t* out) {
  p++;
  out->start = p;
  while (*p != '"') {
    if (*p == '\0')
      return NULL;
    if (*p == '\\') {
      p++;
      if (*p == '\0')
        return NULL;
    }
    p++;
  }
  out->len = (size_t) (p - out->start);
  return p + 1;
}

/* Parses the next extension of a header value at *pp. Returns 1 (ext
 * filled, *pp past it and its comma), 0 at the end, -1 if malformed. */
static int ws__ext_next(const char** pp, ws__ext_t* ext) {
  ws__span_t name;
  ws__span_t value;
  const char* p;
  int quoted;

  p = *pp;
  /* Empty list elements are allowed (RFC 7230 section 7). */
  while (*p == ' ' || *p == '\t' || *p == ',')
    p++;
  if (*p == '\0')
    return 0;
  memset(ext, 0, sizeof(*ext));
  p = ws__token(p, &ext->name);
  if (ext->name.len == 0)
    return -1;
  for (;;) {
    p = ws__skip_ows(p);
    if (*p == ',' || *p == '\0')
      break;
    if (*p != ';')
      return -1;
    p = ws__token(ws__skip_ows(p + 1), &name);
    if (name.len == 0)
      return -1;
    p = ws__skip_ows(p);
    value.start = NULL;
    value.len = 0;
    quoted = 0;
    if (*p == '=') {
      p = ws__skip_ows(p + 1);
      if (*p == '"') {
        quoted = 1;
        p = ws__quoted(p, &value);
        if (p == NULL)
          return -1;
      } else {
        p = ws__token(p, &value);
        if (value.len == 0)
          return -1;
      }
    }
    if (ext->count == WS__EXT_MAX_PARAMS) {
      ext->too_many = 1;
      continue;
    }
    ext->param[ext->count] = name;
    ext->value[ext->count] = value;
    ext->quoted[ext->count] = quoted;
    ext->count++;
  }
  *pp = p;
  return 1;
}

static int ws__span_is(const ws__span_t* s, const char* word) {
  size_t i;
  int a;
  int b;

  if (s->len != strlen(word))
    return 0;
  for (i = 0; i < s->len; i++) {
    a = (unsigned char) s->start[i];
    b = (unsigned char) word[i];
    if (a >= 'A' && a <= 'Z')
      a += 'a' - 'A';
    if (a != b)
      return 0;
  }
  return 1;
}

/* A window size: "8" to "15", also as a quoted string without escapes. */
static int ws__window_bits(const ws__span_t* v) {
  char text[3];

  if (v->start == NULL || v->len == 0 || v->len > 2 ||
      memchr(v->start, '\\', v->len) != NULL)
    return -1;
  memcpy(text, v->start, v->len);
  text[v->len] = '\0';
  if (v->len == 1)
    return text[0] >= '8' && text[0] <= '9' ? text[0] - '0' : -1;
  return text[0] == '1' && text[1] >= '0' && text[1] <= '5'
             ? 10 + text[1] - '0'
             : -1;
}

/* permessage-deflate's parameters, as one offer or answer states them. */
typedef struct {
  int server_no_takeover;
  int client_no_takeover;
  int server_bits; /* 0: absent */
  int client_bits; /* 0: absent, -1: present without a value */
} ws__pmd_t;

/* Reads an extension's parameters: 0, or -1 if one is unknown, repeated
 * or has a bad value (the offer is declined; the answer fails). */
static int ws__pmd_read(const ws__ext_t* ext, ws__pmd_t* pmd) {
  const ws__span_t* v;
  size_t i;
  int seen[4];
  int k;

  memset(pmd, 0, sizeof(*pmd));
  memset(seen, 0, sizeof(seen));
  if (ext->too_many)
    return -1;
  for (i = 0; i < ext->count; i++) {
    v = &ext->value[i];
    if (ws__span_is(&ext->param[i], "server_no_context_takeover"))
      k = 0;
    else if (ws__span_is(&ext->param[i], "client_no_context_takeover"))
      k = 1;
    else if (ws__span_is(&ext->param[i], "server_max_window_bits"))
      k = 2;
    else if (ws__span_is(&ext->param[i], "client_max_window_bits"))
      k = 3;
    else
      return -1;
    if (seen[k]++)
      return -1;
    switch (k) {
      case 0:
      case 1:
        if (v->start != NULL)
          return -1;
        if (k == 0)
          pmd->server_no_takeover = 1;
        else
          pmd->client_no_takeover = 1;
        break;
      case 2:
        pmd->server_bits = ws__window_bits(v);
        if (pmd->server_bits < 0)
          return -1;
        break;
      default:
        pmd->client_bits = v->start == NULL ? -1 : ws__window_bits(v);
        if (v->start != NULL && pmd->client_bits < 0)
          return -1;
        break;
    }
  }
  return 0;
}

static int ws__hub_bits(const ws__hub_t* hub) {
  return ws__deflate_window_bits(&hub->options);
}

/* ---- Servers ---- */

/* Settles an acceptable offer: our window, and whether this connection
 * keeps contexts (if it can take one of deflate_max_takeover's places:
 * the connection holds it from here). */
static void ws__pmd_settle(ws__hub_t* hub, const ws__pmd_t* offer,
                           ws__pmd_params_t* params, char* answer,
                           size_t size) {
  int rx_keep;
  int slot;
  int bits;
  int n;

  bits = ws__hub_bits(hub);
  memset(params, 0, sizeof(*params));
  params->tx_bits = (uint8_t) (offer->server_bits != 0 &&
                                       offer->server_bits < bits
                                   ? offer->server_bits
                                   : bits);
  /* The peer's window is ours to cap only if it said it can be; it
   * cannot be smaller than what we accept otherwise. */
  params->rx_bits = 15;
  if (offer->client_bits != 0) {
    params->rx_bits = (uint8_t) bits;
    if (offer->client_bits > 0 && offer->client_bits < bits)
      params->rx_bits = (uint8_t) offer->client_bits;
  }
  /* A peer that resets its context itself needs none kept here. */
  rx_keep = params->rx_bits <= bits && !offer->client_no_takeover;
  slot = (!offer->server_no_takeover || rx_keep) && ws__takeover_take(hub);
  params->tx_keep = (uint8_t) (slot && !offer->server_no_takeover);
  params->rx_keep = (uint8_t) (slot && rx_keep);
  n = snprintf(answer, size, "permessage-deflate");
  if (!params->tx_keep)
    n += snprintf(answer + n, size - (size_t) n,
                  "; server_no_context_takeover");
  if (!params->rx_keep)
    n += snprintf(answer + n, size - (size_t) n,
                  "; client_no_context_takeover");
  if (offer->server_bits != 0 || params->tx_bits < 15)
    n += snprintf(answer + n, size - (size_t) n,
                  "; server_max_window_bits=%d", params->tx_bits);
  if (offer->client_bits != 0 && params->rx_keep)
    snprintf(answer + n, size - (size_t) n, "; client_max_window_bits=%d",
             params->rx_bits);
}

int ws__pmd_server_negotiate(ws__hub_t* hub, ws_request_t* req,
                             ws__pmd_params_t* params) {
  char answer[160];
  const char* name;
  const char* p;
  ws__pmd_t offer;
  ws__ext_t ext;
  size_t i;
  int r;

  if (!hub->options.deflate || !ws__deflate_available())
    return 0;
  for (i = 0; i < ws_request_header_count(req); i++) {
    ws_request_header_at(req, i, &name, &p);
    if (!ws__span_is(&(ws__span_t){ name, strlen(name) },
                     "sec-websocket-extensions"))
      continue;
    while ((r = ws__ext_next(&p, &ext)) == 1) {
      if (!ws__span_is(&ext.name, "permessage-deflate") ||
          ws__pmd_read(&ext, &offer) != 0)
        continue; /* another extension, or a bad offer: declined */
      ws__pmd_settle(hub, &offer, params, answer, sizeof(answer));
      req->extensions = ws__strndup(answer, strlen(answer));
      if (req->extensions != NULL)
        return 1;
      if (params->tx_keep || params->rx_keep)
        ws__takeover_give(hub);
      return WS_ENOMEM;
    }
    /* A malformed header: nothing after the fault is an offer. */
    if (r < 0)
      return 0;
  }
  return 0;
}

/* ---- Clients ---- */

const char* ws__pmd_client_offer(const ws__hub_t* hub) {
  static const char* const offers[] = {
    "permessage-deflate; server_no_context_takeover; client_max_window_bits",
    "permessage-deflate; server_no_context_takeover; client_max_window_bits; "
    "server_max_window_bits=8",
    "permessage-deflate; server_no_context_takeover; client_max_window_bits; "
    "server_max_window_bits=9",
    "permessage-deflate; server_no_context_takeover; client_max_window_bits; "
    "server_max_window_bits=10",
    "permessage-deflate; server_no_context_takeover; client_max_window_bits; "
    "server_max_window_bits=11",
    "permessage-deflate; server_no_context_takeover; client_max_window_bits; "
    "server_max_window_bits=12",
    "permessage-deflate; server_no_context_takeover; client_max_window_bits; "
    "server_max_window_bits=13",
    "permessage-deflate; server_no_context_takeover; client_max_window_bits; "
    "server_max_window_bits=14"
  };
  int bits;

  bits = ws__hub_bits(hub);
  return bits >= 15 ? offers[0] : offers[bits - 7];
}

int ws__pmd_client_check(ws__hub_t* hub, const ws_request_t* res,
                         int offered, ws__pmd_params_t* params) {
  const char* name;
  const char* p;
  ws__pmd_t answer;
  ws__ext_t ext;
  size_t i;
  int found;
  int bits;
  int r;

  found = 0;
  bits = ws__hub_bits(hub);
  for (i = 0; i < ws_request_header_count(res); i++) {
    ws_request_header_at(res, i, &name, &p);
    if (!ws__span_is(&(ws__span_t){ name, strlen(name) },
                     "sec-websocket-extensions"))
      continue;
    while ((r = ws__ext_next(&p, &ext)) == 1) {
      /* Only what we offered, once, with what RFC 7692 allows. */
      if (!offered || found || !ws__span_is(&ext.name, "permessage-deflate") ||
          ws__pmd_read(&ext, &answer) != 0 || !answer.server_no_takeover ||
          answer.client_bits < 0 ||
          (bits < 15 && (answer.server_bits == 0 ||
                         answer.server_bits > bits)))
        return WS_EBADRESPONSE;
      found = 1;
    }
    if (r < 0)
      return WS_EBADRESPONSE;
  }
  if (!found)
    return 0;
  memset(params, 0, sizeof(*params));
  params->tx_bits = (uint8_t) (answer.client_bits > 0 &&
                                       answer.client_bits < bits
                                   ? answer.client_bits
                                   : bits);
  params->tx_keep =
      (uint8_t) (!answer.client_no_takeover && ws__takeover_take(hub));
  params->rx_bits = (uint8_t) (answer.server_bits != 0 ? answer.server_bits
                                                       : 15);
  params->rx_keep = 0; /* it answered server_no_context_takeover */
  return 1;
}
