#include "uvws_int.h"

unsigned int ws_version(void) {
  return UVWS_VERSION_HEX;
}

const char* ws_version_string(void) {
  return UVWS_VERSION_STRING;
}

/* Our codes are -30001 to -30999; libuv's are above -4096. */
static int ws__err_ours(int err) {
  return err < WS_ERRNO_MAX && err > WS_ERRNO_MAX - 1000;
}

const char* ws_strerror(int err) {
  switch (err) {
#define WS__STRERROR_GEN(name, value, msg) case WS_##name: return msg;
    WS_ERRNO_MAP(WS__STRERROR_GEN)
#undef WS__STRERROR_GEN
  }
  if (ws__err_ours(err))
    return "unknown error";
  return uv_strerror(err);
}

const char* ws_err_name(int err) {
  switch (err) {
#define WS__ERR_NAME_GEN(name, value, msg) case WS_##name: return "WS_" #name;
    WS_ERRNO_MAP(WS__ERR_NAME_GEN)
#undef WS__ERR_NAME_GEN
  }
  if (ws__err_ours(err))
    return "WS_UNKNOWN";
  return uv_err_name(err);
}
