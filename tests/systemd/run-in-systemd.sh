#!/bin/bash
# Proves ackd under a real systemd: boots systemd as PID 1 of a throwaway box
# (private PID, mount, network, UTS, IPC and cgroup namespaces, on an overlay
# of / whose writes go to a tmpfs), installs ackd into it (the Debian package,
# or cmake --install), and runs the checks of issue 4, and of issue 18's
# package upgrades in place under a connection-per-message load (the .deb,
# repacked with a higher version, and the RPM). Also checks socket
# activation without systemd (systemd-socket-activate), outside the box.
#
# Prints one line per check: "PASS name", "FAIL name: why", "SKIP name: why";
# lines starting with "#" are diagnostics. Exit 0 when nothing failed, 1 when
# something did, 77 when this machine cannot run the box (not root, no
# namespaces or overlayfs); run as root for the full set.
#
# DANGER, and why the box is built the way it is: systemd's boot-time
# tmpfiles cleanup empties /tmp. Booted on the real root it would wipe the
# machine's /tmp, so systemd is only ever exec'd after pivot_root into the
# overlay, with fresh tmpfs on its /tmp and /run, and after checking that.
# The box ends with SIGKILL to its PID 1, by pid; nothing is killed by name.
set -u -o pipefail

usage() {
  cat <<'EOF'
usage: run-in-systemd.sh --source-dir DIR --build-dir DIR [--ackd BIN] [--ackctl BIN]
                         [--install auto|deb|cmake] [--deb FILE] [--deb-dir DIR] [--rpm FILE]
                         [--only CHECK,...]
  --source-dir DIR  the ackd source tree (systemd/, packaging/)
  --build-dir DIR   a configured and built ackd build tree (for cmake --install)
  --ackd, --ackctl  the built binaries (default: BUILD/daemon/ackd, BUILD/client/ackctl)
  --install MODE    deb: the package of `packaging/build deb`; cmake: cmake --install
                    plus systemd/ and a config; auto (default): deb when
                    packaging/build exists and builds one, else cmake
                    (also ACKD_SYSTEMD_TEST_INSTALL)
  --deb FILE        install this ackd .deb instead of building one (implies deb)
  --deb-dir DIR     the same with the ackd_*.deb in DIR, if there is one (and the
                    ackd-*.rpm there, for the RPM upgrade check)
  --rpm FILE        the ackd RPM for the RPM upgrade check (else it is skipped)
  --only LIST       run only these checks (comma-separated names)
  --service-setting KEY=VALUE
                    add this [Service] setting to ackd.service in the box (a drop-in;
                    repeatable), e.g. PrivateUsers=no to try a unit change
Environment: ACKD_SYSTEMD_TEST_KEEP=1 leaves the scratch dir (not the box) for inspection;
ACKD_SYSTEMD_TEST_HOLD=N keeps the box up N more seconds after the checks, to debug
with nsenter -t PID -a (the PID is printed).
EOF
}

self=$(readlink -f "$0")
readonly self
readonly ack_text="I got your message"
readonly port=51717

# --- results -----------------------------------------------------------------

failures=0
only=""
service_settings=()
wanted() { [[ -z $only || ",$only," == *",$1,"* ]]; }
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }
skip() { echo "SKIP $1: $2"; }
note() { echo "# $*"; }

# --- waiting, always bounded ----------------------------------------------------

# wait_until SECONDS COMMAND...: polls every 0.2 s; status 0 once COMMAND succeeds.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  while ((SECONDS < deadline)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  "$@" >/dev/null 2>&1
}

# --- tools ---------------------------------------------------------------------------

# The commands this test runs that a minimal Debian may lack, and their
# packages (scripts/install-deps installs systemd for every run).
readonly tool_packages=(ip:iproute2 ss:iproute2 ps:procps systemd-socket-activate:systemd
  systemctl:systemd journalctl:systemd)

# True when one of the commands is missing.
lacks() {
  local command
  for command; do command -v "$command" >/dev/null || return 0; done
  return 1
}

