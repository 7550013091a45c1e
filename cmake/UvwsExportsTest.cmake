# The tests "exports" and "exports_static", on ELF platforms with nm:
#   exports         the shared library exports nothing but ws_ symbols (no
#                   ws__ internals, no llhttp_, no helper that forgot
#                   "static"); only with UVWS_BUILD_SHARED;
#   exports_static  every global symbol the static library defines starts
#                   with ws_ (ws__ internals included): llhttp's, compiled
#                   in, are renamed, so that a program that links its own
#                   llhttp links uvws too;
#   exports_redis   likewise for the shared uvws_redis, when built.

if(WIN32 OR APPLE)
  message(STATUS "uvws: exports tests skipped (not an ELF platform)")
  return()
endif()
if(NOT CMAKE_NM)
  message(STATUS "uvws: exports tests skipped (no nm)")
  return()
endif()

if(UVWS_BUILD_SHARED)
  add_test(NAME exports
    COMMAND "${CMAKE_COMMAND}"
      -DNM=${CMAKE_NM}
      -DLIBRARY=$<TARGET_FILE:uvws>
      -P "${CMAKE_CURRENT_LIST_DIR}/CheckExports.cmake")
  set_tests_properties(exports PROPERTIES TIMEOUT 60)
else()
  message(STATUS "uvws: exports test skipped (UVWS_BUILD_SHARED is OFF)")
endif()

add_test(NAME exports_static
  COMMAND "${CMAKE_COMMAND}"
    -DNM=${CMAKE_NM}
    -DLIBRARY=$<TARGET_FILE:uvws_static>
    -DSTATIC=ON
    -P "${CMAKE_CURRENT_LIST_DIR}/CheckExports.cmake")
set_tests_properties(exports_static PROPERTIES TIMEOUT 60)

# exports_redis: libuvws_redis.so exports nothing but ws_ symbols either.
if(TARGET uvws_redis AND UVWS_BUILD_SHARED)
  add_test(NAME exports_redis
    COMMAND "${CMAKE_COMMAND}"
      -DNM=${CMAKE_NM}
      -DLIBRARY=$<TARGET_FILE:uvws_redis>
      -P "${CMAKE_CURRENT_LIST_DIR}/CheckExports.cmake")
  set_tests_properties(exports_redis PROPERTIES TIMEOUT 60)
endif()
