# Sanitizer and fuzzing options (docs/testing.md). Included by the top-level CMakeLists.txt
# before any target is defined, so the flags apply to every library, binary and test.
#
#   MAGNUM_SANITIZE  "" (default) | "address,undefined" | "thread" | any -fsanitize= list
#   MAGNUM_FUZZ      ON: every object is built with -fsanitize=fuzzer-no-link (coverage for
#                    libFuzzer) and fuzz/ is added; needs clang.
#
# The Makefile's test-sanitize / fuzz targets configure build-asan/ and build-tsan/ with
# these; a plain `cmake -S . -B build` is unaffected.
set(MAGNUM_SANITIZE "" CACHE STRING
    "Sanitizers to build with (-fsanitize= list, e.g. address,undefined or thread)")
option(MAGNUM_FUZZ "Build the libFuzzer targets in fuzz/ (clang only)" OFF)

if(MAGNUM_SANITIZE)
  add_compile_options(-fsanitize=${MAGNUM_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${MAGNUM_SANITIZE})
  if(MAGNUM_SANITIZE MATCHES "undefined")
    # A UBSan finding is an error (non-zero exit), not a line in a log nobody reads.
    add_compile_options(-fno-sanitize-recover=undefined)
    add_link_options(-fno-sanitize-recover=undefined)
  endif()
  if(MAGNUM_SANITIZE MATCHES "address")
    # One ASan runtime for the whole process: the prebuilt libraries we link (spdlog, fmt,
    # gtest, sqlite, OpenSSL) are uninstrumented, which ASan handles; no -shared-libasan.
    add_compile_definitions(MAGNUM_ASAN=1)
  endif()
  if(MAGNUM_SANITIZE MATCHES "thread")
    add_compile_definitions(MAGNUM_TSAN=1)
  endif()
endif()

if(MAGNUM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MAGNUM_FUZZ=ON needs clang (cmake -DCMAKE_CXX_COMPILER=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# Boost 1.81's Beast asserts `n >= 5` in basic_parser::parse_chunk_header, which a valid
# final chunk delivered in small reads ("0\r\n", then "\r") reaches: a remote abort in any
# build without NDEBUG (boostorg/beast#2861, fixed in Boost 1.86). Release builds define
# NDEBUG; the sanitizer trees (no NDEBUG) drop Boost's asserts in the Beast parser's
# users (beast_server.cc here, fuzz_http_parser in fuzz/CMakeLists.txt).
# Regression input: fuzz/regressions/http_parser/.
if(MAGNUM_SANITIZE OR MAGNUM_FUZZ)
  set_property(SOURCE ${CMAKE_SOURCE_DIR}/src/magnum/http/beast_server.cc APPEND PROPERTY COMPILE_DEFINITIONS BOOST_DISABLE_ASSERTS)
endif()
