# Tests that use uvws the ways a project does (test/consumers/):
#   consumers_install       installs this build into <build>/consumers/prefix
#   consumer_find_package   find_package(uvws CONFIG) against that prefix
#                           (and uvws::redis, where uvws_redis is built)
#   consumer_pkg_config     cc + pkg-config uvws (and uvws_redis) against
#                           that prefix
#   consumer_subdirectory   add_subdirectory() of this source tree
#   consumer_pkg_config_static_only
#                           a static-only build of this tree (the default
#                           install), installed, then plain pkg-config
# Not added to sanitized or cross builds, whose libraries an ordinary
# consumer cannot link or run.

if(UVWS_SANITIZE OR CMAKE_CROSSCOMPILING OR NOT UVWS_INSTALL)
  message(STATUS "uvws: consumer tests skipped (sanitized, cross or "
    "UVWS_INSTALL=OFF build)")
  return()
endif()

set(_uvws_consumers "${PROJECT_SOURCE_DIR}/test/consumers")
set(_uvws_cdir "${PROJECT_BINARY_DIR}/consumers")
set(_uvws_prefix "${_uvws_cdir}/prefix")

# A fresh prefix every run, so that nothing stale is found there.
file(WRITE "${PROJECT_BINARY_DIR}/uvws_consumers_install.cmake" "
file(REMOVE_RECURSE \"${_uvws_cdir}\")
execute_process(COMMAND \"${CMAKE_COMMAND}\" --install \"${PROJECT_BINARY_DIR}\"
  --prefix \"${_uvws_prefix}\" --config \"\${CONFIG}\"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR \"cmake --install failed: \${rc}\")
endif()
")
add_test(NAME consumers_install
  COMMAND "${CMAKE_COMMAND}" -DCONFIG=$<CONFIG>
    -P "${PROJECT_BINARY_DIR}/uvws_consumers_install.cmake")
set_tests_properties(consumers_install PROPERTIES
  FIXTURES_SETUP uvws_installed
  TIMEOUT 120)

# The same compiler and build type as this build.
set(_uvws_build_options
  "-DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}"
  "-DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}")
# uvws_redis, when built, is installed and must be found and used.
if(TARGET uvws_redis)
  set(_uvws_expect_redis ON)
  set(_uvws_make_expect_redis "EXPECT_REDIS=1")
else()
  set(_uvws_expect_redis OFF)
  set(_uvws_make_expect_redis "EXPECT_REDIS=")
endif()

add_test(NAME consumer_find_package
  COMMAND "${CMAKE_CTEST_COMMAND}"
    --build-and-test "${_uvws_consumers}/find_package"
      "${_uvws_cdir}/find_package"
    --build-generator "${CMAKE_GENERATOR}"
    --build-options ${_uvws_build_options}
      "-DCMAKE_PREFIX_PATH=${_uvws_prefix}"
      "-DEXPECT_REDIS=${_uvws_expect_redis}"
    --test-command "${CMAKE_CTEST_COMMAND}" --output-on-failure)
set_tests_properties(consumer_find_package PROPERTIES
  FIXTURES_REQUIRED uvws_installed
  TIMEOUT 300)

find_program(UVWS_MAKE NAMES gmake make)
find_program(UVWS_PKG_CONFIG NAMES pkg-config pkgconf)
mark_as_advanced(UVWS_MAKE UVWS_PKG_CONFIG)
if(UVWS_MAKE AND UVWS_PKG_CONFIG)
  add_test(NAME consumer_pkg_config
    COMMAND "${UVWS_MAKE}" -C "${_uvws_consumers}/pkg_config"
      "CC=${CMAKE_C_COMPILER}" "PKG_CONFIG=${UVWS_PKG_CONFIG}"
      "OUT=${_uvws_cdir}" "${_uvws_make_expect_redis}" check)
  set_tests_properties(consumer_pkg_config PROPERTIES
    FIXTURES_REQUIRED uvws_installed
    ENVIRONMENT "PKG_CONFIG_PATH=${_uvws_prefix}/${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    TIMEOUT 300)
else()
  message(STATUS "uvws: consumer_pkg_config skipped (no make or pkg-config)")
endif()

# Builds uvws once more, as part of the parent project.
add_test(NAME consumer_subdirectory
  COMMAND "${CMAKE_CTEST_COMMAND}"
    --build-and-test "${_uvws_consumers}/subdirectory"
      "${PROJECT_BINARY_DIR}/consumer-subdirectory"
    --build-generator "${CMAKE_GENERATOR}"
    --build-options ${_uvws_build_options}
      "-DUVWS_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    --test-command "${CMAKE_CTEST_COMMAND}" --output-on-failure)
set_tests_properties(consumer_subdirectory PROPERTIES TIMEOUT 300)

# The default build installs the static library only: its uvws.pc must do
# for a plain "pkg-config --libs uvws".
if(UVWS_MAKE AND UVWS_PKG_CONFIG)
  set(_uvws_static_dir "${_uvws_cdir}-static-only")
  file(WRITE "${PROJECT_BINARY_DIR}/uvws_consumer_static_only.cmake" "
file(REMOVE_RECURSE \"${_uvws_static_dir}\")
foreach(step
    \"-S;${PROJECT_SOURCE_DIR};-B;${_uvws_static_dir}/build;-G;${CMAKE_GENERATOR};-DCMAKE_C_COMPILER=${CMAKE_C_COMPILER};-DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE};-DUVWS_BUILD_TESTS=OFF;-DUVWS_BUILD_SAMPLES=OFF;-DUVWS_BUILD_BENCH=OFF\"
    \"--build;${_uvws_static_dir}/build\"
    \"--install;${_uvws_static_dir}/build;--prefix;${_uvws_static_dir}/prefix\")
  execute_process(COMMAND \"${CMAKE_COMMAND}\" \${step} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR \"cmake \${step}: \${rc}\")
  endif()
endforeach()
if(EXISTS \"${_uvws_static_dir}/prefix/${CMAKE_INSTALL_LIBDIR}/libuvws.so\")
  message(FATAL_ERROR \"the default build installed a shared library\")
endif()
set(ENV{PKG_CONFIG_PATH} \"${_uvws_static_dir}/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig\")
execute_process(COMMAND \"${UVWS_MAKE}\" -C \"${_uvws_consumers}/pkg_config\"
    \"CC=${CMAKE_C_COMPILER}\" \"PKG_CONFIG=${UVWS_PKG_CONFIG}\"
    \"OUT=${_uvws_static_dir}\" \"${_uvws_static_dir}/consumer\"
    check
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR \"plain pkg-config link or run failed: \${rc}\")
endif()
")
  add_test(NAME consumer_pkg_config_static_only
    COMMAND "${CMAKE_COMMAND}"
      -P "${PROJECT_BINARY_DIR}/uvws_consumer_static_only.cmake")
  set_tests_properties(consumer_pkg_config_static_only PROPERTIES
    TIMEOUT 300)
  unset(_uvws_static_dir)
endif()

unset(_uvws_consumers)
unset(_uvws_cdir)
unset(_uvws_prefix)
unset(_uvws_build_options)
unset(_uvws_expect_redis)
unset(_uvws_make_expect_redis)