# Installs the packages of the missing commands with apt-get, as root or
# through passwordless sudo, as packaging/build and bench/run do. Without
# either, the checks that need a missing command are skipped.
install_missing_tools() {
  local entry packages=() sudo=""
  for entry in "${tool_packages[@]}"; do
    command -v "${entry%%:*}" >/dev/null || packages+=("${entry#*:}")
  done
  if ((${#packages[@]} == 0)) || ! command -v apt-get >/dev/null; then return 0; fi
  if [[ $EUID -ne 0 ]]; then
    sudo -n true 2>/dev/null || return 0
    sudo="sudo -n"
  fi
  mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
  note "installing ${packages[*]}"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${packages[@]}" >/dev/null
}

# --- socket activation without systemd (no box needed) ---------------------------

listening() {  # tcp|udp PORT: something listens there
  local flag=-t
  [[ $1 == udp ]] && flag=-u
  [[ -n $(ss -Hln $flag "sport = :$2") ]]
}

# Runs in a private network namespace when root (port 51717 on its own
# loopback), else on the host's loopback with a random port.
socket_activate_checks() {
  local ackd=$1 ackctl=$2 p=$3 dir
  dir=$(mktemp -d) || return 1
  sa_case() {  # name kind(tcp|udp) fdname listener-protocol expect(ack|error)
    local name=$1 kind=$2 fdname=$3 proto=$4 expect=$5 flag="" sendflag="" pid out rc
    [[ $kind == udp ]] && flag="--datagram" && sendflag="--udp"
    wanted "$name" || return 0
    cat >"$dir/$name.conf" <<EOF
[daemon]
workers = 1
[[listener]]
name = "$fdname"
protocol = "$proto"
address = "127.0.0.1:$p"
EOF
    # The config's listener keeps the socket's name for the ack cases; for
    # the error cases the socket's name or type does not match it (an
    # unclaimed socket: the listener "tcp" binds a port of its own).
    if [[ $name == *unknown-name ]]; then
      sed -i -e 's/^name = .*/name = "tcp"/' -e "s/^address = .*/address = \"127.0.0.1:$((p + 1))\"/" "$dir/$name.conf"
    fi
    systemd-socket-activate $flag -l "127.0.0.1:$p" --fdname="$fdname" \
      "$ackd" --config "$dir/$name.conf" >"$dir/$name.log" 2>&1 &
    pid=$!
    wait_until 5 listening "$kind" "$p" || true
    out=$(timeout 10 "$ackctl" send $sendflag --timeout 3s 127.0.0.1 "$p" "activated $name" 2>&1)
    rc=$?
    if [[ $expect == ack ]]; then
      # Acked, on the passed socket: a daemon that bound its own (SO_REUSEADDR
      # lets a UDP bind succeed next to the passed one) leaves two.
      local sockets
      sockets=$(ss -Hln "$([[ $kind == udp ]] && echo -u || echo -t)" "sport = :$p" | wc -l)
      if [[ $rc -ne 0 || $out != "$ack_text" ]]; then
        fail "$name" "ackctl exit $rc, output '$out'; ackd said: $(tail -n 3 "$dir/$name.log" | tr '\n' ' ')"
      elif [[ $sockets -ne 1 ]]; then
        fail "$name" "acked, but $sockets sockets listen on port $p: ackd bound its own instead of using the passed one"
      else
        pass "$name"
      fi
      kill -TERM "$pid" 2>/dev/null
      wait_until 10 bash -c "! kill -0 $pid" || { kill -KILL "$pid" 2>/dev/null; fail "$name-stop" "ackd did not stop within 10 s of SIGTERM"; }
      wait "$pid" 2>/dev/null
    else
      # The daemon must refuse to start, naming the socket (and, for a type
      # mismatch, the types). systemd-socket-activate's own lines aside.
      if wait_until 10 bash -c "! kill -0 $pid"; then
        wait "$pid"
        rc=$?
        local said
        said=$(grep -v -e '^Listening on' -e '^Communication attempt' -e '^Execing' "$dir/$name.log")
        if [[ $rc -ne 0 ]] && grep -q -- "$fdname" <<<"$said" &&
          { [[ $name != *mismatch ]] || grep -qiE 'udp|datagram|dgram|type|protocol' <<<"$said"; }; then
          pass "$name"
        else
          fail "$name" "exit $rc, without an error naming the socket \"$fdname\": $(tr '\n' ' ' <<<"$said" | cut -c1-300)"
        fi
      else
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        fail "$name" "ackd kept running with a socket it has no listener for (log: $(tail -n 2 "$dir/$name.log" | tr '\n' ' '))"
      fi
    fi
  }
  sa_case socket-activate-tcp tcp tcp tcp ack
  sa_case socket-activate-udp udp udp udp ack
  sa_case socket-activate-unknown-name tcp bogus tcp error
  sa_case socket-activate-protocol-mismatch udp tcp tcp error
  rm -rf "$dir"
}

# --- the box: stage 1 and 2 run as its PID 1 -----------------------------------------

# Stage 1, PID 1 of the new PID namespace: enter the box's own cgroup, then
# give it its own cgroup namespace rooted there, so the systemd inside sees
# only its subtree and never touches the host's cgroups.
box_stage1() {
  echo 0 >"$BOX_CGROUP/cgroup.procs" || exit 1
  exec unshare --cgroup -- "$self" --internal-box-stage2
}

box_mount_dev() {
  local dev=$1
  mount -t tmpfs -o mode=0755,nosuid,size=4m ackd-box-dev "$dev"
  mknod -m 666 "$dev/null" c 1 3
  mknod -m 666 "$dev/zero" c 1 5
  mknod -m 666 "$dev/full" c 1 7
  mknod -m 666 "$dev/random" c 1 8
  mknod -m 666 "$dev/urandom" c 1 9
  mknod -m 666 "$dev/tty" c 5 0
  mkdir -m 755 "$dev/pts"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$dev/pts"
  ln -s pts/ptmx "$dev/ptmx"
  mkdir -m 1777 "$dev/shm"
  mount -t tmpfs -o mode=1777,nosuid,nodev ackd-box-shm "$dev/shm"
  ln -s /proc/self/fd "$dev/fd"
  ln -s /proc/self/fd/0 "$dev/stdin"
  ln -s /proc/self/fd/1 "$dev/stdout"
  ln -s /proc/self/fd/2 "$dev/stderr"
}

# Stage 2: build the root (overlay of / on a tmpfs), install ackd into it,
# pivot_root, and exec systemd. Any failure exits, which ends the box.
box_stage2() {
  set -e
  exec >>"$BOX_SCRATCH/console.log" 2>&1 </dev/null
  local s=$BOX_SCRATCH/box root
  mount -t tmpfs -o mode=0700 ackd-box "$s"
  mkdir "$s/upper" "$s/work" "$s/root"
  root=$s/root
  mount -t overlay overlay -o "lowerdir=/,upperdir=$s/upper,workdir=$s/work" "$root"
  [[ $(stat -f -c %T "$root") == overlayfs ]]
  mount -t tmpfs -o mode=1777,nosuid,nodev ackd-box-tmp "$root/tmp"
  mount -t tmpfs -o mode=0755,nosuid,nodev ackd-box-run "$root/run"
  mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
  # What the kernel does not namespace is read-only, as in systemd-nspawn.
  mount --bind "$root/proc/sys" "$root/proc/sys"
  mount -o remount,bind,ro "$root/proc/sys"
  if [[ -e $root/proc/sysrq-trigger ]]; then
    mount --bind "$root/proc/sysrq-trigger" "$root/proc/sysrq-trigger"
    mount -o remount,bind,ro "$root/proc/sysrq-trigger"
  fi
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
  mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"
  box_mount_dev "$root/dev"
  ip link set lo up
  hostname ackd-box
  # The box's own identity and a journal kept in memory.
  tr -d '-' </proc/sys/kernel/random/uuid >"$root/etc/machine-id"
  # A container image's policy-rc.d (exit 101) would stop the package's
  # maintainer scripts from starting and stopping units: the box is a machine.
  rm -f "$root/usr/sbin/policy-rc.d"
  mkdir -p "$root/etc/systemd/journald.conf.d"
  printf '[Journal]\nStorage=volatile\n' >"$root/etc/systemd/journald.conf.d/ackd-box.conf"
  "$self" --internal-install "$root"
  mkdir "$root/.ackd-oldroot"
  cd "$root"
  pivot_root . .ackd-oldroot
  cd /
  umount -l /.ackd-oldroot
  rmdir /.ackd-oldroot
  # Never boot systemd anywhere but on the overlay with a fresh /tmp.
  [[ $(stat -f -c %T /) == overlayfs && $(stat -f -c %T /tmp) == tmpfs ]]
  exec setpriv --bounding-set -sys_module,-sys_time,-sys_rawio,-mac_admin,-mac_override,-syslog,-wake_alarm,-block_suspend \
    env -i container=ackd-test PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    /lib/systemd/systemd --system --unit=multi-user.target
}

# --- installing ackd into the box's root (run from stage 2, before pivot_root) -----

install_into() {
  local root=$1
  case $INSTALL_MODE in
    deb)
      mkdir -p "$root/root/ackd-test/next"
      cp "$DEB_FILE" "$root/root/ackd-test/"
      derive_upgrade_debs "$DEB_FILE" "$root/root/ackd-test/next" >>"$BOX_SCRATCH/install.log" 2>&1 ||
        echo "could not derive the upgrade packages" >>"$BOX_SCRATCH/install.log"
      if [[ -n ${RPM_FILE:-} ]]; then
        mkdir -p "$root/root/ackd-test/rpm"
        cp "$RPM_FILE" "$root/root/ackd-test/rpm/ackd.rpm"
      fi
      ;;
    cmake)
      if ! DESTDIR=$root cmake --install "$BUILD_DIR" --prefix /usr >"$BOX_SCRATCH/install.log" 2>&1; then
        echo "cmake --install failed (see install.log); copying the binaries only" >>"$BOX_SCRATCH/install.log"
        install -D -m 755 "$ACKD_BIN" "$root/usr/sbin/ackd"
        install -D -m 755 "$ACKCTL_BIN" "$root/usr/bin/ackctl"
      fi
      # The units under test are those of the source tree, whatever
      # cmake/Install.cmake installs.
      local unit
      for unit in "$SOURCE_DIR"/systemd/*.service "$SOURCE_DIR"/systemd/*.socket; do
        install -D -m 644 "$unit" "$root/usr/lib/systemd/system/${unit##*/}"
      done
      install -D -m 644 "$SOURCE_DIR/systemd/ackd.sysusers" "$root/usr/lib/sysusers.d/ackd.conf"
      install -D -m 644 "$SOURCE_DIR/systemd/ackd.tmpfiles" "$root/usr/lib/tmpfiles.d/ackd.conf"
      if [[ ! -e $root/etc/ackd/ackd.conf ]]; then
        if [[ -e $SOURCE_DIR/packaging/ackd.conf ]]; then
          install -D -m 644 "$SOURCE_DIR/packaging/ackd.conf" "$root/etc/ackd/ackd.conf"
        else
          mkdir -p "$root/etc/ackd"
          cat >"$root/etc/ackd/ackd.conf" <<'EOF'
[daemon]
user = "ackd"
group = "ackd"
[[listener]]
name = "tcp"
protocol = "tcp"
address = "[::]:51717"
[[listener]]
name = "udp"
protocol = "udp"
address = "[::]:51717"
[[listener]]
name = "local"
protocol = "unix"
path = "/run/ackd/ackd.sock"
mode = "0660"
EOF
        fi
      fi
      ;;
  esac
}

