#!/usr/bin/env bash
# upgrade_in_place_test.sh SOURCE_DIR: packaging/upgrade-in-place, the
# packages' upgrade helper, on stand-ins for systemctl, ackctl and ackd (a
# PATH and the ACKD_SBINDIR/ACKD_BINDIR it takes for tests): each way an
# upgrade can go, what it says, whether it restarts, and that it never fails.
# The real thing, under systemd, is run-in-systemd.sh's deb-upgrade-in-place.
set -uo pipefail
src=$1
script=$src/packaging/upgrade-in-place
# shellcheck source=tests/support/check.sh
. "$(dirname "$0")/../support/check.sh"

stubs=$tmp/bin
sbin=$tmp/sbin
mkdir -p "$stubs" "$sbin"
log=$tmp/calls.log

# systemctl: is-active from $STUB_ACTIVE; MainPID from the file mainpid;
# kill (USR2) writes $STUB_TAKEOVER_PID there when set.
cat >"$stubs/systemctl" <<'EOF'
#!/bin/sh
echo "systemctl $*" >>"$STUB_DIR/calls.log"
case $1 in
  is-active) [ "$STUB_ACTIVE" = 1 ] ;;
  show) cat "$STUB_DIR/mainpid" ;;
  kill) [ -n "${STUB_TAKEOVER_PID:-}" ] && echo "$STUB_TAKEOVER_PID" >"$STUB_DIR/mainpid"; exit 0 ;;
