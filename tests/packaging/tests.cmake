# Packaging tests (included from tests/CMakeLists.txt).
#
# packaging_docs: the packaged /etc/ackd/ackd.conf, the man pages and the bash
#   completion against the keys, options and commands of ackd and ackctl (seconds).
# packaging_fleet_docs, packaging_upgrade_in_place: see below.
# packaging: builds the .deb and the .rpm with packaging/build from a copy of
#   the source tree, lints them and checks their contents (minutes: it
#   compiles ackd twice). It leaves the packages in ${ACKD_PACKAGES_DIR} and
#   is the fixture "ackd_packages" for tests that install them.

set(ACKD_PACKAGES_DIR ${CMAKE_BINARY_DIR}/packages)

add_test(NAME packaging_docs
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/docs_test.sh $<TARGET_FILE:ackd> $<TARGET_FILE:ackctl>
    ${PROJECT_SOURCE_DIR})
set_tests_properties(packaging_docs PROPERTIES LABELS packaging TIMEOUT 60)

# packaging_fleet_docs: every HAProxy, nginx and ackd configuration block of
# docs/fleet.md passes haproxy -c, nginx -t, ackd --check-config (seconds).
add_test(NAME packaging_fleet_docs
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/fleet_docs_test.sh $<TARGET_FILE:ackd> ${PROJECT_SOURCE_DIR})
set_tests_properties(packaging_fleet_docs PROPERTIES LABELS packaging TIMEOUT 60)

# packaging_upgrade_in_place: the packages' upgrade helper on stand-ins for
# systemctl, ackctl and ackd (seconds); the real one is the systemd box's.
add_test(NAME packaging_upgrade_in_place
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/upgrade_in_place_test.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(packaging_upgrade_in_place PROPERTIES LABELS packaging TIMEOUT 60)

# The packages do not depend on how this tree is built: the plain run builds them.
ackd_add_plain_build_test(packaging
  ${CMAKE_CURRENT_LIST_DIR}/packages_test.sh ${PROJECT_SOURCE_DIR} ${ACKD_PACKAGES_DIR})
# PROCESSORS 2: the package builds keep two cores busy; ctest -j2 runs nothing
# beside them, so timing-sensitive integration tests are not starved.
set_tests_properties(packaging PROPERTIES
  LABELS packaging TIMEOUT 1500 SKIP_RETURN_CODE 77 PROCESSORS 2
  FIXTURES_SETUP ackd_packages)