# Two packages made from the one under test, to upgrade to: next.deb, the
# same with a higher version (what an upgrade installs: a new file at
# /usr/sbin/ackd), and broken.deb, higher still, whose ackd refuses to be a
# binary upgrade's new master but starts otherwise (so the upgrade must fall
# back to a restart). Repacked, not rebuilt: building takes minutes.
derive_upgrade_debs() {
  local from=$1 out=$2 work version
  work=$(mktemp -d "$BOX_SCRATCH/derive.XXXXXX")
  version=$(dpkg-deb -f "$from" Version)
  dpkg-deb -R "$from" "$work/next"
  sed -i "s/^Version: .*/Version: $version+box1/" "$work/next/DEBIAN/control"
  dpkg-deb --build --root-owner-group "$work/next" "$out/next.deb" >/dev/null
  dpkg-deb -R "$from" "$work/broken"
  sed -i "s/^Version: .*/Version: $version+box2/" "$work/broken/DEBIAN/control"
  mv "$work/broken/usr/sbin/ackd" "$work/broken/usr/sbin/ackd.real"
  printf '%s\n' '#!/bin/sh' \
    "# run-in-systemd.sh's broken ackd: it cannot take over in a binary upgrade." \
    '[ -z "${ACKD_UPGRADE_FROM:-}" ] || { echo "ackd (test): refusing to take over" >&2; exit 1; }' \
    'exec /usr/sbin/ackd.real "$@"' >"$work/broken/usr/sbin/ackd"
  chmod 755 "$work/broken/usr/sbin/ackd"
  dpkg-deb --build --root-owner-group "$work/broken" "$out/broken.deb" >/dev/null
  rm -rf "$work"
}

# --- the harness side -------------------------------------------------------------

box_pid=""
unshare_pid=""
scratch=""
box_cgroup=""

box_booted=0

# Runs a command in the box. Refuses until the box's PID 1 is systemd on the
# overlay: before its pivot_root, the box's mount namespace still shows the
# host's /run, and systemctl there would talk to the host's systemd.
box() {
  ((box_booted)) || { echo "run-in-systemd.sh: the box is not up" >&2; return 125; }
  timeout "${BOX_CMD_TIMEOUT:-30}" nsenter -t "$box_pid" -a -r -- "$@"
}

box_runs_systemd_on_overlay() {
  [[ $(readlink "/proc/$box_pid/exe" 2>/dev/null) == */lib/systemd/systemd ]] &&
    [[ $(readlink "/proc/$box_pid/ns/mnt") != "$(readlink /proc/self/ns/mnt)" ]] &&
    [[ $(timeout 10 nsenter -t "$box_pid" -m -r -- stat -f -c %T / 2>/dev/null) == overlayfs ]] &&
    [[ $(timeout 10 nsenter -t "$box_pid" -m -r -- stat -f -c %T /tmp 2>/dev/null) == tmpfs ]]
}

teardown() {
  if [[ -n $box_pid && -n $unshare_pid ]]; then
    # Only the box's PID 1: still our unshare's child, so the pid is not reused.
    if [[ $(ps -o ppid= -p "$box_pid" 2>/dev/null | tr -d ' ') == "$unshare_pid" ]]; then
      kill -KILL "$box_pid"
    fi
    local i
    for ((i = 0; i < 50; i++)); do kill -0 "$unshare_pid" 2>/dev/null || break; sleep 0.2; done
    wait "$unshare_pid" 2>/dev/null
  elif [[ -n $unshare_pid ]]; then
    kill -KILL "$unshare_pid" 2>/dev/null  # --kill-child takes the box with it
    wait "$unshare_pid" 2>/dev/null
  fi
  box_pid=""
  unshare_pid=""
  box_booted=0
  if [[ -n $box_cgroup && -d $box_cgroup ]]; then
    # Empty now; systemd's cgroups inside it are removed leaves first.
    find "$box_cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
    [[ -d $box_cgroup ]] && note "could not remove cgroup $box_cgroup"
  fi
  box_cgroup=""
  if [[ -n $scratch && -d $scratch ]]; then
    if [[ ${ACKD_SYSTEMD_TEST_KEEP:-0} == 1 ]]; then
      note "kept $scratch"
    else
      # The box's tmpfs was mounted in its own mount namespace only; on the
      # host $scratch/box is an empty directory. Refuse to recurse into
      # anything still mounted.
      if findmnt -rn -o TARGET | grep -q "^$scratch"; then
        umount -l "$scratch/box" 2>/dev/null
      fi
      findmnt -rn -o TARGET | grep -q "^$scratch" || rm -rf "$scratch"
    fi
  fi
  scratch=""
}

