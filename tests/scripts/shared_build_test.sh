#!/usr/bin/env bash
# shared_build_test.sh SOURCE_DIR: the README's two commands, scripts/run
# and scripts/test, on stand-ins for cmake, ctest, apt and ackd (issue 15,
# items 17 and 19): each installs the dependencies before anything else,
# both configure build/ the same way (so the second reuses the first's
# objects: one cmake flag of difference recompiles everything), scripts/run
# builds only ackd and ackctl, and scripts/test builds everything, then runs
# ctest. Seconds; the scripts are run from a copy of scripts/.
set -uo pipefail
src=$1
# shellcheck source=tests/support/check.sh
. "$(dirname "$0")/../support/check.sh"

root=$tmp/root
stubs=$tmp/bin
build=$tmp/build
log=$tmp/calls.log
mkdir -p "$root" "$stubs" "$build/daemon"
cp -r "$src/scripts" "$root/scripts"
cat >"$root/scripts/install-deps" <<'EOF'
#!/bin/sh
echo "install-deps" >>"$STUB_LOG"
EOF
# cmake: configure (-S) or build (--build); logs its arguments, the source
# dir and build dir made relative so that the two scripts' calls compare.
cat >"$stubs/cmake" <<'EOF'
#!/bin/sh
echo "cmake $*" | sed "s|$STUB_ROOT|ROOT|g; s|$STUB_BUILD|BUILD|g" >>"$STUB_LOG"
EOF
cat >"$stubs/ctest" <<'EOF'
#!/bin/sh
echo "ctest in $(pwd | sed "s|$STUB_BUILD|BUILD|")" >>"$STUB_LOG"
EOF
cat >"$build/daemon/ackd" <<'EOF'
#!/bin/sh
echo "ackd $*" >>"$STUB_LOG"
EOF
chmod +x "$root/scripts/install-deps" "$stubs"/* "$build/daemon/ackd"

# run_script NAME: runs scripts/NAME on the stand-ins; its calls in $tmp/NAME.calls.
# As a user runs them: not with the settings of the run that runs this test
# (CI's sanitizer pass sets ACKD_SANITIZE and CTEST_ARGS).
run_script() {
  : >"$log"
  env -u ACKD_SANITIZE -u CTEST_ARGS -u ASAN_OPTIONS -u UBSAN_OPTIONS \
    PATH=$stubs:$PATH BUILD_DIR=$build STUB_LOG=$log STUB_ROOT=$root STUB_BUILD=$build \
    "$root/scripts/$1" >"$tmp/$1.out" 2>&1 || fail "scripts/$1 exited $?: $(cat "$tmp/$1.out")"
  cp "$log" "$tmp/$1.calls"
}
run_script run
run_script test

for script in run test; do
  [ "$(head -n 1 "$tmp/$script.calls")" = install-deps ] ||
    fail "scripts/$script does not install the dependencies first: $(cat "$tmp/$script.calls")"
done
run_configure=$(grep '^cmake -S' "$tmp/run.calls")
test_configure=$(grep '^cmake -S' "$tmp/test.calls")
[ -n "$run_configure" ] || fail "scripts/run does not configure the build"
[ "$run_configure" = "$test_configure" ] ||
  fail "scripts/run and scripts/test configure the build differently (the second rebuilds" \
    "everything): \"$run_configure\" vs \"$test_configure\""
grep -qx 'cmake --build BUILD -j[0-9]* --target ackd --target ackctl' "$tmp/run.calls" ||
  fail "scripts/run does not build ackd and ackctl alone: $(grep -- --build "$tmp/run.calls")"
grep -qx 'cmake --build BUILD -j[0-9]*' "$tmp/test.calls" ||
  fail "scripts/test does not build everything: $(grep -- --build "$tmp/test.calls")"
grep -q '^ackd' "$tmp/run.calls" || fail "scripts/run does not run the ackd it built"
grep -qx 'ctest in BUILD' "$tmp/test.calls" || fail "scripts/test does not run ctest in the build"
exit "$failures"
