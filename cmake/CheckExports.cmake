# cmake -DNM=nm -DLIBRARY=libuvws.so -P CheckExports.cmake
#
# Fails unless every symbol that LIBRARY defines in its dynamic symbol table
# is public API: a name that starts with "ws_" but not "ws__". Prints the
# exported symbols, then every offender.

if(NOT NM OR NOT LIBRARY)
  message(FATAL_ERROR "usage: cmake -DNM=nm -DLIBRARY=lib.so -P ${CMAKE_SCRIPT_MODE_FILE}")
endif()

execute_process(
  COMMAND "${NM}" -D --defined-only "${LIBRARY}"
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed (${rc}): ${err}")
endif()

string(REPLACE "\n" ";" lines "${out}")
set(good 0)
set(bad "")
foreach(line IN LISTS lines)
  # "0000000000001234 T ws_version", or "         w name" for weak refs.
  if(NOT line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) (.+)$")
    continue()
  endif()
  set(name "${CMAKE_MATCH_2}")
  # Versioned names look like "sym@@VERS"; the version node itself ("A").
  string(REGEX REPLACE "@.*$" "" name "${name}")
  if(CMAKE_MATCH_1 STREQUAL "A")
    continue()
  endif()
  if(name MATCHES "^ws_" AND NOT name MATCHES "^ws__")
    math(EXPR good "${good} + 1")
  else()
    list(APPEND bad "${line}")
  endif()
endforeach()

message(STATUS "${LIBRARY}: ${good} ws_ symbols exported")
if(good EQUAL 0)
  message(FATAL_ERROR "no ws_ symbol exported: is this the right library?")
endif()
if(bad)
  list(LENGTH bad nbad)
  string(REPLACE ";" "\n  " bad_text "${bad}")
  message(FATAL_ERROR
    "${nbad} exported symbols are not public API:\n  ${bad_text}")
endif()
