#!/usr/bin/env bash
# keyring.sh - throwaway Secret Services on a private D-Bus session bus (the OS keyring as awsfed
# meets it on a Linux desktop), for awsfed's keyring tests.  Every 'start' makes a new instance
# with its own state dir: a dbus-daemon on the socket DIR/bus and, unless --bus-only, a
# gnome-keyring-daemon whose login keyring lives in DIR/home and is unlocked with a known password
# (what 'dbus-run-session' + 'gnome-keyring-daemon --unlock' do, kept running for several
# processes).  The bus activates nothing: no keyring daemon, no prompter dialog appears on its own.
#
# Usage:
#   scripts/peers/keyring.sh install                # as root: apt-get install what start needs
#   eval "$(scripts/peers/keyring.sh start)"        # prints KEYRING_DIR, KEYRING_DBUS_ADDRESS,
#                                                   #   KEYRING_BUS_PID, KEYRING_DAEMON_PID
#   eval "$(scripts/peers/keyring.sh start --bus-only)"   # a session bus with no Secret Service
#   DBUS_SESSION_BUS_ADDRESS=$KEYRING_DBUS_ADDRESS secret-tool lookup service awsfed username HOST:USER
#   scripts/peers/keyring.sh env [DIR]              # the same lines again
#   scripts/peers/keyring.sh stop DIR | --all       # stop that instance (its own PIDs only), remove DIR
#
# A stopped (SIGSTOP) keyring daemon stands for one that hangs; stop resumes it before stopping it.
# Environment: AWSFED_PEERS_DIR (state root; instances live in <root>/keyring/XXXXXX),
# KEYRING_PASSWORD (the login keyring's password, default awsfed-peer), KEYRING_START_TIMEOUT
# (s, default 10), AWSFED_PEERS_VERBOSE=1.
set -euo pipefail

here=$(readlink -f "${BASH_SOURCE[0]}") && here=${here%/*}   # this folder, symlinks resolved
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"

PACKAGES=(dbus gnome-keyring libsecret-tools)

usage() {
  echo "usage: ${0##*/} install | start [--bus-only] | env [DIR] | stop DIR|--all" >&2
  exit 2
}

root() { echo "$(peers_root)/keyring"; }

# instance_dir DIR: print DIR, physical, if it is one of our instance dirs; fail otherwise.
instance_dir() {
  local d r
  r=$(root)
  d=$(cd "$1" 2>/dev/null && pwd -P) || return 1
  [ "${d%/*}" = "$r" ] && [ -f "$d/env" ] || return 1
  echo "$d"
}

# bus_call DIR ARGS...: dbus-send to the instance's bus.
bus_call() {
  local dir=$1
  shift
  DBUS_SESSION_BUS_ADDRESS="unix:path=$dir/bus" timeout 5 dbus-send --session --print-reply "$@"
}

# secrets_ready DIR: a Secret Service owns its name on the bus and answers a search.
secrets_ready() {
  local out
  bus_call "$1" --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' || return 1
  # A lookup of an item that does not exist: exit 1 and nothing on stderr when the service works.
  out=$(DBUS_SESSION_BUS_ADDRESS="unix:path=$1/bus" timeout 5 secret-tool lookup service awsfed-peer-probe 2>&1) && return 1
  [ -z "$out" ]
}

# await DIR NAME LABEL DEADLINE CMD...: wait until CMD succeeds, while the process of DIR/NAME.pid
# lives and SECONDS has not passed DEADLINE; else show DIR/NAME.log, remove the instance and fail.
await() {
  local dir=$1 name=$2 label=$3 deadline=$4
  shift 4
  until "$@"; do
    if ! alive "$(cat "$dir/$name.pid" 2>/dev/null)" || [ "$SECONDS" -gt "$deadline" ]; then
      tail -n 5 "$dir/$name.log" >&2
      cmd_stop "$dir"
      die "$label did not start"
    fi
    sleep 0.02
  done
}

