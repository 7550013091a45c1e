# Finds libuv and provides the imported target uvws::libuv.
#
# Tries, in order: a CMake package config (libuv's own, or vcpkg's), the
# pkg-config module "libuv" (what Debian ships), and a bare search for the
# header and the library. Sets Libuv_FOUND and Libuv_VERSION when known.

if(TARGET uvws::libuv)
  set(Libuv_FOUND TRUE)
  return()
endif()

set(_uvws_libuv_target "")
set(_uvws_libuv_how "")

# libuv's own CMake build installs libuv::uv (shared) and libuv::uv_a
# (static); vcpkg's port uses the name unofficial-libuv.
find_package(libuv CONFIG QUIET)
# Where a config was looked for is the user's business only when it is set;
# keep it out of a parent project's list of options.
mark_as_advanced(libuv_DIR)
if(libuv_FOUND)
  foreach(_t libuv::uv libuv::uv_a libuv::libuv uv uv_a)
    if(TARGET ${_t})
      set(_uvws_libuv_target ${_t})
      set(Libuv_VERSION ${libuv_VERSION})
      set(_uvws_libuv_how "CMake config ${libuv_DIR}")
      break()
    endif()
  endforeach()
endif()
if(NOT _uvws_libuv_target)
  find_package(unofficial-libuv CONFIG QUIET)
  mark_as_advanced(unofficial-libuv_DIR)
  if(TARGET unofficial::libuv::libuv)
    set(_uvws_libuv_target unofficial::libuv::libuv)
    set(Libuv_VERSION ${unofficial-libuv_VERSION})
    set(_uvws_libuv_how "CMake config ${unofficial-libuv_DIR}")
  endif()
endif()

if(NOT _uvws_libuv_target)
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(UVWS_PC_LIBUV QUIET IMPORTED_TARGET GLOBAL libuv)
    if(UVWS_PC_LIBUV_FOUND)
      set(_uvws_libuv_target PkgConfig::UVWS_PC_LIBUV)
      set(Libuv_VERSION ${UVWS_PC_LIBUV_VERSION})
      set(_uvws_libuv_how "pkg-config")
    endif()
  endif()
endif()

if(NOT _uvws_libuv_target)
  find_path(Libuv_INCLUDE_DIR NAMES uv.h)
  find_library(Libuv_LIBRARY NAMES uv libuv uv_a)
  mark_as_advanced(Libuv_INCLUDE_DIR Libuv_LIBRARY)
  if(Libuv_INCLUDE_DIR AND Libuv_LIBRARY)
    add_library(uvws_libuv_bare UNKNOWN IMPORTED GLOBAL)
    set_target_properties(uvws_libuv_bare PROPERTIES
      IMPORTED_LOCATION "${Libuv_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${Libuv_INCLUDE_DIR}")
    # A static libuv needs the system libraries that libuv.pc would list.
    if(WIN32)
      set_property(TARGET uvws_libuv_bare PROPERTY INTERFACE_LINK_LIBRARIES
        psapi user32 advapi32 iphlpapi userenv ws2_32 dbghelp ole32 shell32)
    elseif(UNIX)
      find_package(Threads QUIET)
      if(Threads_FOUND)
        set_property(TARGET uvws_libuv_bare APPEND PROPERTY
          INTERFACE_LINK_LIBRARIES Threads::Threads)
      endif()
      set_property(TARGET uvws_libuv_bare APPEND PROPERTY
        INTERFACE_LINK_LIBRARIES ${CMAKE_DL_LIBS})
    endif()
    if(EXISTS "${Libuv_INCLUDE_DIR}/uv/version.h")
      file(STRINGS "${Libuv_INCLUDE_DIR}/uv/version.h" _uvws_uv_ver
        REGEX "^#define UV_VERSION_(MAJOR|MINOR|PATCH) +[0-9]+")
      string(REGEX REPLACE
        ".*MAJOR +([0-9]+).*MINOR +([0-9]+).*PATCH +([0-9]+).*"
        "\\1.\\2.\\3" Libuv_VERSION "${_uvws_uv_ver}")
      unset(_uvws_uv_ver)
    endif()
    set(_uvws_libuv_target uvws_libuv_bare)
    set(_uvws_libuv_how "${Libuv_LIBRARY}")
  endif()
endif()

if(_uvws_libuv_target)
  get_target_property(_uvws_imported ${_uvws_libuv_target} IMPORTED)
  get_target_property(_uvws_global ${_uvws_libuv_target} IMPORTED_GLOBAL)
  # Targets from another package's config are local to this directory; make
  # them global so that uvws can be used from a parent project.
  if(_uvws_imported AND NOT _uvws_global)
    set_target_properties(${_uvws_libuv_target} PROPERTIES
      IMPORTED_GLOBAL TRUE)
  endif()
  add_library(uvws::libuv INTERFACE IMPORTED GLOBAL)
  set_property(TARGET uvws::libuv PROPERTY
    INTERFACE_LINK_LIBRARIES ${_uvws_libuv_target})
  unset(_uvws_imported)
  unset(_uvws_global)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Libuv
  REQUIRED_VARS _uvws_libuv_how _uvws_libuv_target
  VERSION_VAR Libuv_VERSION
  FAIL_MESSAGE "libuv not found (on Debian: apt-get install libuv1-dev)")
unset(_uvws_libuv_target)
unset(_uvws_libuv_how)
