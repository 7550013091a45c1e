#include "uvws_int.h"

unsigned int ws_version(void) {
  return UVWS_VERSION_HEX;
}

const char* ws_version_string(void) {
  return UVWS_VERSION_STRING;
}

const char* ws_strerror(int err) {
  switch (err) {
#define WS__STRERROR_GEN(name, value, msg) case WS_##name: return msg;
    WS_ERRNO_MAP(WS__STRERROR_GEN)
#undef WS__STRERROR_GEN
  }
  if (err < 0 && err > WS_ERRNO_MAX)
    return "unknown error";
  return uv_strerror(err);
}

const char* ws_err_name(int err) {
  switch (err) {
#define WS__ERR_NAME_GEN(name, value, msg) case WS_##name: return "WS_" #name;
    WS_ERRNO_MAP(WS__ERR_NAME_GEN)
#undef WS__ERR_NAME_GEN
  }
  if (err < 0 && err > WS_ERRNO_MAX)
    return "WS_UNKNOWN";
  return uv_err_name(err);
}
