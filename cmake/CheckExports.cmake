# cmake -DNM=nm -DLIBRARY=libuvws.so -P CheckExports.cmake
# cmake -DNM=nm -DLIBRARY=libuvws.a -DSTATIC=ON -P CheckExports.cmake
#
# A shared LIBRARY: fails unless every symbol in its dynamic symbol table is
# public API, a name that starts with "ws_" but not "ws__".
# A static LIBRARY (STATIC=ON): fails unless every global symbol that its
# objects define starts with "ws_" (internal "ws__" names included), so
# that a program can link it next to its own llhttp, or anything else.
# Prints the number of good symbols, then every offender.

if(NOT NM OR NOT LIBRARY)
  message(FATAL_ERROR "usage: cmake -DNM=nm -DLIBRARY=lib.so [-DSTATIC=ON] "
    "-P ${CMAKE_SCRIPT_MODE_FILE}")
endif()

if(STATIC)
  set(nm_args -g --defined-only)
  set(allowed "^ws_")
  set(what "global symbols defined")
else()
  set(nm_args -D --defined-only)
  set(allowed "^ws_[^_]")
  set(what "symbols exported")
endif()

execute_process(
  COMMAND "${NM}" ${nm_args} "${LIBRARY}"
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
  # "0000000000001234 T ws_version"; an archive also has "request.c.o:".
  if(NOT line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) (.+)$")
    continue()
  endif()
  set(name "${CMAKE_MATCH_2}")
  # Versioned names look like "sym@@VERS"; the version node itself ("A").
  string(REGEX REPLACE "@.*$" "" name "${name}")
  if(CMAKE_MATCH_1 STREQUAL "A")
    continue()
  endif()
  if(name MATCHES "${allowed}")
    math(EXPR good "${good} + 1")
  else()
    list(APPEND bad "${line}")
  endif()
endforeach()

message(STATUS "${LIBRARY}: ${good} ws_ ${what}")
if(good EQUAL 0)
  message(FATAL_ERROR "no ws_ symbol found: is this the right library?")
endif()
if(bad)
  list(LENGTH bad nbad)
  string(REPLACE ";" "\n  " bad_text "${bad}")
  message(FATAL_ERROR
    "${nbad} ${what} do not start with ws_:\n  ${bad_text}")
endif()
