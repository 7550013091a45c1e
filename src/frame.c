#include "uvws_int.h"

#include <string.h>

size_t ws__frame_header(unsigned char* out, unsigned int opcode,
                        uint64_t payload_len, const unsigned char* mask_key) {
  size_t len;
  int i;

  out[0] = (unsigned char) (0x80 | (opcode & 0x0f));
  if (payload_len < 126) {
    out[1] = (unsigned char) payload_len;
    len = 2;
  } else if (payload_len <= 0xffff) {
    out[1] = 126;
    out[2] = (unsigned char) (payload_len >> 8);
    out[3] = (unsigned char) payload_len;
    len = 4;
  } else {
    out[1] = 127;
    for (i = 0; i < 8; i++)
      out[2 + i] = (unsigned char) (payload_len >> (56 - 8 * i));
    len = 10;
  }
  if (mask_key == NULL)
    return len;
  out[1] |= 0x80;
  memcpy(out + len, mask_key, 4);
  return len + 4;
}

int ws__frame_parse(const unsigned char* data, size_t len,
                    ws__frame_t* frame) {
  uint64_t payload;
  unsigned int opcode;
  size_t header;
  int i;

  if (len < 2)
    return WS__FRAME_PARTIAL;
  opcode = data[0] & 0x0f;
  payload = data[1] & 0x7f;
  header = 2;
  /* Control frames must be final and carry at most 125 bytes. */
  if ((opcode & 0x08) && (payload > 125 || !(data[0] & 0x80)))
    return WS__FRAME_INVALID;
  /* A close payload is empty or starts with a two-byte code. */
  if (opcode == WS__OP_CLOSE && payload == 1)
    return WS__FRAME_INVALID;
  if (payload == 126) {
    header = 4;
    if (len < header)
      return WS__FRAME_PARTIAL;
    payload = ((uint64_t) data[2] << 8) | data[3];
    if (payload < 126)
      return WS__FRAME_INVALID; /* not the minimal encoding */
  } else if (payload == 127) {
    header = 10;
    if (len < header)
      return WS__FRAME_PARTIAL;
    payload = 0;
    for (i = 0; i < 8; i++)
      payload = (payload << 8) | data[2 + i];
    if (payload < 0x10000 || (payload >> 63))
      return WS__FRAME_INVALID;
  }
  if (data[1] & 0x80)
    header += 4;
  if (len < header)
    return WS__FRAME_PARTIAL;
  frame->payload_len = payload;
  frame->header_len = (uint8_t) header;
  frame->opcode = (uint8_t) opcode;
  frame->rsv = (uint8_t) ((data[0] >> 4) & 0x07);
  frame->fin = (data[0] & 0x80) != 0;
  frame->masked = (data[1] & 0x80) != 0;
  return WS__FRAME_HEADER;
}
