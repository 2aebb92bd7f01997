#!/bin/bash
# Static checks of the units in systemd/, without booting anything:
#   check-units.sh security UNIT_DIR [MAX]  systemd-analyze security --offline=true
#                                           ackd.service: exposure at most MAX (1.5)
#   check-units.sh verify UNIT_DIR ACKD [ACKCTL]
#                                           systemd-analyze verify of every unit, in a
#                                           scratch root holding /usr/sbin/ackd (the
#                                           built ACKD), /usr/bin/ackctl (ACKCTL, for
#                                           ExecReload=) and the host's system units
# Exit 0 pass, 1 fail, 77 when systemd-analyze lacks what the check needs.
set -u -o pipefail
root=""

die_skip() { echo "SKIP: $*"; exit 77; }

security() {
  local dir=$1 max=${2:-1.5} out level
  command -v systemd-analyze >/dev/null || die_skip "systemd-analyze not found"
  systemd-analyze --help 2>/dev/null | grep -q -- '--offline' ||
    die_skip "systemd-analyze has no --offline (systemd < 250)"
  out=$(cd "$dir" && systemd-analyze security --offline=true ./ackd.service 2>&1)
  level=$(sed -n 's/.*Overall exposure level for ackd\.service: \([0-9.]*\).*/\1/p' <<<"$out")
  if [[ -z $level ]]; then
    echo "$out"
    echo "FAIL: no 'Overall exposure level' line from systemd-analyze security"
    exit 1
  fi
  if awk -v l="$level" -v m="$max" 'BEGIN { exit !(l <= m) }'; then
    echo "PASS: exposure of ackd.service is $level (at most $max)"
  else
    grep '✗' <<<"$out"
    echo "FAIL: exposure of ackd.service is $level, more than $max"
    exit 1
  fi
}

verify() {
  local dir=$1 ackd=$2 ackctl=${3:-} units=() unit out rc
  command -v systemd-analyze >/dev/null || die_skip "systemd-analyze not found"
  [[ -d /usr/lib/systemd/system || -d /lib/systemd/system ]] || die_skip "no system units on this host"
  systemd-analyze verify --help 2>/dev/null | grep -q -- '--root' ||
    systemd-analyze --help 2>/dev/null | grep -q -- '--root' || die_skip "systemd-analyze has no --root"
  root=$(mktemp -d) || exit 1
  trap '[[ -n $root ]] && rm -rf "$root"' EXIT
  # The host's units (targets the ackd units depend on), the ackd units, and
  # the programs they run, where the units expect them.
  mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/usr/sbin" "$root/bin" "$root/usr/bin"
  cp -a "$(readlink -f /lib/systemd/system)" "$root/usr/lib/systemd/system"
  for unit in "$dir"/*.service "$dir"/*.socket; do
    cp "$unit" "$root/etc/systemd/system/"
    units+=("$root/etc/systemd/system/${unit##*/}")
  done
  cp "$ackd" "$root/usr/sbin/ackd"
  [[ -n $ackctl ]] && cp "$ackctl" "$root/usr/bin/ackctl"
  cp "$(type -P kill)" "$root/bin/kill"
  cp "$(type -P kill)" "$root/usr/bin/kill"
  # Documentation= is checked with man on the host, where ackd's pages are
  # not installed; the box harness checks the installed units with them.
  out=$(systemd-analyze verify --man=no --root="$root" "${units[@]}" 2>&1)
  rc=$?
  if [[ $rc -eq 0 && -z $out ]]; then
    echo "PASS: systemd-analyze verify ${units[*]##*/}"
  else
    echo "$out"
    echo "FAIL: systemd-analyze verify (exit $rc)"
    exit 1
  fi
}

case ${1:-} in
  security) shift; security "$@" ;;
  verify) shift; verify "$@" ;;
  *) echo "usage: check-units.sh security UNIT_DIR [MAX] | verify UNIT_DIR ACKD [ACKCTL]" >&2; exit 2 ;;
esac
