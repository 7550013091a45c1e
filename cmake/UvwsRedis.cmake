# uvws_redis (uvws::redis): rooms across processes over Redis, on the
# public API of the default library and hiredis (include/uvws_redis.h,
# src/redis/, docs/scale-out.md). UVWS_WITH_REDIS: AUTO, ON or OFF.
if(NOT UVWS_WITH_REDIS STREQUAL "OFF")
  find_package(Hiredis)
  if(Hiredis_FOUND)
    # uvws_redis_core is the code, which links no uvws so that the tests
    # can pair it with uvws_static; uvws::redis adds the default uvws.
    add_library(uvws_redis_core STATIC src/redis/bus.c src/redis/poll.c
      src/redis/url.c)
    target_include_directories(uvws_redis_core PUBLIC
      "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>"
      "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
    target_link_libraries(uvws_redis_core PUBLIC uvws::libuv
      PRIVATE uvws::hiredis)
    set_target_properties(uvws_redis_core PROPERTIES
      OUTPUT_NAME uvws_redis POSITION_INDEPENDENT_CODE ON)
    uvws_target_warnings(uvws_redis_core)
    add_library(uvws_redis INTERFACE)
    target_link_libraries(uvws_redis INTERFACE uvws_redis_core uvws)
    add_library(uvws::redis ALIAS uvws_redis)
  elseif(UVWS_WITH_REDIS STREQUAL "ON")
    message(FATAL_ERROR "uvws: UVWS_WITH_REDIS=ON but hiredis was not "
      "found (Debian: libhiredis-dev)")
  else()
    message(STATUS "uvws: uvws_redis not built (no hiredis)")
  endif()
endif()
