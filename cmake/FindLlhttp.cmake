# Finds llhttp and provides the target uvws::llhttp.
#
# An installed llhttp with a CMake package config (llhttp::llhttp) wins.
# Otherwise the C sources in UVWS_LLHTTP_DIR (Debian's node-llhttp puts them
# in /usr/share/llhttp) are compiled into the object library uvws_llhttp,
# whose objects end up inside the uvws library itself. Sets Llhttp_FOUND and
# Llhttp_VERSION, and Llhttp_INCLUDE_DIRS for code that only needs the header
# (the tests, which reach internal headers that include llhttp.h).
#
# Sources compiled here get names of uvws's own (ws__llhttp_*: see
# UvwsLlhttpNames.cmake), in the header UVWS_LLHTTP_NAMES_HEADER, which
# uvws_use_llhttp_names(TARGET) force-includes into a target's sources.

include(UvwsLlhttpNames)

if(TARGET uvws::llhttp)
  set(Llhttp_FOUND TRUE)
  return()
endif()

set(_uvws_llhttp_target "")
set(_uvws_llhttp_how "")
set(Llhttp_INCLUDE_DIRS "")

# UVWS_DEPS_FROM_SOURCE wants the sources it was given, never a package.
if(NOT UVWS_DEPS_FROM_SOURCE)
  find_package(llhttp CONFIG QUIET)
  mark_as_advanced(llhttp_DIR)
endif()
if(llhttp_FOUND AND NOT UVWS_DEPS_FROM_SOURCE)
  foreach(_t llhttp::llhttp llhttp::llhttp_static llhttp::llhttp_shared)
    if(TARGET ${_t})
      set(_uvws_llhttp_target ${_t})
      set(Llhttp_VERSION ${llhttp_VERSION})
      set(_uvws_llhttp_how "CMake config ${llhttp_DIR}")
      break()
    endif()
  endforeach()
endif()

if(_uvws_llhttp_target)
  get_target_property(_uvws_imported ${_uvws_llhttp_target} IMPORTED)
  get_target_property(_uvws_global ${_uvws_llhttp_target} IMPORTED_GLOBAL)
  if(_uvws_imported AND NOT _uvws_global)
    set_target_properties(${_uvws_llhttp_target} PROPERTIES
      IMPORTED_GLOBAL TRUE)
  endif()
  unset(_uvws_imported)
  unset(_uvws_global)
  set(Llhttp_INCLUDE_DIRS
    "$<TARGET_PROPERTY:${_uvws_llhttp_target},INTERFACE_INCLUDE_DIRECTORIES>")
elseif(EXISTS "${UVWS_LLHTTP_DIR}/llhttp.c"
       AND EXISTS "${UVWS_LLHTTP_INCLUDE_DIR}/llhttp.h")
  add_library(uvws_llhttp OBJECT
    "${UVWS_LLHTTP_DIR}/api.c"
    "${UVWS_LLHTTP_DIR}/http.c"
    "${UVWS_LLHTTP_DIR}/llhttp.c")
  target_include_directories(uvws_llhttp PUBLIC "${UVWS_LLHTTP_INCLUDE_DIR}")
  uvws_llhttp_write_names("${CMAKE_CURRENT_BINARY_DIR}/uvws_llhttp_names.h"
    "${UVWS_LLHTTP_DIR}/api.c"
    "${UVWS_LLHTTP_DIR}/http.c"
    "${UVWS_LLHTTP_DIR}/llhttp.c"
    "${UVWS_LLHTTP_INCLUDE_DIR}/llhttp.h")
  uvws_use_llhttp_names(uvws_llhttp)
  # The generated parser is not ours to fix: build it quietly, never with
  # -Werror, and keep its symbols out of a shared uvws's ABI (and, renamed,
  # out of the way of a program's own llhttp).
  set_target_properties(uvws_llhttp PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden)
  if(MSVC)
    target_compile_options(uvws_llhttp PRIVATE /w)
  else()
    target_compile_options(uvws_llhttp PRIVATE -w)
  endif()
  file(STRINGS "${UVWS_LLHTTP_INCLUDE_DIR}/llhttp.h" _uvws_ver
    REGEX "^#define LLHTTP_VERSION_(MAJOR|MINOR|PATCH) +[0-9]+")
  string(REGEX REPLACE
    ".*MAJOR +([0-9]+).*MINOR +([0-9]+).*PATCH +([0-9]+).*"
    "\\1.\\2.\\3" Llhttp_VERSION "${_uvws_ver}")
  unset(_uvws_ver)
  set(_uvws_llhttp_target uvws_llhttp)
  set(_uvws_llhttp_how "sources in ${UVWS_LLHTTP_DIR}")
  set(Llhttp_INCLUDE_DIRS "${UVWS_LLHTTP_INCLUDE_DIR}")
endif()

if(_uvws_llhttp_target)
  add_library(uvws::llhttp ALIAS ${_uvws_llhttp_target})
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Llhttp
  REQUIRED_VARS _uvws_llhttp_how _uvws_llhttp_target
  VERSION_VAR Llhttp_VERSION
  FAIL_MESSAGE "llhttp not found: install node-llhttp (Debian) or set \
UVWS_LLHTTP_DIR and UVWS_LLHTTP_INCLUDE_DIR")
unset(_uvws_llhttp_target)
unset(_uvws_llhttp_how)
