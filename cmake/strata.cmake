# Warning flags for the project's own code (not for generated or third-party code).
# -Wno-restrict: GCC 12 reports false positives inside std::string at -O2/-O3 (GCC bug 105329).
set(STRATA_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)
if(CMAKE_CXX_COMPILER_ID STREQUAL GNU)
  list(APPEND STRATA_WARNINGS -Wno-restrict)
endif()

# strata_library(NAME SOURCES... DEPS ...): one static library per layer folder.
function(strata_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${STRATA_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# strata_test(NAME SOURCES... DEPS ...): a GoogleTest binary registered with CTest.
function(strata_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${STRATA_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${STRATA_TEST_TIMEOUT})
endfunction()
