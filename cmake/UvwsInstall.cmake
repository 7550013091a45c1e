# Install rules: the header, the libraries, a CMake package (uvwsConfig.cmake,
# its version file and uvwsTargets.cmake, exporting uvws::uvws) and uvws.pc.
#
#   find_package(uvws CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE uvws::uvws)
#
# uvws::uvws is the shared library if it was built, else the static one;
# when both are installed, uvws::uvws_static names the static one.
#
# With uvws_redis built, it is installed too: uvws_redis.h, the library
# (uvws::redis, and uvws::redis_static next to a shared one), an export
# set of its own (uvwsRedisTargets.cmake, which uvwsConfig.cmake includes
# where it is installed: find_package(uvws COMPONENTS redis)) and
# uvws_redis.pc. Its files are in the install components uvws_redis_runtime
# and uvws_redis_development, so that a distribution can package them
# apart.

include(CMakePackageConfigHelpers)

set(UVWS_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/uvws" CACHE STRING
  "Where uvwsConfig.cmake goes, relative to the install prefix")
mark_as_advanced(UVWS_INSTALL_CMAKEDIR)

set(_uvws_install_targets uvws)
if(UVWS_BUILD_SHARED AND UVWS_BUILD_STATIC)
  list(APPEND _uvws_install_targets uvws_static)
endif()

install(FILES "${PROJECT_SOURCE_DIR}/include/uvws.h"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT uvws_development)
install(TARGETS ${_uvws_install_targets}
  EXPORT uvwsTargets
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT uvws_runtime
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT uvws_runtime
    NAMELINK_COMPONENT uvws_development
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT uvws_development)
install(EXPORT uvwsTargets
  NAMESPACE uvws::
  DESTINATION "${UVWS_INSTALL_CMAKEDIR}"
  COMPONENT uvws_development)

# The config finds libuv (and wslay, which a static uvws needs at link time)
# with the same Find modules as this build, installed beside it.
# llhttp too when it is an installed package rather than sources compiled
# into uvws (cmake/FindLlhttp.cmake).
set(UVWS_CONFIG_NEEDS_WSLAY OFF)
set(UVWS_CONFIG_NEEDS_LLHTTP OFF)
set(UVWS_CONFIG_NEEDS_OPENSSL OFF)
set(UVWS_CONFIG_NEEDS_ZLIB OFF)
set(UVWS_CONFIG_REDIS_NEEDS_HIREDIS OFF)
if(TARGET uvws_redis_static OR
   (TARGET uvws_redis AND NOT UVWS_BUILD_SHARED))
  set(UVWS_CONFIG_REDIS_NEEDS_HIREDIS ON)
endif()
if(UVWS_BUILD_STATIC)
  set(UVWS_CONFIG_NEEDS_WSLAY ON)
  set(UVWS_CONFIG_NEEDS_OPENSSL ${UVWS_TLS})
  set(UVWS_CONFIG_NEEDS_ZLIB ${UVWS_HAVE_ZLIB})
  if(NOT TARGET uvws_llhttp)
    set(UVWS_CONFIG_NEEDS_LLHTTP ON)
  endif()
endif()
configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/uvwsConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/uvwsConfig.cmake"
  INSTALL_DESTINATION "${UVWS_INSTALL_CMAKEDIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/uvwsConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/uvwsConfig.cmake"
  "${PROJECT_BINARY_DIR}/uvwsConfigVersion.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/FindLibuv.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/FindWslay.cmake"
  DESTINATION "${UVWS_INSTALL_CMAKEDIR}"
  COMPONENT uvws_development)

# uvws.pc. With relative install directories (the GNUInstallDirs default)
# its prefix is found from where the file lies (${pcfiledir}), so that the
# tree still works when installed with --prefix or DESTDIR, or moved.
# Distribution packages, which never move, want CMAKE_INSTALL_PREFIX
# written out (pkg-config then prints plain /usr paths, and drops them as
# system directories): UVWS_PC_RELOCATABLE=OFF.
option(UVWS_PC_RELOCATABLE
  "uvws.pc finds its prefix from where it lies; OFF writes CMAKE_INSTALL_PREFIX"
  ON)