cmd_start() {
  local bus_only=
  case ${1:-} in
    --bus-only) bus_only=1 ;;
    '') ;;
    *) usage ;;
  esac
  apt_ensure "${PACKAGES[@]}"
  local r dir deadline i
  r=$(root)
  (umask 077 && mkdir -p "$r")
  dir=$(mktemp -d "$r/XXXXXX")
  mkdir -m 700 "$dir/home" "$dir/run"
  cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <!-- a session bus for one test: no <servicedir>, so no service is ever activated -->
  <type>session</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
  spawn "$dir" "$dir/bus.log" "$dir/bus.pid" dbus-daemon --nofork --config-file="$dir/bus.conf"
  deadline=$((SECONDS + ${KEYRING_START_TIMEOUT:-10}))
  await "$dir" bus dbus-daemon "$deadline" test -S "$dir/bus"

  if [ -z "$bus_only" ]; then
    # The daemon reads the login keyring's password on stdin (--unlock), creating the keyring
    # the first time; everything it keeps is under DIR.
    rm -f "$dir/daemon.pid"
    (
      cd "$dir"
      exec 9>&-
      export HOME=$dir/home XDG_DATA_HOME=$dir/home/.local/share XDG_CONFIG_HOME=$dir/home/.config \
        XDG_CACHE_HOME=$dir/home/.cache XDG_RUNTIME_DIR=$dir/run DBUS_SESSION_BUS_ADDRESS="unix:path=$dir/bus"
      # shellcheck disable=SC2016 # $$ and $@ belong to the inner sh
      exec setsid sh -c 'echo "$$" >"$0" && exec "$@"' "$dir/daemon.pid" \
        gnome-keyring-daemon --foreground --unlock --components=secrets \
        < <(printf %s "${KEYRING_PASSWORD:-awsfed-peer}") >>"$dir/daemon.log" 2>&1
    ) &
    for ((i = 0; i < 500; i++)); do [ -s "$dir/daemon.pid" ] && break; sleep 0.01; done
    await "$dir" daemon gnome-keyring-daemon "$deadline" secrets_ready "$dir"
  fi

  {
    emit KEYRING_DIR "$dir"
    emit KEYRING_DBUS_ADDRESS "unix:path=$dir/bus"
    emit KEYRING_BUS_PID "$(cat "$dir/bus.pid")"
    emit KEYRING_DAEMON_PID "$(cat "$dir/daemon.pid" 2>/dev/null || true)"
  } >"$dir/env"
  cat "$dir/env"
}

# cmd_stop DIR: stop the instance's daemon and bus, if they are ours, and remove DIR.
cmd_stop() {
  local dir=$1 pid
  pid=$(cat "$dir/daemon.pid" 2>/dev/null || true)
  if is_ours "$pid" "$dir" 'gnome-keyring-d*'; then
    kill -CONT "$pid" 2>/dev/null || true # a test may have frozen it
    stop_pid "$pid"
  fi
  pid=$(cat "$dir/bus.pid" 2>/dev/null || true)
  if is_ours "$pid" "$dir" 'dbus-daemon'; then
    stop_pid "$pid"
  fi
  rm -rf "${dir:?}"
}

[ $# -ge 1 ] || usage
case $1 in
  install)
    [ $# -eq 1 ] || usage
    apt_ensure "${PACKAGES[@]}"
    ;;
  start)
    shift
    cmd_start "$@"
    ;;
  env)
    if [ $# -eq 2 ]; then
      d=$(instance_dir "$2") || die "$2 is not a keyring instance"
    else
      mapfile -t all < <(compgen -G "$(root)/*/env" || true)
      [ "${#all[@]}" -eq 1 ] || die "${#all[@]} keyring instances run; name one: ${0##*/} env DIR"
      d=${all[0]%/env}
    fi
    cat "$d/env"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    if [ "$2" = --all ]; then
      for e in "$(root)"/*/env; do
        [ -e "$e" ] && cmd_stop "${e%/env}"
      done
    else
      d=$(instance_dir "$2") || die "$2 is not a keyring instance"
      cmd_stop "$d"
    fi
    ;;
  *) usage ;;
esac
