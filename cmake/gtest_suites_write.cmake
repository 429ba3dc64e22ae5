# Writes OUT: one add_test per GoogleTest suite of EXE (see gtest_suites.cmake).
cmake_minimum_required(VERSION 3.25)
# Input: EXE, OUT, EXCLUDE (a regex, may be empty). OUT adds the tests and sets ZT_SUITES to their
# names; the include file gtest_suites.cmake writes gives them their properties.
execute_process(COMMAND ${EXE} --gtest_list_tests OUTPUT_VARIABLE listing RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --gtest_list_tests failed (${rc}): ${err}")
endif()
# Drop the "  # GetParam() = …" remarks (they may hold brackets, which CMake lists treat specially).
string(REGEX REPLACE "[ ]+#[^\n]*" "" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")
set(suite "")
set(filters "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ ].*)\\.$")
    set(suite "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^  ([^ ]+)$" AND NOT suite STREQUAL "")
    set(name "${CMAKE_MATCH_1}")
    if(EXCLUDE AND suite MATCHES "${EXCLUDE}")
      continue()
    endif()
    # A parameterised suite ("Instance/Suite"): one test per parameter — per run mode, storage
    # backend or vendor — so each parameter's servers start once and the parameters run side by side.
    if(suite MATCHES "/" AND name MATCHES "/([^/]+)$")
      set(filter "${suite}.*/${CMAKE_MATCH_1}")
    else()
      set(filter "${suite}.*")
    endif()
    if(NOT filter IN_LIST filters)
      list(APPEND filters "${filter}")
    endif()
  endif()
endforeach()
set(out "# Generated from ${EXE} --gtest_list_tests by gtest_suites_write.cmake.\nset(ZT_SUITES)\n")
foreach(filter IN LISTS filters)
  string(APPEND out "add_test([==[${filter}]==] [==[${EXE}]==] [==[--gtest_filter=${filter}]==])\n"
                    "list(APPEND ZT_SUITES [==[${filter}]==])\n")
endforeach()
file(WRITE ${OUT} "${out}")
