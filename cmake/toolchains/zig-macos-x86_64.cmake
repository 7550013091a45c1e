# Cross-compiles for macOS 11 and later on Intel with zig cc (Zig 0.11 has
# no libc headers for older versions). See
# zig-macos.cmake and docs/cross-compiling.md.
set(UVWS_ZIG_TARGET x86_64-macos)
include("${CMAKE_CURRENT_LIST_DIR}/zig-macos.cmake")
