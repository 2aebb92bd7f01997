# Benchmark tooling test (included from tests/CMakeLists.txt).
#
# bench_smoke: bench/run --quick without callgrind on this build's binaries
#   (about two minutes): the script works on this machine, and ackd acks every
#   connection without a reset under load. Performance is reported by
#   bench/run, never asserted here.

# Sanitized binaries are several times slower: the plain build runs it.
ackd_add_plain_build_test(bench_smoke
  ${CMAKE_CURRENT_LIST_DIR}/smoke_test.sh ${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR})
# RUN_SERIAL: the benchmark keeps both cores busy; nothing timing-sensitive
# runs beside it.
set_tests_properties(bench_smoke PROPERTIES
  LABELS bench TIMEOUT 900 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