esac
EOF
# ackctl upgrade: prints $STUB_ACKCTL_OUT, exits $STUB_ACKCTL_RC.
cat >"$stubs/ackctl" <<'EOF'
#!/bin/sh
echo "ackctl $*" >>"$STUB_DIR/calls.log"
[ -n "$STUB_ACKCTL_OUT" ] && echo "$STUB_ACKCTL_OUT" >&2
[ "$STUB_ACKCTL_RC" = 0 ] && echo "upgraded: new master pid 4242"
exit "$STUB_ACKCTL_RC"
EOF
# ackd --check-config: exits $STUB_CHECK_RC.
cat >"$stubs/ackd" <<'EOF'
#!/bin/sh
echo "ackd $*" >>"$STUB_DIR/calls.log"
[ "$STUB_CHECK_RC" = 0 ] || echo "/etc/ackd/ackd.conf:3:1: daemon.bogus: unknown key" >&2
exit "$STUB_CHECK_RC"
EOF
cat >"$stubs/restart" <<'EOF'
#!/bin/sh
echo "restart $*" >>"$STUB_DIR/calls.log"
exit "${STUB_RESTART_RC:-0}"
EOF
chmod +x "$stubs"/*
cp "$stubs/ackd" "$sbin/ackd"

# The service's main process: a real one, running another binary than ackd.
sleep 300 &
master=$!
trap 'kill $master 2>/dev/null; rm -rf "$tmp"' EXIT

# run NAME [VAR=VALUE...]: runs the script with those stand-ins; sets $out.
run() {
  local name=$1
  shift
  : >"$log"
  echo "$master" >"$tmp/mainpid"
  out=$(env PATH="$stubs:/usr/bin:/bin" STUB_DIR="$tmp" ACKD_SBINDIR="$sbin" ACKD_BINDIR="$stubs" \
    ACKD_SIGNAL_WAIT=1 STUB_ACTIVE=1 STUB_CHECK_RC=0 STUB_ACKCTL_RC=0 STUB_ACKCTL_OUT= "$@" \
    "$script" "$stubs/restart" ackd.service 2>&1)
  local rc=$?
  [ $rc -eq 0 ] || fail "$name: exit $rc (it must never fail the package): $out"
}
says() { grep -qF -- "$2" <<<"$out" || fail "$1: does not say \"$2\": $out"; }
called() { grep -qF -- "$2" "$log" || fail "$1: no call \"$2\": $(tr '\n' ';' <"$log")"; }
not_called() { ! grep -qF -- "$2" "$log" || fail "$1: called \"$2\": $(tr '\n' ';' <"$log")"; }

run not-running STUB_ACTIVE=0
[ -z "$out" ] || fail "not-running: said \"$out\""
not_called not-running "ackctl"
not_called not-running "restart"

run upgraded
says upgraded "ackd: upgraded in place, no connection refused: new master pid 4242 (was pid $master)"
called upgraded "ackd --check-config --config /etc/ackd/ackd.conf"
called upgraded "ackctl upgrade"
not_called upgraded "restart"

run failed STUB_ACKCTL_RC=1 STUB_ACKCTL_OUT="ackctl: upgrade failed: the new master (pid 5) exited with status 1"
says failed "ackd: the binary upgrade failed: upgrade failed: the new master (pid 5) exited with status 1"
says failed "restarting ackd.service instead"
called failed "restart ackd.service"

run restart-fails STUB_ACKCTL_RC=4 STUB_ACKCTL_OUT="ackctl: no reply from the control socket within 45s" \
  STUB_RESTART_RC=1
says restart-fails "the binary upgrade failed: no reply from the control socket within 45s"
says restart-fails "the restart failed too: see journalctl -u ackd.service"

# An ackd that predates `ackctl upgrade`, or has no control socket: USR2.
run old-daemon STUB_ACKCTL_RC=6 STUB_TAKEOVER_PID=777 \
  STUB_ACKCTL_OUT="ackctl: daemon replied: ERR unknown request (expected status, status json, reload or stop)"
says old-daemon "ackd: upgraded in place (SIGUSR2), no connection refused: new master pid 777 (was pid $master)"
called old-daemon "systemctl kill --kill-who=main --signal=SIGUSR2 ackd.service"
not_called old-daemon "restart"

run no-takeover STUB_ACKCTL_RC=3 STUB_ACKCTL_OUT="ackctl: /run/ackd/control.sock: no such file"
says no-takeover "the binary upgrade failed: no new master took over within 1s of SIGUSR2"
called no-takeover "restart ackd.service"

# A configuration the new ackd refuses: neither upgraded nor restarted.
run bad-config STUB_CHECK_RC=78
says bad-config "ackd: /etc/ackd/ackd.conf is not valid for the new ackd:"
says bad-config "  /etc/ackd/ackd.conf:3:1: daemon.bogus: unknown key"
says bad-config "keeps running the previous ackd (pid $master)"
not_called bad-config "ackctl"
not_called bad-config "restart"

# The main process already runs the installed binary (the package did not
# replace it, or a restart came first): nothing to do. Once the file is
# replaced (a new inode: what dpkg and rpm do), the upgrade goes ahead.
cp "$(command -v sleep)" "$sbin/ackd"
"$sbin/ackd" 300 &
current=$!
trap 'kill $master $current 2>/dev/null; rm -rf "$tmp"' EXIT
wait_until_exe() { for _ in $(seq 50); do [ "$(readlink "/proc/$current/exe")" = "$1" ] && return; sleep 0.1; done; }
wait_until_exe "$sbin/ackd"
run current-binary
echo "$current" >"$tmp/mainpid"
out=$(env PATH="$stubs:/usr/bin:/bin" STUB_DIR="$tmp" ACKD_SBINDIR="$sbin" ACKD_BINDIR="$stubs" \
  STUB_ACTIVE=1 STUB_CHECK_RC=0 STUB_ACKCTL_RC=0 STUB_ACKCTL_OUT= \
  "$script" "$stubs/restart" ackd.service 2>&1)
says current-binary "ackd: ackd.service (pid $current) already runs the installed ackd"
not_called current-binary "ackctl"
cp "$stubs/ackd" "$sbin/ackd.new" && mv "$sbin/ackd.new" "$sbin/ackd"
: >"$log"
out=$(env PATH="$stubs:/usr/bin:/bin" STUB_DIR="$tmp" ACKD_SBINDIR="$sbin" ACKD_BINDIR="$stubs" \
  STUB_ACTIVE=1 STUB_CHECK_RC=0 STUB_ACKCTL_RC=0 STUB_ACKCTL_OUT= \
  "$script" "$stubs/restart" ackd.service 2>&1)
says replaced-binary "ackd: upgraded in place, no connection refused: new master pid 4242 (was pid $current)"
kill "$current"

"$script" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no restart command: not a usage error"

if [ "$failures" -gt 0 ]; then
  echo "$failures problem(s)" >&2
  exit 1
fi
echo "upgrade-in-place: every way of an upgrade checked"
