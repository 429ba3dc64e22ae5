# One CTest test per GoogleTest suite (and per run mode), not per case (issue 29).
#
#   zt_gtest_suites(<target> EXCLUDE <regex> PROPERTIES <set_tests_properties arguments…>)
#
# After each build of <target>, its `--gtest_list_tests` is read and a test named by its gtest filter
# is added for every suite: `Cli.*`, or one per parameter of a parameterised suite —
# `BothModes/Mall.*/split` and `BothModes/Mall.*/all` for the run modes (harness/platform.hpp),
# `Backends/StorageTest.*/Postgres` for a storage backend. The cases of a suite then share
# one process: the servers and the platform a suite starts once (Platform::shared) serve all of its
# cases, where one process per case started them again for every case. Suites whose names match
# EXCLUDE are left to the caller. PROPERTIES apply to every suite's test.
set(ZT_GTEST_SUITES_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/gtest_suites_write.cmake)

function(zt_gtest_suites target)
  cmake_parse_arguments(PARSE_ARGV 1 A "" "EXCLUDE" "PROPERTIES")
  set(list_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake)
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_suites_include.cmake)
  # The properties as CMake source: each argument bracket-quoted, so lists (ENVIRONMENT) stay whole.
  # They live in the include file, written at configure time, so a change to them applies without
  # relinking the test binary; the list file (written after each link) only names the tests.
  set(props "")
  foreach(arg IN LISTS A_PROPERTIES)
    string(APPEND props " [==[${arg}]==]")
  endforeach()
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -D EXE=$<TARGET_FILE:${target}> -D OUT=${list_file} -D EXCLUDE=${A_EXCLUDE}
            -P ${ZT_GTEST_SUITES_SCRIPT}
    BYPRODUCTS ${list_file} VERBATIM)
  string(CONCAT include
         "if(EXISTS \"${list_file}\")\n  include(\"${list_file}\")\nelse()\n"
         "  # Not built yet: one failing test says so, under the same labels, rather than none at all.\n"
         "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n  set(ZT_SUITES ${target}_NOT_BUILT)\nendif()\n"
         "set_tests_properties(\${ZT_SUITES} PROPERTIES ${props})\n")
  file(GENERATE OUTPUT ${include_file} CONTENT "${include}")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
