#!/usr/bin/env bash
# smoke_test.sh SOURCE_DIR BUILD_DIR: bench/run works end to end on this
# machine (installs its peers from Debian, runs every scenario against every
# server, writes the markdown table and the plot), and ackd acks every
# connection, without a reset, in every scenario. A short run (--quick,
# without callgrind) on the binaries ctest built: it checks the tool and
# ackd's behaviour under load, not performance (docs/performance.md).
set -euo pipefail
src=$1
build=$2
# bench/run installs what is missing with apt-get, as root or through sudo.
peers_present() {
  command -v nginx && [ -e /usr/lib/nginx/modules/ngx_stream_module.so ] &&
    command -v gnuplot && command -v cc && [ -e "$(cc -print-file-name=libc.a)" ] &&
    command -v openssl
}
if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null &&
  ! PATH=$PATH:/usr/sbin peers_present >/dev/null; then
  echo "bench_smoke: skipped: nginx, its stream module, gnuplot or openssl is missing, and installing needs root"
  exit 77
fi
export PATH=$PATH:/usr/sbin
# shellcheck source=tests/support/check.sh
. "$(dirname "$0")/../support/check.sh"
out=$tmp

# --no-client-close: that scenario leaves tens of thousands of TIME_WAIT
# sockets, and the tests that run after this one need free ports.
"$src/bench/run" --quick --no-callgrind --no-client-close --prebuilt "$build" --out "$out" 2>&1 |
  tee "$out/run.log"
if grep -q "no result from ackctl bench" "$out/run.log"; then
  fail "a point has no result (above)"
fi

md=$out/results.md
[ -s "$md" ] || { echo "FAIL: bench/run wrote no $md" >&2; exit 1; }
[ "$(od -An -N4 -tx1 "$out/conn.png" | tr -d ' ')" = 89504e47 ] || fail "conn.png is not a PNG"

# The targets table: each target of the issues, judged (yes or no) in this run.
targets=$(sed -n '/^## Targets/,/^## Connection/p' "$md")
for target in "vs nginx (c=32)" "keep-alive vs the epoll server" "UDP vs the faster" \
  "fork mode vs the tutorial's" "fork mode p99.9" "idle connections: ackd RSS" \
  "idle vs without" "log_messages = true" "with a spool, ack_after = fsync" \
  "with [metrics] scraped" 'keep-alive with proxy_protocol = "v2" vs without' \
  'conn with proxy_protocol = "v2" vs without' "TLS handshakes per second" \
  "keep-alive over TLS vs nginx's"; do
  grep -F "$target" <<<"$targets" | grep -qE '\| (yes|\*\*no\*\*) \|' ||
    fail "the targets table does not judge \"$target\""
done

# The TLS peers are compared only if they negotiate the same (issue 19).
grep -q "^before the points: ackd-tls TLSv1.3 .*: the same\.$" "$md" ||
  fail "ackd-tls and nginx-tls did not negotiate the same TLS (see results.md)"

# Every measurement: every server measured, every rate positive, and ackd
# (all its variants) without an error or a reset after an ack.
table=$(sed -n '/^## Every measurement/,$p' "$md" | grep -E '^\| [a-z-]+ \| [a-z-]+ \|' |
  grep -v '^| scenario |' || true)
for server in ackd ackd-fork ackd-log ackd-spool ackd-metrics ackd-proxy ackd-tls nginx nginx-tls \
  nginx-tls-epoll epoll-keep epoll-close epoll-udp tutorial-fork tutorial-udp fork-min \
  fork-min-static; do
  awk -F' \\| ' -v s="$server" '$2 == s { found = 1 } END { exit !found }' <<<"$table" ||
    fail "no measurement of $server"
done
while IFS= read -r row; do
  fail "a measurement without a positive rate: $row"
done < <(awk -F' \\| ' '!($5 > 0)' <<<"$table")
while IFS= read -r row; do
  fail "ackd had errors or sent resets: $row"
done < <(awk -F' \\| ' '$2 ~ /^ackd/ && ($9 != "0" || $10 != "0")' <<<"$table")

if [ "$failures" -ne 0 ]; then
  echo "== results.md:" >&2
  cat "$md" >&2
  exit 1
fi
echo "bench_smoke: bench/run measured $(wc -l <<<"$table") points; ackd: no errors, no resets"
