# The test "exports": the shared library must export nothing but ws_
# symbols (no ws__ internals, no llhttp_, no helper that forgot "static").
# It needs an ELF shared library and nm; elsewhere it is not added.

if(NOT UVWS_BUILD_SHARED)
  message(STATUS "uvws: exports test skipped (UVWS_BUILD_SHARED is OFF)")
  return()
endif()
if(WIN32 OR APPLE)
  message(STATUS "uvws: exports test skipped (not an ELF platform)")
  return()
endif()
if(NOT CMAKE_NM)
  message(STATUS "uvws: exports test skipped (no nm)")
  return()
endif()

add_test(NAME exports
  COMMAND "${CMAKE_COMMAND}"
    -DNM=${CMAKE_NM}
    -DLIBRARY=$<TARGET_FILE:uvws>
    -P "${CMAKE_CURRENT_LIST_DIR}/CheckExports.cmake")
set_tests_properties(exports PROPERTIES TIMEOUT 60)
