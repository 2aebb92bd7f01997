# systemd integration (issue 4), label "systemd": the units' hardening score
# and syntax, and the box harness that boots a real systemd in namespaces,
# installs ackd and checks it there (run as root; skipped otherwise),
# including upgrades of the .deb and the RPM under load (issue 18).
set(ackd_systemd_tests_dir ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME systemd_unit_security
  COMMAND ${ackd_systemd_tests_dir}/check-units.sh security ${PROJECT_SOURCE_DIR}/systemd 1.5)
add_test(NAME systemd_unit_verify
  COMMAND ${ackd_systemd_tests_dir}/check-units.sh verify ${PROJECT_SOURCE_DIR}/systemd
          $<TARGET_FILE:ackd> $<TARGET_FILE:ackctl>)
add_test(NAME systemd_box
  COMMAND ${ackd_systemd_tests_dir}/run-in-systemd.sh
          --source-dir ${PROJECT_SOURCE_DIR} --build-dir ${PROJECT_BINARY_DIR}
          --ackd $<TARGET_FILE:ackd> --ackctl $<TARGET_FILE:ackctl>
          --deb-dir ${ACKD_PACKAGES_DIR})

set_tests_properties(systemd_unit_security systemd_unit_verify systemd_box PROPERTIES
  LABELS systemd SKIP_RETURN_CODE 77 TIMEOUT 300)
# It boots a whole systemd (about a minute) and, when a source file is newer
# than its last one, builds the Debian package first (minutes; at most 10):
# alone, and with time for both. ACKD_SYSTEMD_TEST_INSTALL=cmake skips the package.
set_tests_properties(systemd_box PROPERTIES RUN_SERIAL TRUE TIMEOUT 1200)
# The packaging test builds the .deb once; the box installs that one.
if(TARGET ackd AND DEFINED ACKD_PACKAGES_DIR AND NOT ACKD_SANITIZE)
  set_tests_properties(systemd_box PROPERTIES FIXTURES_REQUIRED ackd_packages)
endif()
