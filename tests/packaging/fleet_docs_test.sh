#!/usr/bin/env bash
# fleet_docs_test.sh ACKD SOURCE_DIR: every configuration docs/fleet.md
# shows works with the programs it is for: each ```haproxy block passes
# `haproxy -c`, each ```nginx block (a stream section) passes `nginx -t`,
# each ```toml block passes `ackd --check-config`. A missing haproxy or
# nginx stream module skips its blocks (scripts/install-deps installs
# haproxy; bench/run installs nginx); no block at all is a failure.
set -uo pipefail
ackd=$1
src=$2
doc=$src/docs/fleet.md
# shellcheck source=tests/support/check.sh
. "$(dirname "$0")/../support/check.sh"

# Writes each block fenced as ```$1 to $tmp/$1.N; prints how many.
extract() {
  awk -v lang="$1" -v dir="$tmp" '
    $0 == "```" lang { inside = 1; n++; file = dir "/" lang "." n; next }
    inside && $0 == "```" { inside = 0; close(file); next }
    inside { print > file }
    END { print n + 0 }' "$doc"
}

checked=0
count=$(extract haproxy)
if ! command -v haproxy >/dev/null; then
  echo "SKIP: haproxy is not installed: $count haproxy block(s) not checked"
else
  for ((i = 1; i <= count; i++)); do
    out=$(haproxy -c -f "$tmp/haproxy.$i" 2>&1) || fail "haproxy block $i of docs/fleet.md: $out"
    grep -q '\[WARNING\]' <<<"$out" && fail "haproxy block $i of docs/fleet.md warns: $out"
    checked=$((checked + 1))
  done
fi

count=$(extract nginx)
module=/usr/lib/nginx/modules/ngx_stream_module.so
if ! command -v nginx >/dev/null || [ ! -e "$module" ]; then
  echo "SKIP: nginx or its stream module is not installed: $count nginx block(s) not checked"
else
  for ((i = 1; i <= count; i++)); do
    {
      echo "load_module $module;"
      echo "pid $tmp/nginx.pid;"
      echo "error_log stderr;"
      echo "events {}"
      cat "$tmp/nginx.$i"
    } >"$tmp/nginx.$i.conf"
    out=$(nginx -t -q -e stderr -p "$tmp" -c "$tmp/nginx.$i.conf" 2>&1) ||
      fail "nginx block $i of docs/fleet.md: $out"
    checked=$((checked + 1))
  done
fi

count=$(extract toml)
for ((i = 1; i <= count; i++)); do
  "$ackd" --check-config --config "$(config_for_this_machine "$tmp/toml.$i")" >/dev/null ||
    fail "toml block $i of docs/fleet.md is not a valid ackd.conf"
  checked=$((checked + 1))
done

[ "$checked" -gt 0 ] || fail "no configuration block checked in docs/fleet.md"
if [ "$failures" -gt 0 ]; then
  echo "$failures problem(s)" >&2
  exit 1
fi
echo "docs/fleet.md: $checked configuration block(s) checked"
