/* HTTP messages: the head of a request (servers) or of a response
 * (clients) parsed with llhttp into a ws_request_t, its headers, and the
 * responses a server writes. What RFC 6455 asks of them is handshake.c's. */
#include "uvws_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ws__on_url(llhttp_t* parser, const char* at, size_t len);
static int ws__on_url_complete(llhttp_t* parser);
static int ws__on_header_field(llhttp_t* parser, const char* at, size_t len);
static int ws__on_header_field_complete(llhttp_t* parser);
static int ws__on_header_value(llhttp_t* parser, const char* at, size_t len);
static int ws__on_header_value_complete(llhttp_t* parser);
static int ws__on_headers_complete(llhttp_t* parser);

/* ASCII case-insensitive comparisons: header names and tokens are ASCII,
 * and strcasecmp() is not in standard C. */
static int ws__lower(int c) {
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ws__casecmp_n(const char* a, const char* b, size_t n) {
  size_t i;
  int d;

  for (i = 0; i < n; i++) {
    d = ws__lower((unsigned char) a[i]) - ws__lower((unsigned char) b[i]);
    if (d != 0 || a[i] == '\0')
      return d;
  }
  return 0;
}

static int ws__casecmp(const char* a, const char* b) {
  return ws__casecmp_n(a, b, (size_t) -1);
}

/* Constant, so that loops on several threads may parse at once. */
static const llhttp_settings_t ws__settings = {
  .on_url = ws__on_url,
  .on_url_complete = ws__on_url_complete,
  .on_header_field = ws__on_header_field,
  .on_header_field_complete = ws__on_header_field_complete,
  .on_header_value = ws__on_header_value,
  .on_header_value_complete = ws__on_header_value_complete,
  .on_headers_complete = ws__on_headers_complete
};

int ws__request_init(ws_request_t* req, size_t max_size,
                     llhttp_type_t type) {
  memset(req, 0, sizeof(*req));
  req->max_size = max_size;
  llhttp_init(&req->parser, type, &ws__settings);
  req->parser.data = req;
  return 0;
}

void ws__request_free(ws_request_t* req) {
  ws__free(req->text);
  ws__free(req->headers);
  ws__free(req->extra);
  ws__free(req->subprotocol);
  ws__free(req->extensions);
  memset(req, 0, sizeof(*req));
}

/* Grows a buffer to hold need more bytes; fails past limit. */
static int ws__grow(char** buf, size_t* cap, size_t len, size_t need,
                    size_t limit) {
  size_t newcap;
  char* p;

  if (len + need <= *cap)
    return 0;
  if (len + need > limit)
    return WS_ETOOBIG;
  newcap = *cap ? *cap * 2 : 256;
  while (newcap < len + need)
    newcap *= 2;
  if (newcap > limit)
    newcap = limit;
  p = ws__realloc(*buf, newcap);
  if (p == NULL)
    return WS_ENOMEM;
  *buf = p;
  *cap = newcap;
  return 0;
}

static int ws__text_append(ws_request_t* req, const char* at, size_t len) {
  /* Stored text never exceeds the raw request head, plus one NUL a field. */
  if (ws__grow(&req->text, &req->text_cap, req->text_len, len,
               2 * req->max_size + 2) != 0) {
    req->status = 431;
    return -1;
  }
  memcpy(req->text + req->text_len, at, len);
  req->text_len += len;
  return 0;
}

static ws_request_t* ws__req(llhttp_t* parser) {
  return (ws_request_t*) parser->data;
}

static int ws__on_url(llhttp_t* parser, const char* at, size_t len) {
  return ws__text_append(ws__req(parser), at, len);
}

static int ws__on_url_complete(llhttp_t* parser) {
  return ws__text_append(ws__req(parser), "", 1);
}

static int ws__on_header_field(llhttp_t* parser, const char* at, size_t len) {
  ws_request_t* req;
  size_t bytes;
  char* p;

  req = ws__req(parser);
  if (!req->in_value) {
    if (req->header_count == req->header_cap) {
      bytes = req->header_cap * sizeof(ws__header_t);
      p = (char*) req->headers;
      if (ws__grow(&p, &bytes, bytes, sizeof(ws__header_t),
                   req->max_size * sizeof(ws__header_t)) != 0) {
        req->status = 431;
        return -1;
      }
      req->headers = (ws__header_t*) p;
      req->header_cap = bytes / sizeof(ws__header_t);
    }
    req->headers[req->header_count].name = req->text_len;
    req->in_value = 1;
  }
  return ws__text_append(req, at, len);
}

static int ws__on_header_field_complete(llhttp_t* parser) {
  ws_request_t* req;

  req = ws__req(parser);
  /* ": value": a field name is never empty. */
  if (!req->in_value ||
      req->text_len == req->headers[req->header_count].name) {
    req->status = 400;
    return -1;
  }
  if (ws__text_append(req, "", 1) != 0)
    return -1;
  req->headers[req->header_count].value = req->text_len;
  return 0;
}

static int ws__on_header_value(llhttp_t* parser, const char* at, size_t len) {
  return ws__text_append(ws__req(parser), at, len);
}

static int ws__is_ows(char c) {
  return c == ' ' || c == '\t';
}

static int ws__on_header_value_complete(llhttp_t* parser) {
  ws__header_t* header;
  ws_request_t* req;

  req = ws__req(parser);
  /* White space around a value is not part of it (RFC 7230 3.2.4). */
  header = &req->headers[req->header_count];
  while (header->value < req->text_len &&
         ws__is_ows(req->text[header->value]))
    header->value++;
  while (req->text_len > header->value &&
         ws__is_ows(req->text[req->text_len - 1]))
    req->text_len--;
  if (ws__text_append(req, "", 1) != 0)
    return -1;
  req->header_count++;
  req->in_value = 0;
  return 0;
}

static int ws__on_headers_complete(llhttp_t* parser) {
  ws__req(parser)->complete = 1;
  return HPE_PAUSED;
}

int ws__request_has_token(const ws_request_t* req, const char* name,
                          const char* token, int case_sensitive) {
  const char* value;
  const char* end;
  size_t tlen;
  size_t i;

  tlen = strlen(token);
  for (i = 0; i < req->header_count; i++) {
    if (ws__casecmp(req->text + req->headers[i].name, name) != 0)
      continue;
    value = req->text + req->headers[i].value;
    while (*value != '\0') {
      while (*value == ' ' || *value == '\t' || *value == ',')
        value++;
      end = value;
      while (*end != '\0' && *end != ',')
        end++;
      /* Trim trailing white space of this token. */
      while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
      if ((size_t) (end - value) == tlen &&
          (case_sensitive ? strncmp(value, token, tlen)
                          : ws__casecmp_n(value, token, tlen)) == 0)
        return 1;
      while (*end != '\0' && *end != ',')
        end++;
      value = end;
    }
  }
  return 0;
}

size_t ws__request_occurrences(const ws_request_t* req, const char* name) {
  size_t n;
  size_t i;

  n = 0;
  for (i = 0; i < req->header_count; i++)
    if (ws__casecmp(req->text + req->headers[i].name, name) == 0)
      n++;
  return n;
}

int ws__http_parse(ws_request_t* req, const char* data, size_t len,
                   size_t* used) {
  llhttp_errno_t err;
  size_t room;
  size_t n;

  room = req->max_size - req->consumed;
  n = len < room ? len : room;
  err = llhttp_execute(&req->parser, data, n);
  if (err == HPE_PAUSED && req->complete) {
    *used = (size_t) (llhttp_get_error_pos(&req->parser) - data);
    req->consumed += *used;
    return 1;
  }
  if (err != HPE_OK) {
    *used = len;
    if (req->status == 0)
      req->status = 400;
    return -1;
  }
  *used = n;
  req->consumed += n;
  if (req->consumed >= req->max_size) {
    req->status = 431;
    return -1;
  }
  return 0;
}

const char* ws__status_reason(int status) {
  switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return status < 400 ? "OK" : "Error";
  }
}

