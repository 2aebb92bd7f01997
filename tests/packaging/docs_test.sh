#!/usr/bin/env bash
# docs_test.sh ACKD ACKCTL SOURCE_DIR: what the packages ship to describe the
# programs, against the programs themselves:
# - packaging/ackd.conf passes ackd --check-config, and so does the same file
#   with every commented-out "#key = value" and "#[table]" line enabled (each
#   documented key exists and its documented default is valid);
# - every key of daemon/config/config.cpp's key tables (k...Keys[]) and of
#   each service's (daemon/service/*_service.cpp kKeys[]) is in
#   packaging/ackd.conf and in ackd.conf(5), and ackd.conf(5) shows the
#   default ackd.conf shows (for keys that have one);
# - the default listener names match FileDescriptorName= of the socket units;
# - ackd(8) has every option of ackd --help; ackctl(1) every command and
#   option of ackctl's --help, and the bash completion every command.
set -euo pipefail
ackd=$1
ackctl=$2
src=$3
conf=$src/packaging/ackd.conf
man=$src/docs/man/ackd.conf.5.scd
# shellcheck source=tests/support/check.sh
. "$(dirname "$0")/../support/check.sh"

here=$(config_for_this_machine "$conf")
"$ackd" --check-config --config "$here" || fail "packaging/ackd.conf is not valid"

sed -E 's/^#([a-z_]+ = )/\1/; s/^#(\[[a-z_]+\])$/\1/' "$here" >"$tmp/all-keys.conf"
"$ackd" --check-config --config "$tmp/all-keys.conf" >/dev/null ||
  fail "packaging/ackd.conf with its commented keys enabled is not valid (errors above)"

# The quoted names in `constexpr const char* kDaemonKeys[] = {...};` and the
# other key tables of daemon/config/ (kRootKeys names the tables themselves).
table_keys() {
  sed -n "/$1\[\] = {/{:a;/};/!{N;ba};p}" "$src"/daemon/config/*.cpp | grep -o '"[a-z_]*"' | tr -d '"'
}
tables=$(cat "$src"/daemon/config/*.cpp | grep -oE 'k[A-Z][A-Za-z]*Keys\[\] = \{' | grep -oE '^k[A-Za-z]+' |
  grep -vx kRootKeys)
for table in kDaemonKeys kListenerKeys $tables; do
  keys=$(table_keys "$table")
  [ -n "$keys" ] || fail "no $table table in daemon/config/config.cpp: update tests/packaging/config_test.sh"
  for key in $keys; do
    # [listener.tls] needs files: its example stays commented ("# key = ")
    # when the test enables the other keys.
    case "$table:$key" in
      kListenerKeys:tls) pattern='^# \[listener\.tls\]$' ;;
      kTlsKeys:*) pattern="^# $key = " ;;
      *) pattern="^#?$key = " ;;
    esac
    grep -qE "$pattern" "$conf" || fail "key $key (${table}) is not in packaging/ackd.conf"
    grep -qF "*$key*" "$man" || fail "key $key (${table}) is not documented in docs/man/ackd.conf.5.scd"
  done
done

# A service's own listener keys: kKeys[] = {{"key", "what it holds"}, ...}.
for source in "$src"/daemon/service/*_service.cpp; do
  service=$(basename "$source" .cpp)
  for key in $(sed -n '/kKeys\[\] = {/{:a;/};/!{N;ba};p}' "$source" | grep -oE '\{"[a-z_]+"' | tr -d '{"'); do
    grep -qE "^#?$key = " "$conf" || fail "key $key ($service) is not in packaging/ackd.conf"
    grep -qF "*$key*" "$man" || fail "key $key ($service) is not documented in docs/man/ackd.conf.5.scd"
  done
done

# Each commented default of ackd.conf is the default ackd.conf(5) shows,
# unless the key has none there (a bare "*key*" entry: required, or an example).
while IFS= read -r line; do
  entry=${line#\#}
  key=${entry%% = *}
  value=${entry#* = }
  grep -qx "\*$key\*" "$man" && continue
  grep -qF "*$key* = $value" "$man" ||
    fail "ackd.conf says $key = $value, ackd.conf(5) does not (expected a line \"*$key* = $value\")"
done < <(grep -E '^#[a-z_]+ = ' "$conf" | sort -u)

# Socket activation: every FileDescriptorName= is a listener of the packaged config.
shopt -s nullglob
for unit in "$src"/systemd/*.socket; do
  while read -r name; do
    grep -qx "name = \"$name\"" "$conf" ||
      fail "$(basename "$unit"): FileDescriptorName=$name is no listener of packaging/ackd.conf"
  done < <(sed -n 's/^FileDescriptorName=//p' "$unit")
done

# Long options of a --help text (CLI11: "  -c,--config TEXT  ...").
help_options() {
  grep -oE '^ +(-[A-Za-z0-9],)?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}
for option in $("$ackd" --help | help_options); do
  grep -qF -- "*$option*" "$src/docs/man/ackd.8.scd" || fail "ackd $option is not in ackd(8)"
done
ackctl_man=$src/docs/man/ackctl.1.scd
commands=$("$ackctl" --help | sed -n '/^Subcommands:/,/^$/p' | sed -nE 's/^  ([a-z][a-z-]*) .*/\1/p')
[ -n "$commands" ] || fail "no Subcommands: in ackctl --help: update tests/packaging/docs_test.sh"
for option in $("$ackctl" --help | help_options); do
  grep -qF -- "*$option*" "$ackctl_man" || fail "ackctl $option is not in ackctl(1)"
done
# check_command WORDS...: a command (and its own subcommands) in ackctl(1).
check_command() {
  local help option sub
  help=$("$ackctl" "$@" --help)
  grep -qE "^\*$*(\*| )" "$ackctl_man" || fail "ackctl $* is not in ackctl(1)'s COMMANDS"
  for option in $(help_options <<<"$help"); do
    grep -qF -- "*$option*" "$ackctl_man" || fail "ackctl $* $option is not in ackctl(1)"
  done
  for sub in $(sed -n '/^Subcommands:/,/^$/p' <<<"$help" | sed -nE 's/^  ([a-z][a-z-]*) .*/\1/p'); do
    check_command "$@" "$sub"
  done
}
for command in $commands; do
  grep -qE "^_ackctl_commands=\"([a-z ]* )?$command( [a-z ]*)?\"" "$src/completions/ackctl.bash" ||
    fail "ackctl $command is not in _ackctl_commands of completions/ackctl.bash"
  check_command "$command"
done

if [ "$failures" -gt 0 ]; then
  echo "$failures problem(s)" >&2
  exit 1
fi
echo "packaged configuration, man pages and completion match ackd and ackctl"
