# oneDNN (Debian: libdnnl-dev), the int8 matmul peer of `beex bench gemm --op w8a8`
# (harness/bench/igemm_bench_dnnl.c). Included by CMakeLists.txt after beex_harness is
# defined. BEEX_WITH_DNNL: AUTO uses oneDNN when found, ON requires it, OFF builds without it;
# without it the peer's rows say "absent" and why. The peer uses oneDNN 2's C API
# (dnnl_matmul_desc_init, output scales), which oneDNN 3 removed: a 3.x is not used.
set(BEEX_WITH_DNNL AUTO CACHE STRING "Use oneDNN as the int8 GEMM peer: AUTO, ON or OFF")
if(NOT BEEX_WITH_DNNL MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "BEEX_WITH_DNNL=${BEEX_WITH_DNNL}: expected AUTO, ON or OFF")
endif()
set(BEEX_HAVE_DNNL 0)
set(BEEX_DNNL_WHY "BEEX_WITH_DNNL=OFF")
if(NOT BEEX_WITH_DNNL STREQUAL "OFF")
  find_library(DNNL_LIB dnnl)
  find_path(DNNL_INCLUDE oneapi/dnnl/dnnl.h)
  set(BEEX_DNNL_WHY "libdnnl-dev not found")
  if(DNNL_LIB AND DNNL_INCLUDE AND EXISTS ${DNNL_INCLUDE}/oneapi/dnnl/dnnl_version.h)
    file(STRINGS ${DNNL_INCLUDE}/oneapi/dnnl/dnnl_version.h _dnnl_major
         REGEX "^#define DNNL_VERSION_MAJOR [0-9]+")
    string(REGEX REPLACE ".*MAJOR ([0-9]+).*" "\\1" _dnnl_major "${_dnnl_major}")
    if(_dnnl_major STREQUAL "2")
      set(BEEX_HAVE_DNNL 1)
    else()
      set(BEEX_DNNL_WHY "oneDNN ${_dnnl_major}.x found; the peer needs the 2.x C API")
    endif()
  endif()
  if(NOT BEEX_HAVE_DNNL AND BEEX_WITH_DNNL STREQUAL "ON")
    message(FATAL_ERROR "BEEX_WITH_DNNL=ON but oneDNN is not usable: ${BEEX_DNNL_WHY} "
                        "(Debian: libdnnl-dev)")
  endif()
endif()
if(BEEX_HAVE_DNNL)
  target_include_directories(beex_harness PUBLIC ${DNNL_INCLUDE})
  target_link_libraries(beex_harness PUBLIC ${DNNL_LIB})
  message(STATUS "beex: oneDNN 1 (${DNNL_LIB})")
else()
  message(STATUS "beex: oneDNN 0 (${BEEX_DNNL_WHY})")
endif()
target_compile_definitions(beex_harness PUBLIC BEEX_HAVE_DNNL=${BEEX_HAVE_DNNL})
