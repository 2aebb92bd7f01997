# Sourced by the shell tests: a scratch directory ($tmp, removed at exit) and
# fail(), which counts problems so that a test reports them all before it
# exits with "$failures".
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# The packaged ackd.conf names the user and group the package creates, and
# ackd --check-config checks that they exist. Prints the path of a copy that
# names root instead where they do not (the machine that builds the
# packages), else the path given.
config_for_this_machine() {
  if getent passwd ackd >/dev/null && getent group ackd >/dev/null; then
    echo "$1"
    return
  fi
  sed -E 's/^(user|group) = "ackd"$/\1 = "root"/' "$1" >"$tmp/ackd-here.conf"
  echo "$tmp/ackd-here.conf"
}