/* The pieces of a response head, NULL-terminated, joined into one block
 * of ours: the head has no size limit but that of its parts. */
static char* ws__join(const char* const* parts, size_t* len) {
  size_t n;
  size_t i;
  char* p;

  for (n = 0, i = 0; parts[i] != NULL; i++)
    n += strlen(parts[i]);
  p = ws__malloc(n + 1);
  if (p == NULL)
    return NULL;
  for (n = 0, i = 0; parts[i] != NULL; i++) {
    memcpy(p + n, parts[i], strlen(parts[i]));
    n += strlen(parts[i]);
  }
  *len = n;
  return p;
}

int ws__request_write_response(ws_request_t* req, int status,
                               const char* content_type, const void* body,
                               size_t body_len, ws__outq_t* q) {
  const char* parts[16];
  char accept[29];
  char status_line[32];
  char length[24];
  char* extra;
  char* head;
  size_t head_len;
  int i;
  int r;

  i = 0;
  if (status == 101) {
    ws__accept_key(req->key, accept);
    parts[i++] = "HTTP/1.1 101 Switching Protocols\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: ";
    parts[i++] = accept;
    parts[i++] = "\r\n";
    if (req->subprotocol != NULL) {
      parts[i++] = "Sec-WebSocket-Protocol: ";
      parts[i++] = req->subprotocol;
      parts[i++] = "\r\n";
    }
    if (req->extensions != NULL) {
      parts[i++] = "Sec-WebSocket-Extensions: ";
      parts[i++] = req->extensions;
      parts[i++] = "\r\n";
    }
    body_len = 0;
  } else {
    if (body == NULL) {
      body = ws__status_reason(status);
      body_len = strlen(body);
      content_type = "text/plain; charset=utf-8";
    }
    snprintf(status_line, sizeof(status_line), "HTTP/1.1 %d ", status);
    parts[i++] = status_line;
    parts[i++] = ws__status_reason(status);
    parts[i++] = "\r\n";
    if (content_type != NULL) {
      parts[i++] = "Content-Type: ";
      parts[i++] = content_type;
      parts[i++] = "\r\n";
    }
    snprintf(length, sizeof(length), "%lu", (unsigned long) body_len);
    parts[i++] = "Content-Length: ";
    parts[i++] = length;
    parts[i++] = "\r\nConnection: close\r\n";
    if (status == 426)
      parts[i++] = "Sec-WebSocket-Version: 13\r\n";
    /* HEAD gets the headers a GET would, Content-Length included, and no
     * body (RFC 7231 4.3.2). */
    if (req->parser.method == HTTP_HEAD)
      body_len = 0;
  }
  extra = ws__strndup(req->extra != NULL ? req->extra : "", req->extra_len);
  if (extra == NULL)
    return WS_ENOMEM;
  parts[i++] = extra;
  parts[i++] = "\r\n";
  parts[i] = NULL;
  head = ws__join(parts, &head_len);
  ws__free(extra);
  if (head == NULL)
    return WS_ENOMEM;
  /* One append: a response is queued whole or not at all. */
  r = ws__outq_append(q, head, head_len, body, body_len);
  ws__free(head);
  return r;
}

