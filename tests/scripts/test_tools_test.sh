#!/usr/bin/env bash
# test_tools_test.sh SOURCE_DIR: every program the unit and integration tests
# start comes from a package scripts/install-deps installs, or from an
# Essential one (issue 15, item 17: on a fresh Debian the first scripts/test
# must not lack a tool that a later test happens to pull in). The programs
# are read from the tests' source: the first word of an argv list
# ({"prlimit", ...}: run(), wrappers, Subprocess), absolute paths to a bin
# directory, and the word put first with args.insert. The shell tests with
# tools of their own (packaging, systemd, bench, fuzz) install those
# themselves, as install-deps says. Exit 77 where dpkg is missing.
set -uo pipefail
src=$1
# shellcheck source=tests/support/check.sh
. "$(dirname "$0")/../support/check.sh"
command -v dpkg-query >/dev/null || { echo "no dpkg: not a Debian machine"; exit 77; }

# The words of install-deps' packages=( ... ) list, without its comments.
installed_by_script=" $(sed -n '/^packages=(/,/^)/p' "$src/scripts/install-deps" |
  sed 's/#.*//; s/packages=(//; s/)//' | tr -s ' \n' '  ') "

# ackctl's own commands ({"top", ...} given to ackctl()) are no programs.
programs=$(perl -0ne '
  print "$1\n" while /(?<!ackctl\()\{\s*"([a-z][a-z0-9_.+-]*)"\s*[,}]/g;
  print "$1\n" while /"(\/(?:usr\/)?s?bin\/[a-z0-9_.+-]+)"/g;
  print "$1\n" while /args\.insert\(args\.begin\(\), "([^"]+)"/g;
' "$src"/tests/integration/*.cpp "$src"/tests/unit/*.cpp "$src"/tests/support/*.cpp \
  "$src"/tests/support/*.h "$src"/tests/support/*.c | sort -u)

# The package holding the file at $1 (usrmerge: dpkg may know it by /bin or /usr/bin).
package_of() {
  local path real
  real=$(readlink -f "$1")
  for path in "$real" "${real#/usr}" "/usr${real}" "$1"; do
    dpkg-query -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1 | cut -d, -f1 && return 0
  done
  return 1
}

checked=0
for program in $programs; do
  # A word that is no program here is not one the tests start (a listener
  # name, a key); a program the tests need but lack fails them anyway.
  path=$(command -v "$program") || continue
  [[ $path == /* ]] || continue # a shell builtin or keyword ("local")
  package=$(package_of "$path") || { fail "$program ($path) belongs to no package"; continue; }
  checked=$((checked + 1))
  [[ $installed_by_script == *" $package "* ]] && continue
  [ "$(dpkg-query -W -f='${Essential}' "$package")" = yes ] && continue
  fail "the tests run $program (package $package), which scripts/install-deps does not install"
done
[ "$checked" -ge 5 ] || fail "found only $checked programs in the tests: is the reading of them broken?"
exit "$failures"
