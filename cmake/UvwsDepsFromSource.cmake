# UVWS_DEPS_FROM_SOURCE: libuv, wslay and llhttp are built from source as
# static libraries of this build; what cross builds use (see
# docs/cross-compiling.md). Defines uvws::libuv, uvws::wslay and uvws::llhttp,
# except those a parent project defined before adding uvws.
#
# Each source tree comes from, in order:
#   UVWS_LIBUV_SOURCE_DIR, UVWS_WSLAY_SOURCE_DIR, UVWS_LLHTTP_SOURCE_DIR;
#   FETCHCONTENT_SOURCE_DIR_LIBUV, _WSLAY, _LLHTTP (FetchContent's own);
#   the pinned release below, downloaded and checked by its SHA-256.
# With FETCHCONTENT_FULLY_DISCONNECTED=ON nothing is downloaded.
#
# llhttp's tree is a release tree (src/api.c, src/http.c, src/llhttp.c,
# include/llhttp.h); its sources are compiled into uvws itself. libuv and
# wslay are built with their own CMake files; their install rules are kept,
# so that installing uvws also installs the libuv and wslay it needs.

include(FetchContent)
# FetchContent_Populate() with one argument: still the way to add only a
# subdirectory (wslay's lib/) or to set options first, with CMake 3.16.
if(POLICY CMP0169)
  cmake_policy(SET CMP0169 OLD)
endif()
# Extracted files get the time of extraction.
if(POLICY CMP0135)
  cmake_policy(SET CMP0135 NEW)
endif()
# option() in libuv's and wslay's CMake files honours our variables.
set(CMAKE_POLICY_DEFAULT_CMP0077 NEW)
# wslay asks for CMake 2.8, which CMake 4 refuses without this.
if(NOT DEFINED CMAKE_POLICY_VERSION_MINIMUM)
  set(CMAKE_POLICY_VERSION_MINIMUM 3.5)
endif()

set(UVWS_LIBUV_SOURCE_DIR "" CACHE PATH
  "libuv source tree for UVWS_DEPS_FROM_SOURCE (empty: download)")
set(UVWS_WSLAY_SOURCE_DIR "" CACHE PATH
  "wslay source tree for UVWS_DEPS_FROM_SOURCE (empty: download)")
set(UVWS_LLHTTP_SOURCE_DIR "" CACHE PATH
  "llhttp release tree for UVWS_DEPS_FROM_SOURCE (empty: download)")

# Pinned releases. The hashes were checked against two independent
# sources each (package recipes and Debian's orig tarball for wslay).
FetchContent_Declare(libuv
  URL "https://github.com/libuv/libuv/archive/refs/tags/v1.48.0.tar.gz"
  URL_HASH
    SHA256=8c253adb0f800926a6cbd1c6576abae0bc8eb86a4f891049b72f9e5b7dc58f33)
FetchContent_Declare(wslay
  URL "https://github.com/tatsuhiro-t/wslay/archive/release-1.1.1.tar.gz"
  URL_HASH
    SHA256=7b9f4b9df09adaa6e07ec309b68ab376c0db2cfd916613023b52a47adfda224a)
FetchContent_Declare(llhttp
  URL "https://github.com/nodejs/llhttp/archive/refs/tags/release/v8.1.0.tar.gz"
  URL_HASH
    SHA256=9da0d23453e8e242cf3b2bc5d6fb70b1517b8a70520065fcbad6be787e86638e)

# Sets <name>_SOURCE_DIR and <name>_BINARY_DIR, populating if needed.
macro(uvws_dep_source name var)
  string(TOUPPER "${name}" _uvws_upper)
  if(${var})
    if(NOT EXISTS "${${var}}")
      message(FATAL_ERROR "${var}: no such directory: ${${var}}")
    endif()
    set(FETCHCONTENT_SOURCE_DIR_${_uvws_upper} "${${var}}")
  endif()
  FetchContent_GetProperties(${name})
  if(NOT ${name}_POPULATED)
    FetchContent_Populate(${name})
  endif()
  message(STATUS "uvws: ${name} from ${${name}_SOURCE_DIR}")
  unset(_uvws_upper)
endmacro()

# ---- libuv: its static library uv_a --------------------------------------
if(NOT TARGET uvws::libuv)
  uvws_dep_source(libuv UVWS_LIBUV_SOURCE_DIR)
  set(LIBUV_BUILD_TESTS OFF)
  set(LIBUV_BUILD_BENCH OFF)
  set(LIBUV_BUILD_SHARED OFF) # libuv >= 1.45; older ones build both
  set(BUILD_TESTING OFF)
  add_subdirectory("${libuv_SOURCE_DIR}" "${libuv_BINARY_DIR}")
  set_target_properties(uv_a PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(TARGET uv AND NOT UVWS_INSTALL)
    # libuv < 1.45 has no switch for its shared library: build it only if
    # something asks for it, or if libuv's install rules will want it.
    set_target_properties(uv PROPERTIES EXCLUDE_FROM_ALL ON)
  endif()
  add_library(uvws::libuv INTERFACE IMPORTED GLOBAL)
  set_property(TARGET uvws::libuv PROPERTY INTERFACE_LINK_LIBRARIES uv_a)
  # FindLibuv.cmake reports it.
  file(STRINGS "${libuv_SOURCE_DIR}/include/uv/version.h" _uvws_ver
    REGEX "^#define UV_VERSION_(MAJOR|MINOR|PATCH) +[0-9]+")
  string(REGEX REPLACE ".*MAJOR +([0-9]+).*MINOR +([0-9]+).*PATCH +([0-9]+).*"
    "\\1.\\2.\\3" Libuv_VERSION "${_uvws_ver}")
  unset(_uvws_ver)
endif()

# ---- wslay: lib/ only (the top CMakeLists.txt also enables C++) -----------
if(NOT TARGET uvws::wslay)
  uvws_dep_source(wslay UVWS_WSLAY_SOURCE_DIR)
  set(WSLAY_STATIC ON)
  set(WSLAY_SHARED OFF)
  # Its library and headers are installed with uvws, which needs them.
  set(WSLAY_CONFIGURE_INSTALL ${UVWS_INSTALL})
  if(WIN32)
    # wslay's own probe compiles winsock2.h with -pedantic-errors, which
    # MinGW's headers fail: without this, wslay_net.h has no ntohs().
    set(HAVE_WINSOCK2_H 1)
  endif()
  add_subdirectory("${wslay_SOURCE_DIR}/lib" "${wslay_BINARY_DIR}")
  set_target_properties(wslay PROPERTIES POSITION_INDEPENDENT_CODE ON)
  # wslay adds -Werror -pedantic-errors to CMAKE_C_FLAGS: someone else's
  # warnings, with someone else's compiler, must not fail our build.
  if(NOT MSVC)
    target_compile_options(wslay PRIVATE -Wno-error -Wno-pedantic)
  endif()
  if(WIN32)
    target_link_libraries(wslay PUBLIC ws2_32)
  endif()
  add_library(uvws::wslay INTERFACE IMPORTED GLOBAL)
  set_property(TARGET uvws::wslay PROPERTY INTERFACE_LINK_LIBRARIES wslay)
endif()

# ---- llhttp: FindLlhttp.cmake compiles these into uvws --------------------
if(NOT TARGET uvws::llhttp)
  uvws_dep_source(llhttp UVWS_LLHTTP_SOURCE_DIR)
  set(UVWS_LLHTTP_DIR "${llhttp_SOURCE_DIR}/src")
  set(UVWS_LLHTTP_INCLUDE_DIR "${llhttp_SOURCE_DIR}/include")
endif()
