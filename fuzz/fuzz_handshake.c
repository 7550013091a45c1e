/* libFuzzer target: the HTTP request parser and handshake checks, fed in
 * pieces whose size the first byte picks, then every request accessor and
 * the response writer. */
#include "uvws_int.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ws__outq_t out;
  ws_request_t req;
  ws__hs_result_t r;
  const char* name;
  const char* value;
  size_t used;
  size_t step;
  size_t n;
  size_t i;

  if (size == 0)
    return 0;
  step = (size_t) data[0] % 64 + 1;
  data++;
  size--;
  ws__request_init(&req, 512, HTTP_REQUEST);
  memset(&out, 0, sizeof(out));
  r = WS__HS_MORE;
  while (size > 0 && r == WS__HS_MORE) {
    n = size < step ? size : step;
    r = ws__request_feed(&req, (const char*) data, n, &used);
    if (used > n)
      abort();
    data += n;
    size -= n;
  }
  if (r != WS__HS_MORE) {
    (void) ws_request_method(&req);
    (void) ws_request_target(&req);
    (void) ws_request_header(&req, "Sec-WebSocket-Protocol");
    for (i = 0; i < ws_request_header_count(&req); i++)
      if (ws_request_header_at(&req, i, &name, &value) != 0 ||
          strlen(name) > 512 || strlen(value) > 512)
        abort();
    ws_request_select_subprotocol(&req, "chat");
    ws__request_write_response(&req, r == WS__HS_UPGRADE ? 101 : req.status,
                               NULL, NULL, 0, &out);
    if (r == WS__HS_REFUSE && (req.status < 400 || req.status > 599))
      abort();
  }
  ws__outq_clear(&out);
  ws__request_free(&req);
  return 0;
}
