# Cross-compiles for macOS 11 and later on Apple silicon with zig cc. See
# zig-macos.cmake and docs/cross-compiling.md.
set(UVWS_ZIG_TARGET aarch64-macos)
include("${CMAKE_CURRENT_LIST_DIR}/zig-macos.cmake")