# Why this machine cannot run the box, or nothing.
box_unsupported_reason() {
  [[ $EUID -eq 0 ]] || { echo "not root (booting systemd in namespaces needs root)"; return; }
  local c
  for c in unshare nsenter setpriv pivot_root mknod ip findmnt systemctl journalctl ps; do
    command -v "$c" >/dev/null || { echo "$c not found"; return; }
  done
  [[ -x /lib/systemd/systemd ]] || { echo "/lib/systemd/systemd not found"; return; }
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
    { echo "no overlayfs in this kernel"; return; }
  local cg2 probe
  cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
  [[ -n $cg2 ]] || { echo "no cgroup2 hierarchy mounted"; return; }
  probe=$cg2$(sed -n 's/^0:://p' /proc/self/cgroup | sed 's:/$::')/ackd-box-probe.$$
  mkdir "$probe" 2>/dev/null && rmdir "$probe" || { echo "cannot create a cgroup under $cg2"; return; }
  unshare --pid --fork --mount --net --uts --ipc --cgroup -- true 2>/dev/null ||
    { echo "cannot create PID, mount, network, UTS, IPC and cgroup namespaces here"; return; }
}

# True when FILE is newer than every file of the source tree (tracked or not).
newer_than_sources() {
  local ref newest
  command -v git >/dev/null && git -C "$SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1 || return 1
  ref=$(stat -c %Y "$1") || return 1
  newest=$(cd "$SOURCE_DIR" && git ls-files -z -co --exclude-standard |
    xargs -0 -r stat -c %Y -- 2>/dev/null | sort -n | tail -n 1)
  [[ -n $newest ]] && ((newest <= ref))
}

first_file() { [[ -f $1 ]] && echo "$1"; }  # of a glob's expansion

# The ackd .deb to install, or nothing (then cmake --install is used). The
# package built by packaging/build is kept in BUILD/systemd-test-deb and
# reused while no source file is newer (building it takes minutes).
find_or_build_deb() {
  if [[ -n $DEB_FILE ]]; then echo "$DEB_FILE"; return; fi
  [[ -x $SOURCE_DIR/packaging/build ]] || return 0
  local out=$BUILD_DIR/systemd-test-deb deb
  deb=$(first_file "$out"/ackd_*.deb)
  if [[ -f $out/build.log ]] && newer_than_sources "$out/build.log"; then
    note "reusing the outcome of packaging/build deb in $out (no source file is newer)" >&2
  else
    rm -rf "$out"
    mkdir -p "$out"
    note "building the package: packaging/build deb $out (log: $out/build.log)" >&2
    if ! timeout 600 "$SOURCE_DIR/packaging/build" deb "$out" >"$out/build.log" 2>&1; then
      note "packaging/build deb failed: $(tail -n 3 "$out/build.log" | tr '\n' ' ')" >&2
    fi
    deb=$(first_file "$out"/ackd_*.deb)
  fi
  # A package that lintian complains about still installs and runs.
  [[ -n $deb ]] && echo "$deb"
}

