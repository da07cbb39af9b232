# pleat_add_test(<name> SOURCES <files...> [LABELS <labels...>] [TIMEOUT <s>])
# One CMocka executable per test, linked against the static library so tests
# can reach internal functions; a CTest entry with labels, a timeout and
# SKIP_RETURN_CODE 77 for a back end that is not available here.
find_package(PkgConfig QUIET)
find_path(CMOCKA_INCLUDE_DIR cmocka.h REQUIRED)
find_library(CMOCKA_LIBRARY cmocka REQUIRED)

function(pleat_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LABELS;ENV" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_include_directories(${name} PRIVATE ${CMOCKA_INCLUDE_DIR}
    ${PROJECT_SOURCE_DIR}/core ${PROJECT_SOURCE_DIR}/kernels
    ${PROJECT_SOURCE_DIR}/tests/support ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(${name} PRIVATE pleat_static ${CMOCKA_LIBRARY})
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  if(NOT T_LABELS)
    set(T_LABELS quick)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}"
    TIMEOUT ${T_TIMEOUT} SKIP_RETURN_CODE 77 ENVIRONMENT "${T_ENV}")
endfunction()
