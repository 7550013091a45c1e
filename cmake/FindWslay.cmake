# Finds wslay and provides the imported target uvws::wslay.
#
# Tries, in order: wslay's CMake package config (Debian's libwslay-dev ships
# one with the un-namespaced target "wslay"), the pkg-config module
# "libwslay" (autotools installs), and a bare search for wslay/wslay.h and the
# library. Sets Wslay_FOUND and Wslay_VERSION when known.

if(TARGET uvws::wslay)
  set(Wslay_FOUND TRUE)
  return()
endif()

set(_uvws_wslay_target "")
set(_uvws_wslay_how "")

find_package(wslay CONFIG QUIET)
mark_as_advanced(wslay_DIR)
if(wslay_FOUND)
  foreach(_t wslay wslay::wslay wslay_shared wslay::wslay_static wslay_static)
    if(TARGET ${_t})
      set(_uvws_wslay_target ${_t})
      set(_uvws_wslay_how "CMake config ${wslay_DIR}")
      break()
    endif()
  endforeach()
endif()

if(NOT _uvws_wslay_target)
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(UVWS_PC_WSLAY QUIET IMPORTED_TARGET GLOBAL libwslay)
    if(UVWS_PC_WSLAY_FOUND)
      set(_uvws_wslay_target PkgConfig::UVWS_PC_WSLAY)
      set(Wslay_VERSION ${UVWS_PC_WSLAY_VERSION})
      set(_uvws_wslay_how "pkg-config")
    endif()
  endif()
endif()

if(NOT _uvws_wslay_target)
  find_path(Wslay_INCLUDE_DIR NAMES wslay/wslay.h)
  find_library(Wslay_LIBRARY NAMES wslay)
  mark_as_advanced(Wslay_INCLUDE_DIR Wslay_LIBRARY)
  if(Wslay_INCLUDE_DIR AND Wslay_LIBRARY)
    add_library(uvws_wslay_bare UNKNOWN IMPORTED GLOBAL)
    set_target_properties(uvws_wslay_bare PROPERTIES
      IMPORTED_LOCATION "${Wslay_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${Wslay_INCLUDE_DIR}")
    # A static wslay calls htons() and friends from Winsock.
    if(WIN32)
      set_property(TARGET uvws_wslay_bare PROPERTY
        INTERFACE_LINK_LIBRARIES ws2_32)
    endif()
    set(_uvws_wslay_target uvws_wslay_bare)
    set(_uvws_wslay_how "${Wslay_LIBRARY}")
  endif()
endif()

if(_uvws_wslay_target)
  # The version lives in wslayver.h, whichever way wslay was found.
  get_target_property(_uvws_inc ${_uvws_wslay_target}
    INTERFACE_INCLUDE_DIRECTORIES)
  if(NOT Wslay_VERSION AND _uvws_inc)
    foreach(_d ${_uvws_inc})
      if(EXISTS "${_d}/wslay/wslayver.h")
        file(STRINGS "${_d}/wslay/wslayver.h" _uvws_ver
          REGEX "^#define WSLAY_VERSION ")
        string(REGEX REPLACE ".*\"([^\"]+)\".*" "\\1" Wslay_VERSION
          "${_uvws_ver}")
        unset(_uvws_ver)
        break()
      endif()
    endforeach()
  endif()
  get_target_property(_uvws_imported ${_uvws_wslay_target} IMPORTED)
  get_target_property(_uvws_global ${_uvws_wslay_target} IMPORTED_GLOBAL)
  if(_uvws_imported AND NOT _uvws_global)
    set_target_properties(${_uvws_wslay_target} PROPERTIES
      IMPORTED_GLOBAL TRUE)
  endif()
  add_library(uvws::wslay INTERFACE IMPORTED GLOBAL)
  set_property(TARGET uvws::wslay PROPERTY
    INTERFACE_LINK_LIBRARIES ${_uvws_wslay_target})
  unset(_uvws_inc)
  unset(_uvws_imported)
  unset(_uvws_global)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Wslay
  REQUIRED_VARS _uvws_wslay_how _uvws_wslay_target
  VERSION_VAR Wslay_VERSION
  FAIL_MESSAGE "wslay not found (on Debian: apt-get install libwslay-dev)")
unset(_uvws_wslay_target)
unset(_uvws_wslay_how)