box_state=""
boot_box() {  # sets scratch, box_cgroup, unshare_pid, box_pid, box_state
  box_state="not started"
  scratch=$(mktemp -d /tmp/ackd-systemd-box.XXXXXX) || return 1
  mkdir "$scratch/box"
  local cg2 self_cg
  cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
  self_cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
  box_cgroup=$cg2${self_cg%/}/ackd-box.${scratch##*.}
  mkdir "$box_cgroup" || { box_state="cannot create cgroup $box_cgroup"; box_cgroup=""; return 1; }
  BOX_SCRATCH=$scratch BOX_CGROUP=$box_cgroup \
    unshare --pid --fork --kill-child --mount --net --uts --ipc --propagation private \
    -- "$self" --internal-box-stage1 2>>"$scratch/unshare.log" &
  unshare_pid=$!
  local i
  for ((i = 0; i < 50; i++)); do
    box_pid=$(cat "/proc/$unshare_pid/task/$unshare_pid/children" 2>/dev/null | awk '{print $1}')
    [[ -n $box_pid ]] && break
    sleep 0.1
  done
  [[ -n $box_pid ]] || { box_state="unshare started no box"; return 1; }
  # Stage 2 mounts, installs ackd and pivots (cmake --install takes seconds).
  local deadline=$((SECONDS + 120)) state=""
  while ((SECONDS < deadline)) && kill -0 "$box_pid" 2>/dev/null; do
    box_runs_systemd_on_overlay && { box_booted=1; break; }
    sleep 0.2
  done
  ((box_booted)) || { box_state="PID 1 never became systemd on the overlay"; return 1; }
  # Up once its manager answers, then until the boot job queue is empty.
  while ((SECONDS < deadline)); do
    kill -0 "$box_pid" 2>/dev/null || break
    state=$(BOX_CMD_TIMEOUT=100 box systemctl is-system-running --wait 2>/dev/null) && break
    [[ -n $state && $state != offline ]] && break
    sleep 0.5
  done
  box_state=${state:-none}
}

show_failure_context() {
  note "--- systemctl status ackd ackd.socket"
  box systemctl --no-pager -l status ackd.service ackd.socket 2>&1 | sed 's/^/# /' | head -n 40
  note "--- journalctl -u ackd (last 30)"
  box journalctl --no-pager -n 30 -u ackd.service 2>&1 | sed 's/^/# /'
}

main_pid() { box systemctl show -P MainPID ackd.service; }
send_tcp() { box timeout 10 ackctl send --timeout 3s 127.0.0.1 "$port" "$1" 2>&1; }
send_udp() { box timeout 10 ackctl send --udp --timeout 3s 127.0.0.1 "$port" "$1" 2>&1; }
send_unix() { box timeout 10 ackctl send --timeout 3s --unix /run/ackd/ackd.sock "$1" 2>&1; }
acked() { local out; out=$("$@"); [[ $out == "$ack_text" ]] || { echo "$out"; return 1; }; }

check() {  # name: runs check_<name with - as _>
  local name=$1 fn=check_${1//-/_}
  wanted "$name" || return 0
  "$fn" "$name"
}

check_start_active() {
  local out
  out=$(box systemctl start ackd.service 2>&1) || { fail "$1" "systemctl start: $out"; show_failure_context; return; }
  local st; st=$(box systemctl is-active ackd.service)
  [[ $st == active ]] && pass "$1" || { fail "$1" "ackd.service is $st"; show_failure_context; }
}

check_status_text() {
  local text; text=$(box systemctl show -P StatusText ackd.service)
  [[ $text == *worker* ]] && pass "$1" || fail "$1" "STATUS= is '$text', expected a line like '2 workers, 1234 replies, 0 errors'"
}

check_tcp_ack() { local why; why=$(acked send_tcp "hello over tcp") && pass "$1" || fail "$1" "no ack over TCP: $why"; }
check_udp_ack() { local why; why=$(acked send_udp "hello over udp") && pass "$1" || fail "$1" "no ack over UDP: $why"; }
check_unix_ack() { local why; why=$(acked send_unix "hello over unix") && pass "$1" || fail "$1" "no ack on /run/ackd/ackd.sock: $why"; }

marker=""
check_journal_message() {
  marker="journal-marker-$RANDOM$RANDOM"
  local why; why=$(acked send_tcp "$marker") || { fail "$1" "no ack for the marker: $why"; return; }
  if wait_until 10 bash -c "nsenter -t $box_pid -a -r -- journalctl --no-pager -u ackd.service | grep -q -- '$marker'"; then
    pass "$1"
  else
    fail "$1" "'$marker' not in journalctl -u ackd within 10 s; last lines: $(box journalctl --no-pager -n 3 -u ackd.service | tr '\n' ' ')"
  fi
}

check_journal_fields() {
  [[ -n $marker ]] || { skip "$1" "needs journal-message"; return; }
  local entry
  entry=$(box journalctl --no-pager -u ackd.service -o verbose --grep "$marker" 2>/dev/null)
  if ! grep -q '^ *MESSAGE=' <<<"$entry"; then fail "$1" "no journal entry holds the marker"; return; fi
  local missing=() f
  for f in LISTENER PEER WORKER_PID; do grep -q "^ *$f=" <<<"$entry" || missing+=("$f="); done
  local transport
  transport=$(sed -n 's/^ *_TRANSPORT=//p' <<<"$entry" | head -n 1)
  [[ ${#missing[@]} -eq 0 ]] && pass "$1" ||
    fail "$1" "the message's journal entry (_TRANSPORT=$transport) lacks the fields ${missing[*]}"
}

check_workers_not_root() {
  local main users
  main=$(main_pid)
  [[ -n $main && $main != 0 ]] || { fail "$1" "no MainPID"; return; }
  users=$(box ps -o user= --ppid "$main" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
  if [[ -z $users ]]; then fail "$1" "the master ($main) has no children"
  elif box ps -o user= --ppid "$main" | grep -qvx ackd; then fail "$1" "worker users: $users"
  else pass "$1"; fi
}

check_reload_keeps_mainpid() {
  local before after out why
  before=$(main_pid)
  out=$(box systemctl reload ackd.service 2>&1) || { fail "$1" "systemctl reload: $out"; show_failure_context; return; }
  sleep 0.5  # the point: a moment in which MainPID may not change, the reload done
  after=$(main_pid)
  [[ $before == "$after" && $after != 0 ]] || { fail "$1" "MainPID $before became $after"; return; }
  [[ $(box systemctl is-active ackd.service) == active ]] || { fail "$1" "not active after reload"; return; }
  why=$(acked send_tcp "after reload") && why=$(acked send_udp "after reload") &&
    pass "$1" || fail "$1" "not serving after reload: $why"
}

# The control socket exists under the hardened unit (which lets the master
# chown nothing) and answers root and the group ackd (here the ackd user).
check_ackctl_status() {
  local main out
  main=$(main_pid)
  out=$(box timeout 10 ackctl status 2>&1) || { fail "$1" "ackctl status as root: $out"; return; }
  [[ $out == *"master pid $main,"* ]] || { fail "$1" "ackctl status does not name the master $main: $out"; return; }
  out=$(box timeout 10 runuser -u ackd -- ackctl status 2>&1) &&
    pass "$1" || fail "$1" "ackctl status as the ackd user: $out"
}

# ExecReload= is `ackctl reload`, which waits for the outcome: with an invalid
# config, systemctl reload fails and the journal says why (ackctl's line and
# the problem's file:line:column); ackd keeps serving, and once the config is
# fixed the reload succeeds.
check_reload_reports_failure() {
  local conf=/etc/ackd/ackd.conf before out why
  before=$(main_pid)
  box cp "$conf" "$conf.good" || { fail "$1" "cannot save $conf"; return; }
  printf '%s\n' '[[listener]]' 'name = "bogus"' 'protocol = "bogus"' | box tee -a "$conf" >/dev/null
  if out=$(box systemctl reload ackd.service 2>&1); then
    box mv "$conf.good" "$conf"
    fail "$1" "systemctl reload succeeded on an invalid config"
    return
  fi
  why=$(box journalctl --no-pager -u ackd.service -n 50 2>&1)
  box mv "$conf.good" "$conf"
  grep -q 'ackctl.*reload failed, still running generation' <<<"$why" &&
    grep -q "ackd.conf:[0-9]*:[0-9]*: .*protocol" <<<"$why" ||
    { fail "$1" "the journal does not say why: $(tail -n 5 <<<"$why" | tr '\n' ' ')"; return; }
  [[ $(main_pid) == "$before" && $(box systemctl is-active ackd.service) == active ]] ||
    { fail "$1" "not the same active service after the failed reload"; return; }
  out=$(box systemctl reload ackd.service 2>&1) || { fail "$1" "systemctl reload of the fixed config: $out"; return; }
  why=$(acked send_tcp "after a failed reload") && pass "$1" || fail "$1" "not serving: $why"
}

check_usr2_upgrade() {
  local before after why restarts
  before=$(main_pid)
  restarts=$(box systemctl show -P NRestarts ackd.service)
  box kill -USR2 "$before"
  if ! wait_until 15 bash -c "m=\$(nsenter -t $box_pid -a -r -- systemctl show -P MainPID ackd.service); [[ \$m != $before && \$m != 0 ]]"; then
    fail "$1" "MainPID still $before 15 s after SIGUSR2 (the new master must become MainPID via MAINPID=)"
    return
  fi
  after=$(main_pid)
  [[ $(box systemctl show -P NRestarts ackd.service) == "$restarts" ]] ||
    { fail "$1" "the service was restarted: SIGUSR2 killed the master"; return; }
  wait_until 15 bash -c "! nsenter -t $box_pid -a -r -- kill -0 $before" || { fail "$1" "old master $before still running 15 s after the upgrade"; return; }
  [[ $(box systemctl is-active ackd.service) == active ]] || { fail "$1" "not active after the upgrade"; return; }
  why=$(acked send_tcp "after upgrade") && pass "$1" || fail "$1" "not serving after the upgrade: $why"
}

readonly watchdog_sec=2
check_watchdog_restart() {
  local name=$1 before after restarts why
  box mkdir -p /run/systemd/system/ackd.service.d
  printf '[Service]\nWatchdogSec=%ss\nTimeoutAbortSec=2s\nRestartSec=100ms\n' "$watchdog_sec" |
    box tee /run/systemd/system/ackd.service.d/watchdog-test.conf >/dev/null
  box systemctl daemon-reload
  box systemctl restart ackd.service || { fail "$name" "restart with WatchdogSec=${watchdog_sec}s failed"; show_failure_context; return; }
  before=$(main_pid)
  restarts=$(box systemctl show -P NRestarts ackd.service)
  # A master that pings survives several watchdog periods untouched.
  sleep $((3 * watchdog_sec))
  after=$(main_pid)
  if [[ $after != "$before" || $(box systemctl show -P NRestarts ackd.service) != "$restarts" ]]; then
    fail "$name" "a healthy master was killed by the watchdog (MainPID $before -> $after): no WATCHDOG=1 pings"
  else
    box kill -STOP "$before"
    if wait_until 20 bash -c "m=\$(nsenter -t $box_pid -a -r -- systemctl show -P MainPID ackd.service); [[ \$m != $before && \$m != 0 ]] && [[ \$(nsenter -t $box_pid -a -r -- systemctl is-active ackd.service) == active ]]"; then
      if wait_until 5 bash -c "nsenter -t $box_pid -a -r -- journalctl --no-pager -u ackd.service | grep -qi 'watchdog timeout'"; then
        why=$(acked send_tcp "after watchdog") && pass "$name" || fail "$name" "restarted but not serving: $why"
      else
        fail "$name" "restarted, but not by the watchdog (no 'Watchdog timeout' in the journal)"
      fi
    else
      fail "$name" "SIGSTOPped master $before not replaced within 20 s"
      box kill -CONT "$before" 2>/dev/null
    fi
  fi
  box rm -f /run/systemd/system/ackd.service.d/watchdog-test.conf
  box systemctl daemon-reload
}

ackd_processes() { box ps -e -o pid=,user=,comm= | awk '$3 == "ackd"'; }

check_stop_no_process() {
  local out left
  out=$(box systemctl stop ackd.service 2>&1) || { fail "$1" "systemctl stop: $out"; return; }
  left=$(ackd_processes)
  if [[ -n $left ]]; then fail "$1" "still running after stop: $(tr '\n' ';' <<<"$left")"
  elif [[ $(box systemctl is-active ackd.service) == active ]]; then fail "$1" "still active"
  else pass "$1"; fi
}

check_socket_activation() {
  socket_activation_steps "$1"
  # Whatever happened, leave no socket unit or service behind.
  box systemctl stop ackd.service ackd.socket ackd-udp.socket ackd-local.socket >/dev/null 2>&1
  box systemctl reset-failed ackd.service >/dev/null 2>&1
}

socket_activation_steps() {
  local out st why
  box systemctl stop ackd.service >/dev/null 2>&1
  out=$(box systemctl start ackd.socket 2>&1) || { fail "$1" "systemctl start ackd.socket: $out"; return; }
  for st in ackd.socket ackd-udp.socket ackd-local.socket; do
    [[ $(box systemctl is-active "$st") == active ]] || { fail "$1" "$st is not active after starting ackd.socket"; return; }
  done
  [[ $(box systemctl is-active ackd.service) != active ]] || { fail "$1" "ackd.service already active before any connection"; return; }
  why=$(acked send_tcp "first connection") || { fail "$1" "no ack on the first connection: $why"; show_failure_context; return; }
  [[ $(box systemctl is-active ackd.service) == active ]] || { fail "$1" "ackd.service is not active after the first connection"; return; }
  pass "$1"
  if wanted socket-activation-all; then
    why=$(acked send_udp "activated udp") && why=$(acked send_unix "activated local") &&
      pass socket-activation-all || fail socket-activation-all "$why"
  fi
}

check_units_verify() {
  local out man=no
  # Documentation= is checked too when the man pages are installed.
  box man -w ackd.conf >/dev/null 2>&1 && man=yes
  out=$(box systemd-analyze verify --man=$man ackd.service ackd.socket ackd-udp.socket ackd-local.socket 2>&1)
  [[ $? -eq 0 && -z $out ]] && pass "$1" || fail "$1" "$(tr '\n' ' ' <<<"$out")"
}

# A connection-per-message load in the box: back-to-back runs of `ackctl
# bench --mode conn` of 1 s each, until /tmp/ackd-load.stop appears (or 2
# minutes pass); each run's JSON report is a line of /tmp/ackd-load.jsonl.
start_load() {
  box rm -f /tmp/ackd-load.stop /tmp/ackd-load.done /tmp/ackd-load.jsonl
  BOX_CMD_TIMEOUT=150 box sh -c 'end=$(($(date +%s) + 120))
    while [ ! -e /tmp/ackd-load.stop ] && [ "$(date +%s)" -lt "$end" ]; do
      ackctl bench --mode conn -c 8 -t 2 -d 1s --timeout 5s --json 127.0.0.1 '"$port"'
    done >/tmp/ackd-load.jsonl 2>/tmp/ackd-load.err </dev/null; touch /tmp/ackd-load.done' \
    >/dev/null 2>&1 </dev/null &
}
load_runs() { box sh -c 'cat /tmp/ackd-load.jsonl 2>/dev/null | wc -l'; }
load_ran() { (($(load_runs) >= $1)); }
# Stops the load; sets load_acks and load_errors (summed over its runs).
stop_load() {
  box touch /tmp/ackd-load.stop
  wait_until 10 box test -e /tmp/ackd-load.done || note "the load did not stop within 10 s"
  read -r load_acks load_errors < <(box cat /tmp/ackd-load.jsonl |
    sed -nE 's/.*"acks":([0-9]+).*"errors":([0-9]+).*/\1 \2/p' |
    awk '{ a += $1; e += $2 } END { print a + 0, e + 0 }')
}

# Runs COMMAND (a package installation) in the box under the load, from two
# load runs before to two after; sets upgrade_out, load_acks, load_errors.
under_load() {
  local runs
  upgrade_out=""
  start_load
  wait_until 20 load_ran 2 || { stop_load; upgrade_out="the load did not start"; return 1; }
  upgrade_out=$(BOX_CMD_TIMEOUT=180 box "$@" 2>&1) || { stop_load; return 1; }
  runs=$(load_runs)
  wait_until 20 load_ran $((runs + 2)) || note "the load did not go on after the installation"
  stop_load
}

# After an in-place upgrade from main pid $2 ($3: NRestarts then): the new
# master is the main process, runs the installed binary and serves; the old
# one is gone; nothing was restarted and no exchange of the load failed.
check_handed_over() {
  local name=$1 before=$2 restarts=$3 after exe why
  after=$(main_pid)
  [[ $after != "$before" && $after != 0 ]] || { fail "$name" "MainPID is still $before: no handover"; return; }
  [[ $(box systemctl show -P NRestarts ackd.service) == "$restarts" ]] ||
    { fail "$name" "the service was restarted"; return; }
  wait_until 15 bash -c "! nsenter -t $box_pid -a -r -- kill -0 $before" ||
    { fail "$name" "old master $before still running 15 s after the upgrade"; return; }
  exe=$(box readlink "/proc/$after/exe")
  [[ $exe == /usr/sbin/ackd ]] ||
    { fail "$name" "the new master runs '$exe', not the installed /usr/sbin/ackd"; return; }
  ((load_acks >= 100)) || { fail "$name" "the load got only $load_acks acks"; return; }
  ((load_errors == 0)) ||
    { fail "$name" "$load_errors of $((load_acks + load_errors)) exchanges failed during the upgrade"; return; }
  why=$(acked send_tcp "after the package upgrade") || { fail "$name" "not serving: $why"; return; }
  note "$name: $load_acks exchanges under the upgrade, none failed; MainPID $before -> $after"
  pass "$name"
}

# dpkg -i of a newer ackd over the running service: the binary upgrade, not
# a restart (debhelper's default), under a connection-per-message load.
check_deb_upgrade_in_place() {
  [[ $INSTALL_MODE == deb ]] || { skip "$1" "ackd installed with cmake --install, not from a .deb"; return; }
  box test -f /root/ackd-test/next/next.deb || { fail "$1" "no derived package (see install.log)"; return; }
  box systemctl start ackd.service
  local before restarts
  before=$(main_pid)
  restarts=$(box systemctl show -P NRestarts ackd.service)
  under_load dpkg -i /root/ackd-test/next/next.deb ||
    { fail "$1" "dpkg -i: $(tail -n 5 <<<"$upgrade_out" | tr '\n' ' ')"; return; }
  grep -q "ackd: upgraded in place, no connection refused: new master pid" <<<"$upgrade_out" ||
    { fail "$1" "dpkg -i did not say it upgraded in place (the load: $load_errors of $((load_acks + load_errors)) exchanges failed): $(grep ackd: <<<"$upgrade_out" | tr '\n' ' ')"; return; }
  [[ $(box dpkg-query -W -f '${Version}' ackd) == *+box1 ]] || { fail "$1" "the newer package is not installed"; return; }
  check_handed_over "$1" "$before" "$restarts"
}

# A binary upgrade that fails (the new master exits) falls back to a
# restart and says so; the load sees that restart, which shows that it
# counts failed exchanges.
check_deb_upgrade_fallback() {
  [[ $INSTALL_MODE == deb ]] || { skip "$1" "ackd installed with cmake --install, not from a .deb"; return; }
  box test -f /root/ackd-test/next/broken.deb || { fail "$1" "no derived package (see install.log)"; return; }
  box systemctl start ackd.service
  local before why
  before=$(main_pid)
  under_load dpkg -i /root/ackd-test/next/broken.deb ||
    { fail "$1" "dpkg -i: $(tail -n 5 <<<"$upgrade_out" | tr '\n' ' ')"; return; }
  grep -q "ackd: the binary upgrade failed: upgrade failed: the new master (pid [0-9]*) exited with status 1" <<<"$upgrade_out" &&
    grep -q "ackd: restarting ackd.service instead" <<<"$upgrade_out" ||
    { fail "$1" "dpkg -i did not say the upgrade failed and why: $(grep ackd: <<<"$upgrade_out" | tr '\n' ' ')"; return; }
  [[ $(box systemctl is-active ackd.service) == active && $(main_pid) != "$before" ]] ||
    { fail "$1" "not restarted"; show_failure_context; return; }
  why=$(acked send_tcp "after the restart") || { fail "$1" "not serving after the restart: $why"; return; }
  ((load_errors > 0)) || { fail "$1" "the load saw no failed exchange during a restart: it cannot tell"; return; }
  note "$1: the restart cost $load_errors of $((load_acks + load_errors)) exchanges"
  pass "$1"
}

# The same with the RPM (Debian's rpm, its own database): rpm -U of the
# same package again runs the upgrade scriptlets and replaces the files;
# over the running service it must hand it over.
check_rpm_upgrade_in_place() {
  box test -f /root/ackd-test/rpm/ackd.rpm || { skip "$1" "no RPM (--rpm, or --deb-dir with one)"; return; }
  local out rpm=(rpm --force-debian --nodeps) before restarts
  out=$(BOX_CMD_TIMEOUT=120 box "${rpm[@]}" -i /root/ackd-test/rpm/ackd.rpm 2>&1) ||
    { fail "$1" "rpm -i: $(tail -n 3 <<<"$out" | tr '\n' ' ')"; return; }
  box systemctl daemon-reload
  out=$(box systemctl start ackd.service 2>&1) || { fail "$1" "start after rpm -i: $out"; show_failure_context; return; }
  before=$(main_pid)
  restarts=$(box systemctl show -P NRestarts ackd.service)
  under_load "${rpm[@]}" -U --replacepkgs /root/ackd-test/rpm/ackd.rpm ||
    { fail "$1" "rpm -U: $(tail -n 5 <<<"$upgrade_out" | tr '\n' ' ')"; return; }
  grep -q "ackd: upgraded in place, no connection refused: new master pid" <<<"$upgrade_out" ||
    { fail "$1" "rpm -U did not say it upgraded in place: $(tr '\n' ' ' <<<"$upgrade_out")"; return; }
  check_handed_over "$1" "$before" "$restarts"
  BOX_CMD_TIMEOUT=120 box "${rpm[@]}" -e ackd >/dev/null 2>&1 || note "rpm -e ackd failed"
}

check_dpkg_purge() {
  [[ $INSTALL_MODE == deb ]] || { skip "$1" "ackd installed with cmake --install, not from a .deb"; return; }
  local out left=()
  out=$(BOX_CMD_TIMEOUT=120 box dpkg --purge ackd 2>&1) || { fail "$1" "dpkg --purge: $(tail -n 3 <<<"$out" | tr '\n' ' ')"; return; }
  local p
  for p in /etc/ackd /var/lib/ackd /usr/sbin/ackd; do box test -e "$p" && left+=("$p"); done
  [[ -n $(ackd_processes) ]] && left+=("a running ackd")
  [[ ${#left[@]} -eq 0 ]] && pass "$1" || fail "$1" "left behind: ${left[*]}"
}

install_in_box() {
  case $INSTALL_MODE in
    deb)
      local out
      out=$(BOX_CMD_TIMEOUT=180 box sh -c 'dpkg -i /root/ackd-test/*.deb' 2>&1) &&
        pass deb-install || fail deb-install "dpkg -i: $(tail -n 5 <<<"$out" | tr '\n' ' ')"
      ;;
    cmake)
      # What the package's maintainer scripts would do.
      box systemd-sysusers ackd.conf >/dev/null 2>&1
      box systemd-tmpfiles --create ackd.conf >/dev/null 2>&1
      box systemctl daemon-reload
      ;;
  esac
}

run_box_checks() {
  local state
  boot_box
  state=$box_state
  if ((!box_booted)) || ! kill -0 "$box_pid" 2>/dev/null || [[ $state != running && $state != degraded ]]; then
    fail box-boot "systemd did not come up ($state); console: $(tail -n 5 "$scratch/console.log" 2>/dev/null | tr '\n' ' ')"
    return
  fi
  pass box-boot
  local failed
  failed=$(box systemctl list-units --failed --plain --no-legend 2>/dev/null | awk '{print $1}' | tr '\n' ' ')
  [[ -n $failed ]] && note "box is $state; failed units: $failed"
  [[ $INSTALL_MODE == cmake && -s $scratch/install.log ]] && grep -q "failed" "$scratch/install.log" &&
    note "$(grep failed "$scratch/install.log")"
  install_in_box
  box id ackd >/dev/null 2>&1 || note "no user ackd in the box"
  if ((${#service_settings[@]})); then
    note "ackd.service drop-in: ${service_settings[*]}"
    box mkdir -p /etc/systemd/system/ackd.service.d
    printf '[Service]\n%s\n' "${service_settings[@]}" |
      box tee /etc/systemd/system/ackd.service.d/test-settings.conf >/dev/null
    box systemctl daemon-reload
    box systemctl try-restart ackd.service  # started by the package's postinst
  fi
  check units-verify
  check start-active
  check status-text
  check tcp-ack
  check udp-ack
  check unix-ack
  check journal-message
  check journal-fields
  check workers-not-root
  check ackctl-status
  check reload-keeps-mainpid
  check reload-reports-failure
  check usr2-upgrade
  check deb-upgrade-in-place
  check watchdog-restart
  check stop-no-process
  check socket-activation
  check deb-upgrade-fallback
  check dpkg-purge
  check rpm-upgrade-in-place
  if [[ ${ACKD_SYSTEMD_TEST_HOLD:-0} -gt 0 ]]; then
    note "holding the box for ${ACKD_SYSTEMD_TEST_HOLD} s: nsenter -t $box_pid -a -r"
    sleep "$ACKD_SYSTEMD_TEST_HOLD"
  fi
}

# --- main ----------------------------------------------------------------------------

main() {
  local source_dir="" build_dir="" ackd="" ackctl="" mode=${ACKD_SYSTEMD_TEST_INSTALL:-auto} deb="" rpm=""
  while (($#)); do
    case $1 in
      --source-dir) source_dir=$2; shift 2 ;;
      --build-dir) build_dir=$2; shift 2 ;;
      --ackd) ackd=$2; shift 2 ;;
      --ackctl) ackctl=$2; shift 2 ;;
      --install) mode=$2; shift 2 ;;
      --deb) deb=$2; mode=deb; shift 2 ;;
      # The .deb the packaging test left in DIR, if there is one.
      --deb-dir)
        for f in "$2"/ackd_*.deb; do [[ -f $f ]] && { deb=$f; mode=deb; }; done
        for f in "$2"/ackd-[0-9]*.rpm; do [[ -f $f && -z $rpm ]] && rpm=$f; done
        shift 2 ;;
      --rpm) rpm=$2; shift 2 ;;
      --only) only=$2; shift 2 ;;
      --service-setting) service_settings+=("$2"); shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
  [[ -n $source_dir && -n $build_dir ]] || { usage >&2; exit 2; }
  source_dir=$(readlink -f "$source_dir")
  build_dir=$(readlink -f "$build_dir")
  ackd=$(readlink -f "${ackd:-$build_dir/daemon/ackd}")
  ackctl=$(readlink -f "${ackctl:-$build_dir/client/ackctl}")
  [[ -x $ackd && -x $ackctl ]] || { echo "run-in-systemd.sh: no ackd/ackctl binaries ($ackd, $ackctl)" >&2; exit 2; }

  install_missing_tools
  # Socket activation without systemd (in a private network namespace when root).
  local sa_tools=(systemd-socket-activate ss)
  [[ $EUID -eq 0 ]] && sa_tools+=(ip)
  if lacks "${sa_tools[@]}"; then
    skip socket-activate "needs ${sa_tools[*]}: one is missing (as root, or with passwordless sudo, this test installs them)"
  elif [[ $EUID -eq 0 ]] && unshare --net true 2>/dev/null; then
    local out
    out=$(SA_ACKD=$ackd SA_ACKCTL=$ackctl ONLY=$only unshare --net -- "$self" --internal-socket-activate)
    echo "$out"
    failures=$((failures + $(grep -c '^FAIL' <<<"$out")))
  else
    socket_activate_checks "$ackd" "$ackctl" $((20000 + RANDOM % 20000))
  fi

  if [[ -n $only ]] && ! tr , '\n' <<<"$only" | grep -qv '^socket-activate'; then
    ((failures == 0))
    exit
  fi
  local reason
  reason=$(box_unsupported_reason)
  if [[ -n $reason ]]; then
    skip box "$reason"
    if ((failures > 0)); then exit 1; fi
    echo "run-in-systemd.sh: the systemd box cannot run here: $reason" >&2
    exit 77
  fi

  case $mode in
    deb | auto)
      deb=$(SOURCE_DIR=$source_dir BUILD_DIR=$build_dir DEB_FILE=$deb; find_or_build_deb)
      if [[ -n $deb && -f $deb ]]; then mode=deb
      elif [[ $mode == deb ]]; then fail deb-install "no .deb: packaging/build deb failed or is missing"; mode=cmake
      else mode=cmake; fi
      ;;
    cmake) ;;
    *) usage >&2; exit 2 ;;
  esac
  note "installing ackd with: $mode${deb:+ ($deb)}"
  [[ -n $rpm ]] && rpm=$(readlink -f "$rpm")
  export INSTALL_MODE=$mode DEB_FILE=$deb RPM_FILE=$rpm SOURCE_DIR=$source_dir BUILD_DIR=$build_dir \
    ACKD_BIN=$ackd ACKCTL_BIN=$ackctl
  trap teardown EXIT
  trap 'exit 1' INT TERM
  run_box_checks
  teardown
  trap - EXIT
  ((failures == 0))
}

case ${1:-} in
  --internal-box-stage1) box_stage1 ;;
  --internal-box-stage2) box_stage2 ;;
  --internal-install) BOX_SCRATCH=${BOX_SCRATCH:?} install_into "$2" ;;
  --internal-socket-activate)
    ip link set lo up
    only=${ONLY:-}
    socket_activate_checks "$SA_ACKD" "$SA_ACKCTL" "$port"
    ;;
  *) main "$@" ;;
esac
