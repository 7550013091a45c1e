# Finds hiredis (Debian: libhiredis-dev) and provides the imported target
# uvws::hiredis. Sets Hiredis_FOUND.

if(TARGET uvws::hiredis)
  set(Hiredis_FOUND TRUE)
  return()
endif()

find_path(Hiredis_INCLUDE_DIR hiredis/async.h)
find_library(Hiredis_LIBRARY hiredis)
mark_as_advanced(Hiredis_INCLUDE_DIR Hiredis_LIBRARY)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Hiredis
  REQUIRED_VARS Hiredis_LIBRARY Hiredis_INCLUDE_DIR)

if(Hiredis_FOUND)
  add_library(uvws::hiredis UNKNOWN IMPORTED)
  set_target_properties(uvws::hiredis PROPERTIES
    IMPORTED_LOCATION "${Hiredis_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Hiredis_INCLUDE_DIR}")
endif()
