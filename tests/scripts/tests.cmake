# The README's commands (included from tests/CMakeLists.txt), seconds each:
#
# scripts_shared_build: scripts/run and scripts/test on stand-ins for cmake,
#   ctest and apt: dependencies first, one build configuration for both.
# scripts_test_tools: every program the unit and integration tests start is
#   installed by scripts/install-deps (or is in every Debian).
add_test(NAME scripts_shared_build
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/shared_build_test.sh ${PROJECT_SOURCE_DIR})
add_test(NAME scripts_test_tools
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_tools_test.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(scripts_shared_build scripts_test_tools PROPERTIES
  LABELS scripts TIMEOUT 60 SKIP_RETURN_CODE 77)
