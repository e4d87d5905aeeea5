# cairn_cc_library / cairn_cc_test: one target per folder, dependencies spelled out (as in abseil).
include_guard(GLOBAL)

# -Wno-restrict: GCC 12 reports false positives in std::string concatenation at -O3
# (GCC bug 105329).
set(CAIRN_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND CAIRN_WARNINGS -Wno-restrict)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  list(APPEND CAIRN_WARNINGS -Wthread-safety)
endif()

if(CAIRN_SANITIZE)
  string(REPLACE "," ";" _cairn_san_list "${CAIRN_SANITIZE}")
  set(CAIRN_SANITIZER_FLAGS -fsanitize=${CAIRN_SANITIZE} -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
  add_compile_options(${CAIRN_SANITIZER_FLAGS})
  if(CAIRN_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns that TSan does not model std::atomic_thread_fence (used inside Asio/libstdc++).
    list(APPEND CAIRN_WARNINGS -Wno-tsan)
  endif()
  add_link_options(-fsanitize=${CAIRN_SANITIZE})
  # clang < 15 cannot compile C++20 coroutines (net/http_server.cc) with -fsanitize=function,
  # which -fsanitize=undefined includes ("Cannot represent a difference across sections",
  # llvm-project issue 49689, fixed in clang 15).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 15 AND
     CAIRN_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize=function)
  endif()
endif()

# Fuzz builds instrument every library for coverage, so libFuzzer sees the edges of the code
# under test and not only the harness's.
if(CAIRN_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(CAIRN_PARANOID_CHECKS)
  add_compile_definitions(CAIRN_PARANOID_CHECKS=1)
endif()

# cairn_cc_library(NAME SRCS ... DEPS ... [COPTS ...])
function(cairn_cc_library NAME)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS;COPTS" ${ARGN})
  add_library(${NAME} STATIC ${ARG_SRCS})
  target_include_directories(${NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(${NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  target_compile_options(${NAME} PRIVATE ${CAIRN_WARNINGS} ${ARG_COPTS})
endfunction()

# cairn_cc_binary(NAME SRCS ... DEPS ... [OUTPUT_NAME n])
function(cairn_cc_binary NAME)
  cmake_parse_arguments(ARG "" "OUTPUT_NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${NAME} ${ARG_SRCS})
  target_link_libraries(${NAME} PRIVATE ${ARG_DEPS})
  target_compile_options(${NAME} PRIVATE ${CAIRN_WARNINGS})
  set_target_properties(${NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  if(ARG_OUTPUT_NAME)
    set_target_properties(${NAME} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT_NAME})
  endif()
endfunction()

# cairn_cc_test(NAME SRCS ... DEPS ...): a GoogleTest binary; each test case is a ctest test
# labelled "unit".
function(cairn_cc_test NAME)
  if(NOT CAIRN_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${NAME} ${ARG_SRCS})
  target_link_libraries(${NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_options(${NAME} PRIVATE ${CAIRN_WARNINGS})
  target_compile_definitions(${NAME} PRIVATE
    CAIRN_TESTDATA_DIR="${PROJECT_SOURCE_DIR}/tests/testdata")
  set_target_properties(${NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  gtest_discover_tests(${NAME} DISCOVERY_MODE PRE_TEST PROPERTIES LABELS unit TIMEOUT 300)
endfunction()

# cairn_check_headers(): compiles every header under src/ and include/ on its own (one generated
# translation unit each), so a header that forgets an #include fails the build.
function(cairn_check_headers)
  file(GLOB_RECURSE headers RELATIVE ${PROJECT_SOURCE_DIR}
       ${PROJECT_SOURCE_DIR}/src/*.h ${PROJECT_SOURCE_DIR}/include/*.h
       ${PROJECT_SOURCE_DIR}/apps/*.h)
  set(sources "")
  foreach(h IN LISTS headers)
    string(MAKE_C_IDENTIFIER "${h}" id)
    set(tu ${PROJECT_BINARY_DIR}/checkheaders/${id}.cc)
    file(CONFIGURE OUTPUT ${tu} CONTENT "#include \"${PROJECT_SOURCE_DIR}/${h}\"\n")
    list(APPEND sources ${tu})
  endforeach()
  add_library(cairn_checkheaders OBJECT ${sources})
  target_include_directories(cairn_checkheaders PRIVATE ${PROJECT_SOURCE_DIR}/src
                             ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR})
  target_link_libraries(cairn_checkheaders PRIVATE Boost::headers spdlog::spdlog fmt::fmt CLI11::CLI11
                        GTest::gtest)
  target_compile_options(cairn_checkheaders PRIVATE ${CAIRN_WARNINGS})
endfunction()

# cairn_avx512_emulated_test(NAME DEFINE MACRO KERNEL_SRCS ... SRCS ... DEPS ...): runs an
# AVX-512 kernel's logic on any AVX2 CPU. KERNEL_SRCS (the dispatcher and its kernels) are
# compiled from copies, so their per-file ISA flags do not clash with the real library's:
# *_avx2.cc get -mavx2, *_avx512.cc get no ISA flag and, with MACRO defined, build on the scalar
# intrinsic stand-ins in internal/testing/avx512_emulation.h. Not in sanitizer builds (scalar
# stand-ins under ASan take minutes and add nothing the native tests do not cover).
function(cairn_avx512_emulated_test NAME)
  if(CAIRN_SANITIZE OR NOT CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    return()
  endif()
  cmake_parse_arguments(ARG "" "DEFINE" "KERNEL_SRCS;SRCS;DEPS" ${ARGN})
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${NAME}_srcs)
  set(copies "")
  foreach(f IN LISTS ARG_KERNEL_SRCS)
    configure_file(${f} ${dir}/${f} COPYONLY)
    list(APPEND copies ${dir}/${f})
  endforeach()
  cairn_cc_test(${NAME} SRCS ${copies} ${ARG_SRCS} DEPS ${ARG_DEPS})
  if(NOT TARGET ${NAME})
    return()
  endif()
  target_include_directories(${NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_definitions(${NAME} PRIVATE ${ARG_DEFINE}=1)
  foreach(f IN LISTS copies)
    if(f MATCHES "_avx2\\.cc$")
      set_source_files_properties(${f} TARGET_DIRECTORY ${NAME} PROPERTIES COMPILE_OPTIONS "-mavx2")
    endif()
  endforeach()
endfunction()
