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
