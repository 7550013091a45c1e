# Cross-compiles for 64-bit Windows with MinGW-w64 (Debian:
# apt-get install gcc-mingw-w64-x86-64). See docs/cross-compiling.md.
#
#   cmake -S . -B build-windows \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake \
#     -DUVWS_DEPS_FROM_SOURCE=ON
#
# Libraries and headers are searched for only under CMAKE_FIND_ROOT_PATH
# (MinGW's own tree, plus UVWS_MINGW_PREFIX if set), never in the host's
# /usr. If wine64 is installed, CMAKE_CROSSCOMPILING_EMULATOR runs the
# tests under Wine (cmake/toolchains/wine64-run).

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(_uvws_triplet x86_64-w64-mingw32)
# The default (win32 threads) flavour: libuv uses Windows threads itself,
# and programs then need no libwinpthread-1.dll.
set(CMAKE_C_COMPILER ${_uvws_triplet}-gcc)
set(CMAKE_CXX_COMPILER ${_uvws_triplet}-g++)
set(CMAKE_RC_COMPILER ${_uvws_triplet}-windres)

# A prefix with Windows builds of libraries (libuv, wslay), if any.
set(UVWS_MINGW_PREFIX "$ENV{UVWS_MINGW_PREFIX}" CACHE PATH
  "Prefix with MinGW-w64 builds of uvws's dependencies")
set(CMAKE_FIND_ROOT_PATH "/usr/${_uvws_triplet}" ${UVWS_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must not answer with the host's libuv.
if(NOT DEFINED ENV{PKG_CONFIG_LIBDIR})
  set(ENV{PKG_CONFIG_LIBDIR} "${UVWS_MINGW_PREFIX}/lib/pkgconfig")
endif()

# Programs run from a static libgcc, with no MinGW DLL to copy beside them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")

find_program(UVWS_WINE64 NAMES wine64 PATHS /usr/lib/wine NO_DEFAULT_PATH)
find_program(UVWS_WINE64 NAMES wine64)
if(UVWS_WINE64)
  set(CMAKE_CROSSCOMPILING_EMULATOR
    "${CMAKE_CURRENT_LIST_DIR}/wine64-run;${UVWS_WINE64}")
endif()
unset(_uvws_triplet)
