/* Error names and messages: ours, libuv's passed through, and unknown
 * codes; and the version, as a macro and at run time. */
#include "test.h"
#include "uvws.h"

int main(void) {
  ASSERT_STR_EQ("WS_EINVAL", ws_err_name(WS_EINVAL));
  ASSERT_STR_EQ("invalid argument", ws_strerror(WS_EINVAL));
  ASSERT_STR_EQ("WS_EQUEUEFULL", ws_err_name(WS_EQUEUEFULL));
  ASSERT_STR_EQ("WS_EBADRESPONSE", ws_err_name(WS_EBADRESPONSE));
  ASSERT_STR_EQ("send queue limit exceeded", ws_strerror(WS_EQUEUEFULL));
  /* Regression test: libuv's codes were called "unknown error". */
  ASSERT_STR_EQ(uv_strerror(UV_EADDRINUSE), ws_strerror(UV_EADDRINUSE));
  ASSERT_STR_EQ(uv_err_name(UV_ECONNRESET), ws_err_name(UV_ECONNRESET));
  ASSERT_STR_EQ(uv_strerror(UV_EOF), ws_strerror(UV_EOF));
  /* A code in our range that we never defined. */
  ASSERT_STR_EQ("unknown error", ws_strerror(-30999));
  ASSERT_STR_EQ("WS_UNKNOWN", ws_err_name(-30999));
  ASSERT_EQ(UVWS_VERSION_HEX, ws_version());
  ASSERT_STR_EQ(UVWS_VERSION_STRING, ws_version_string());
  return 0;
}
