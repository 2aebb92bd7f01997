#!/usr/bin/env bash
# packages_test.sh SOURCE_DIR OUTDIR: builds the Debian package and the RPM
# with packaging/build (which lints them: lintian with no error or warning,
# rpmlint with no error), then checks what they hold: the files every
# installation needs, the conffile, the maintainer scripts, a version equal to
# what the packaged ackd reports, and a packaged ackd.conf that this ackd
# accepts. Leaves the packages in OUTDIR. Exit 77 (skipped) where the tools
# can be neither found nor installed.
set -euo pipefail
src=$1
out=$2
skip() {
  echo "SKIPPED: $*"
  exit 77
}

# Tools: installed by packaging/build with apt-get, as root or through sudo.
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
  skip "not a Debian system (no apt-get): cannot build the packages here"
fi
if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
  for tool in dpkg-buildpackage dh lintian rpmbuild rpmlint scdoc rpm2cpio cpio; do
    command -v "$tool" >/dev/null ||
      skip "$tool is missing and apt-get needs root (run as root, or with passwordless sudo)"
  done
fi

# rpm2cpio and cpio unpack the RPM (packaging/build installs the rest).
for tool in rpm2cpio cpio; do
  if ! command -v "$tool" >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends rpm2cpio cpio >/dev/null
  fi
done

rm -rf "$out"
mkdir -p "$out"
# shellcheck source=tests/support/check.sh
. "$(dirname "$0")/../support/check.sh"
section() { echo "== $*"; }

start=$SECONDS
section "packaging/build deb"
"$src/packaging/build" deb "$out"
section "packaging/build rpm"
"$src/packaging/build" rpm "$out"
echo "both packages built and linted in $((SECONDS - start)) s"

deb=$(echo "$out"/ackd_*.deb)
rpm=$(echo "$out"/ackd-[0-9]*.rpm)

# The units the packages must install: every one of systemd/.
units=()
for unit in "$src"/systemd/*.service "$src"/systemd/*.socket; do
  [ -e "$unit" ] && units+=("$(basename "$unit")")
done
for unit in ackd.service ackd.socket; do
  [ -e "$src/systemd/$unit" ] || fail "systemd/$unit is missing from the source tree"
done

# common_files PREFIX_OF_UNITS: the paths both packages install.
common_files() {
  printf '%s\n' /usr/sbin/ackd /usr/bin/ackctl /etc/ackd/ackd.conf /usr/libexec/ackd/upgrade-in-place \
    /usr/libexec/ackd/ackd-metrics \
    /usr/lib/sysusers.d/ackd.conf /usr/lib/tmpfiles.d/ackd.conf \
    /usr/share/man/man8/ackd.8.gz /usr/share/man/man1/ackctl.1.gz \
    /usr/share/man/man5/ackd.conf.5.gz /usr/share/bash-completion/completions/ackctl
  for unit in "${units[@]}"; do echo "$1/$unit"; done
}

# expect_files LIST_FILE WHAT UNIT_DIR
expect_files() {
  local path
  while read -r path; do
    grep -qxF "$path" "$1" || fail "$2 does not install $path"
  done < <(common_files "$3")
}

# expect_in FILE WHAT PATTERN...: each extended regex matches a line of FILE.
expect_in() {
  local file=$1 what=$2 pattern
  shift 2
  for pattern in "$@"; do
    grep -qE -- "$pattern" "$file" || fail "$what has no line matching: $pattern"
  done
}

# check_binaries ROOT VERSION WHAT: the extracted programs report VERSION and
# accept the extracted configuration.
check_binaries() {
  local root=$1 version=$2 what=$3 reported
  reported=$("$root/usr/sbin/ackd" --version) || fail "$what: ackd --version failed"
  [ "$reported" = "ackd $version" ] ||
    fail "$what has version $version, its ackd --version says \"$reported\""
  reported=$("$root/usr/bin/ackctl" --version) || fail "$what: ackctl --version failed"
  [ "$reported" = "ackctl $version" ] ||
    fail "$what has version $version, its ackctl --version says \"$reported\""
  "$root/usr/sbin/ackd" --check-config --config "$(config_for_this_machine "$root/etc/ackd/ackd.conf")" ||
    fail "$what: ackd --check-config rejects the packaged /etc/ackd/ackd.conf"
  bash -n "$root/usr/share/bash-completion/completions/ackctl" ||
    fail "$what: the bash completion is not valid bash"
}

section "checking $(basename "$deb")"
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||' >"$tmp/deb.files"
unit_dir=/usr/lib/systemd/system
grep -q '^/lib/systemd/system/ackd.service$' "$tmp/deb.files" && unit_dir=/lib/systemd/system
expect_files "$tmp/deb.files" "the .deb" "$unit_dir"
dpkg-deb -e "$deb" "$tmp/deb-control"
expect_in "$tmp/deb-control/conffiles" "DEBIAN/conffiles" '^/etc/ackd/ackd.conf$'
# An upgrade hands the running service over to the new binary (ackd's binary
# upgrade) instead of restarting it: debhelper only starts the service, never
# stops it on an upgrade, and the postinst runs upgrade-in-place.
expect_in "$tmp/deb-control/postinst" "the .deb's postinst" \
  'systemd-sysusers .*ackd\.conf' 'systemd-tmpfiles .*--create ackd\.conf' \
  "deb-systemd-helper enable 'ackd\.service'" "deb-systemd-invoke start 'ackd\.service'" \
  '^\s*/usr/libexec/ackd/upgrade-in-place deb-systemd-invoke restart ackd\.service'