const char* ws_request_method(const ws_request_t* request) {
  return llhttp_method_name((llhttp_method_t) request->parser.method);
}

const char* ws_request_target(const ws_request_t* request) {
  return request->text != NULL ? request->text : "";
}

const char* ws_request_header(const ws_request_t* request, const char* name) {
  size_t i;

  for (i = 0; i < request->header_count; i++)
    if (ws__casecmp(request->text + request->headers[i].name, name) == 0)
      return request->text + request->headers[i].value;
  return NULL;
}

size_t ws_request_header_count(const ws_request_t* request) {
  return request->header_count;
}

int ws_request_header_at(const ws_request_t* request, size_t index,
                         const char** name, const char** value) {
  if (index >= request->header_count)
    return WS_EINVAL;
  *name = request->text + request->headers[index].name;
  *value = request->text + request->headers[index].value;
  return 0;
}

int ws_request_select_subprotocol(ws_request_t* request,
                                  const char* protocol) {
  char* copy;

  if (protocol == NULL || !request->is_upgrade ||
      !ws__request_has_token(request, "Sec-WebSocket-Protocol", protocol, 1))
    return WS_EINVAL;
  copy = ws__malloc(strlen(protocol) + 1);
  if (copy == NULL)
    return WS_ENOMEM;
  strcpy(copy, protocol);
  ws__free(request->subprotocol);
  request->subprotocol = copy;
  return 0;
}

static int ws__is_header_text(const char* s, int allow_empty) {
  if (s == NULL || (!allow_empty && *s == '\0'))
    return 0;
  for (; *s != '\0'; s++)
    if (*s == '\r' || *s == '\n')
      return 0;
  return 1;
}

int ws_request_add_header(ws_request_t* request, const char* name,
                          const char* value) {
  size_t nlen;
  size_t vlen;
  int r;

  if (!ws__is_header_text(name, 0) || !ws__is_header_text(value, 1) ||
      strchr(name, ':') != NULL)
    return WS_EINVAL;
  nlen = strlen(name);
  vlen = strlen(value);
  r = ws__grow(&request->extra, &request->extra_cap, request->extra_len,
               nlen + vlen + 4, (size_t) -1);
  if (r != 0)
    return r;
  memcpy(request->extra + request->extra_len, name, nlen);
  memcpy(request->extra + request->extra_len + nlen, ": ", 2);
  memcpy(request->extra + request->extra_len + nlen + 2, value, vlen);
  memcpy(request->extra + request->extra_len + nlen + 2 + vlen, "\r\n", 2);
  request->extra_len += nlen + vlen + 4;
  return 0;
}

int ws_request_respond(ws_request_t* request, int status,
                       const char* content_type, const void* body,
                       size_t len) {
  int r;

  if (!request->in_on_http || request->responded || status < 200 ||
      status > 599 || (content_type != NULL &&
                       !ws__is_header_text(content_type, 0)) ||
      (body == NULL && len > 0))
    return WS_EINVAL;
  r = ws__request_write_response(request, status, content_type,
                                 body != NULL ? body : "", len,
                                 (ws__outq_t*) request->response);
  if (r == 0)
    request->responded = 1;
  return r;
}