mark_as_advanced(UVWS_PC_RELOCATABLE)
set(_uvws_pcdir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(NOT UVWS_PC_RELOCATABLE
   OR IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}"
   OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(UVWS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _uvws_up "/root/${_uvws_pcdir}" "/root")
  string(REGEX REPLACE "/$" "" _uvws_up "${_uvws_up}")
  set(UVWS_PC_PREFIX "\${pcfiledir}/${_uvws_up}")
endif()
foreach(_uvws_dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_uvws_dir}}")
    set(UVWS_PC_${_uvws_dir} "${CMAKE_INSTALL_${_uvws_dir}}")
  else()
    set(UVWS_PC_${_uvws_dir} "\${prefix}/${CMAKE_INSTALL_${_uvws_dir}}")
  endif()
endforeach()
# With the shared library installed, wslay is its own business (and
# --static adds it); a static-only install needs it on every link.
# OpenSSL likewise, with TLS; zlib with permessage-deflate.
set(_uvws_pc_deps " -lwslay")
if(UVWS_TLS)
  string(APPEND _uvws_pc_deps " -lssl -lcrypto")
endif()
if(UVWS_HAVE_ZLIB)
  string(APPEND _uvws_pc_deps " -lz")
endif()
if(UVWS_BUILD_SHARED)
  set(UVWS_PC_LIBS "")
  set(UVWS_PC_LIBS_PRIVATE "${_uvws_pc_deps}")
else()
  set(UVWS_PC_LIBS "${_uvws_pc_deps}")
  set(UVWS_PC_LIBS_PRIVATE "")
endif()
unset(_uvws_pc_deps)
set(UVWS_PC_CFLAGS "")
if(WIN32 AND UVWS_BUILD_SHARED)
  set(UVWS_PC_CFLAGS " -DUVWS_SHARED")
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/uvws.pc.in"
  "${PROJECT_BINARY_DIR}/uvws.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/uvws.pc"
  DESTINATION "${_uvws_pcdir}"
  COMPONENT uvws_development)

# uvws_redis, where it was built.
if(TARGET uvws_redis)
  set(_uvws_redis_targets uvws_redis)
  if(TARGET uvws_redis_static)
    list(APPEND _uvws_redis_targets uvws_redis_static)
  endif()
  install(FILES "${PROJECT_SOURCE_DIR}/include/uvws_redis.h"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
    COMPONENT uvws_redis_development)
  install(TARGETS ${_uvws_redis_targets}
    EXPORT uvwsRedisTargets
    RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
      COMPONENT uvws_redis_runtime
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
      COMPONENT uvws_redis_runtime
      NAMELINK_COMPONENT uvws_redis_development
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
      COMPONENT uvws_redis_development)
  install(EXPORT uvwsRedisTargets
    NAMESPACE uvws::
    DESTINATION "${UVWS_INSTALL_CMAKEDIR}"
    COMPONENT uvws_redis_development)
  # A static uvws_redis needs hiredis when the program is linked.
  if(UVWS_CONFIG_REDIS_NEEDS_HIREDIS)
    install(FILES "${CMAKE_CURRENT_LIST_DIR}/FindHiredis.cmake"
      DESTINATION "${UVWS_INSTALL_CMAKEDIR}"
      COMPONENT uvws_redis_development)
  endif()
  if(UVWS_BUILD_SHARED)
    set(UVWS_REDIS_PC_LIBS "")
    set(UVWS_REDIS_PC_LIBS_PRIVATE " -lhiredis")
  else()
    set(UVWS_REDIS_PC_LIBS " -lhiredis")
    set(UVWS_REDIS_PC_LIBS_PRIVATE "")
  endif()
  configure_file("${CMAKE_CURRENT_LIST_DIR}/uvws_redis.pc.in"
    "${PROJECT_BINARY_DIR}/uvws_redis.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/uvws_redis.pc"
    DESTINATION "${_uvws_pcdir}"
    COMPONENT uvws_redis_development)
  unset(_uvws_redis_targets)
endif()

unset(_uvws_install_targets)
unset(_uvws_dir)
unset(_uvws_pcdir)
unset(_uvws_up)
