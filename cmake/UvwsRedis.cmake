# uvws_redis (uvws::redis): rooms across processes over Redis, on the
# public API of the default library and hiredis (include/uvws_redis.h,
# src/redis/, docs/scale-out.md). UVWS_WITH_REDIS: AUTO, ON or OFF.
#
#   uvws_redis         the library a project links (uvws::redis): shared
#                      (libuvws_redis.so.<soversion>, on the shared uvws)
#                      when UVWS_BUILD_SHARED is ON, else static
#   uvws_redis_static  the static one next to a shared one, when both
#                      kinds are built (uvws::redis_static, on uvws_static)
#   uvws_redis_core    the code alone, linking no uvws, for the tests and
#                      the chat sample, which pair it with uvws_static
if(NOT UVWS_WITH_REDIS STREQUAL "OFF")
  find_package(Hiredis)
  if(Hiredis_FOUND)
    set(_uvws_redis_sources src/redis/bus.c src/redis/poll.c
      src/redis/url.c)
    function(uvws_add_redis_library target type)
      add_library(${target} ${type} ${_uvws_redis_sources})
      target_include_directories(${target} PUBLIC
        "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>"
        "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
      target_compile_definitions(${target} PRIVATE BUILDING_UVWS_REDIS)
      target_link_libraries(${target} PUBLIC uvws::libuv
        PRIVATE uvws::hiredis)
      set_target_properties(${target} PROPERTIES
        POSITION_INDEPENDENT_CODE ON)
      uvws_target_warnings(${target})
    endfunction()

    uvws_add_redis_library(uvws_redis_core STATIC)

    if(UVWS_BUILD_SHARED)
      uvws_add_redis_library(uvws_redis SHARED)
      target_link_libraries(uvws_redis PUBLIC uvws)
      if(WIN32)
        target_compile_definitions(uvws_redis PUBLIC UVWS_SHARED)
      endif()
      set_target_properties(uvws_redis PROPERTIES
        VERSION ${PROJECT_VERSION}
        SOVERSION ${UVWS_SOVERSION})
      if(UVWS_BUILD_STATIC)
        uvws_add_redis_library(uvws_redis_static STATIC)
        target_link_libraries(uvws_redis_static PUBLIC uvws_static)
        if(NOT MSVC)
          set_target_properties(uvws_redis_static PROPERTIES
            OUTPUT_NAME uvws_redis)
        endif()
        set_target_properties(uvws_redis_static PROPERTIES
          EXPORT_NAME redis_static)
        add_library(uvws::redis_static ALIAS uvws_redis_static)
      endif()
    else()
      uvws_add_redis_library(uvws_redis STATIC)
      target_link_libraries(uvws_redis PUBLIC uvws)
    endif()
    set_target_properties(uvws_redis PROPERTIES EXPORT_NAME redis)
    add_library(uvws::redis ALIAS uvws_redis)
    unset(_uvws_redis_sources)
  elseif(UVWS_WITH_REDIS STREQUAL "ON")
    message(FATAL_ERROR "uvws: UVWS_WITH_REDIS=ON but hiredis was not "
      "found (Debian: libhiredis-dev)")
  else()
    message(STATUS "uvws: uvws_redis not built (no hiredis)")
  endif()
endif()
