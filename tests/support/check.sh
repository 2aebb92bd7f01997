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