! grep -qE "_dh_action=restart|deb-systemd-invoke (restart|try-restart) 'ackd\.service'" \
  "$tmp/deb-control/postinst" || fail "the .deb's postinst restarts ackd.service on an upgrade"
expect_in "$tmp/deb-control/prerm" "the .deb's prerm" "deb-systemd-invoke stop .*'ackd\.service'" \
  '"\$1" = remove'
[ ! -e "$tmp/deb-control/preinst" ] || ! grep -q "deb-systemd-invoke stop" "$tmp/deb-control/preinst" ||
  fail "the .deb's preinst stops ackd.service before an upgrade"
expect_in "$tmp/deb-control/postrm" "the .deb's postrm" 'rm -rf /var/lib/ackd' \
  "deb-systemd-helper purge .*'ackd\.service'"
deb_version=$(dpkg-deb -f "$deb" Version)
dpkg-deb -x "$deb" "$tmp/deb-root"
check_binaries "$tmp/deb-root" "${deb_version%-*}" "the .deb"

section "checking $(basename "$rpm")"
rpm -qlp "$rpm" >"$tmp/rpm.files"
expect_files "$tmp/rpm.files" "the RPM" /usr/lib/systemd/system
rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm" >"$tmp/rpm.flags"
expect_in "$tmp/rpm.flags" "the RPM's file flags" '^cn /etc/ackd/ackd.conf$'
rpm -qp --scripts "$rpm" >"$tmp/rpm.scripts"
expect_in "$tmp/rpm.scripts" "the RPM's scriptlets" 'useradd .*ackd|sysusers' \
  'systemd-tmpfiles --create|tmpfiles' 'ackd\.service' '^posttrans scriptlet' \
  '/usr/libexec/ackd/upgrade-in-place systemctl try-restart ackd\.service'
sed -n '/^postuninstall scriptlet/,/^[a-z]* scriptlet/p' "$tmp/rpm.scripts" | grep -q 'try-restart' &&
  fail "the RPM's %postun restarts ackd.service on an upgrade"
rpm_version=$(rpm -qp --qf '%{VERSION}' "$rpm")
mkdir "$tmp/rpm-root"
(cd "$tmp/rpm-root" && rpm2cpio "$rpm" | cpio -idm --quiet)
check_binaries "$tmp/rpm-root" "$rpm_version" "the RPM"

[ "${deb_version%-*}" = "$rpm_version" ] ||
  fail "the .deb is at ${deb_version%-*}, the RPM at $rpm_version"

if [ "$failures" -gt 0 ]; then
  echo "$failures problem(s); packages in $out" >&2
  exit 1
fi
echo "ackd ${deb_version} (.deb) and ${rpm_version} (RPM): built, linted and checked" \
  "in $((SECONDS - start)) s; packages in $out"
