# shellcheck shell=bash
# lib.sh - helpers shared by the loopback test peers in this folder (simplesamlphp.sh,
# lemonldap.sh, moto.sh) and by ../curl-login-floor.sh.  Sourced, never run.
#
# Conventions every peer script follows:
#   * stdout carries only eval-able NAME='value' lines; notes and errors go to stderr
#     (notes only when AWSFED_PEERS_VERBOSE is set).
#   * state lives under peers_root: $AWSFED_PEERS_DIR, else ${TMPDIR:-/tmp}/awsfed-peers-<uid>.
#   * each server runs detached (own session), with its state dir as working directory; that
#     directory, plus the executable's name, is how a stop tells its own process from a recycled PID.
#   * missing Debian packages are installed with apt-get (root only), 'apt-get update' at most once.

PEERS_PROG=${0##*/}

die() { printf '%s: error: %s\n' "$PEERS_PROG" "$*" >&2; exit 1; }
note() { [ -z "${AWSFED_PEERS_VERBOSE:-}" ] || printf '%s: %s\n' "$PEERS_PROG" "$*" >&2; }

# emit NAME VALUE: one eval-able line, value in single quotes (URLs contain '&').
emit() { printf "%s='%s'\n" "$1" "${2//\'/\'\\\'\'}"; }

# peers_root: print the (physical, absolute) state root, creating it private to this user.
peers_root() {
  local root=${AWSFED_PEERS_DIR:-${TMPDIR:-/tmp}/awsfed-peers-$EUID}
  # the path ends up inside PHP and ini files
  case $root in *[\'\"\\]*) die "the state dir path must not contain quotes or backslashes: $root" ;; esac
  [ -d "$root" ] || (umask 077 && mkdir -p "$root") || die "cannot create state dir $root"
  [ -O "$root" ] || die "state dir $root belongs to another user; set AWSFED_PEERS_DIR"
  (cd "$root" && pwd -P)
}

# ---------------------------------------------------------------------- Debian packages

# pkgs_missing PKG...: print the named packages that dpkg does not list as installed.
pkgs_missing() {
  local -A ok=()
  local name status p
  # One dpkg-query for all names; unknown names only produce a complaint on stderr.
  while read -r name status; do
    [[ $status == ii* ]] && ok[$name]=1
  done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null || true)
  for p in "$@"; do
    [ -n "${ok[$p]:-}" ] || printf '%s\n' "$p"
  done
}

# apt_ensure PKG...: install whichever of PKG... are missing (all of them are passed to apt-get so
# that its dependency choices follow the list, e.g. php8.2-cgi + lighttpd instead of apache2).
# Runs 'apt-get update' first only when the machine has no package lists, else only if the
# install fails (stale lists), and at most once.  Installs from several peer scripts at the same
# time are serialised with a lock.  No service is started: a throwaway policy-rc.d (exit 101) is
# put in place for the install when the machine has none.
apt_ensure() {
  local missing
  missing=$(pkgs_missing "$@")
  [ -n "$missing" ] || return 0
  [ "$EUID" = 0 ] || die "missing Debian packages: $(echo "$missing" | tr '\n' ' ')- run this once as root to install them"
  command -v apt-get >/dev/null || die "apt-get not found (Debian/Ubuntu only)"
  note "installing: $(echo "$missing" | tr '\n' ' ')"
  ( # subshell: its own lock fd and EXIT trap
    exec 9>/var/lock/awsfed-peers-apt.lock
    flock 9
    [ -n "$(pkgs_missing "$@")" ] || exit 0          # another script installed them meanwhile
    log=$(mktemp "${TMPDIR:-/tmp}/awsfed-peers-apt.XXXXXX")
    policy=
    # shellcheck disable=SC2317 # called by the EXIT trap
    cleanup() {
      [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
      rm -f "$log"
    }
    trap cleanup EXIT
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\n# temporary, from %s: start no service during this install\nexit 101\n' \
        "$PEERS_PROG" >/usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt_get() { apt-get -q -y -o DPkg::Lock::Timeout=300 "$@" >>"$log" 2>&1; }
    install() { apt_get install --no-install-recommends "$@"; }
    updated=
    lists=/var/lib/apt/lists/
    eval "$(apt-config shell lists Dir::State::lists/d)"
    if ! compgen -G "${lists}*_Packages*" >/dev/null; then
      apt_get update || { tail -n 20 "$log" >&2; die "apt-get update failed"; }
      updated=1
    fi
    if ! install "$@"; then
      # Perhaps stale lists (a package version gone from the mirror): update once, retry once.
      if [ -n "$updated" ] || ! apt_get update || ! install "$@"; then
        tail -n 20 "$log" >&2
        die "apt-get install $* failed"
      fi
    fi
  )
}

# ---------------------------------------------------------------------- processes

# free_port: print a TCP port that is free on 127.0.0.1 right now (the kernel's choice).
free_port() {
  perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport, "\n"'
}

# alive PID: the process exists and is not a zombie (PID 1 here may not reap orphans quickly).
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# is_ours PID DIR EXE_GLOB: PID is alive, runs in DIR, and its executable's name matches EXE_GLOB.
# (Perl rewrites its process title, clobbering cmdline, so cwd + executable are what we check.)
is_ours() {
  local pid=$1 dir=$2 glob=$3 exe
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$dir" ] || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  # shellcheck disable=SC2053 # EXE_GLOB is a pattern on purpose
  [[ ${exe##*/} == $glob ]]
}

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL; return once the process is gone.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do alive "$pid" || return 0; sleep 0.05; done
  note "pid $pid ignored SIGTERM for 5 s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do alive "$pid" || return 0; sleep 0.05; done
  die "pid $pid is still alive after SIGKILL"
}

# spawn DIR LOG PIDFILE CMD...: run CMD detached (new session, stdin /dev/null, output to LOG,
# working directory DIR) and write its PID to PIDFILE.  Closes fd 9 (the scripts' lock fd) so
# the server does not keep the lock held for its whole life.  The command runs through exec, so
# the recorded PID is the server's own.
spawn() {
  local dir=$1 log=$2 pidfile=$3
  shift 3
  rm -f "$pidfile"
  (
    cd "$dir" || exit 1
    exec 9>&-
    # shellcheck disable=SC2016 # $$ and $@ belong to the inner sh
    exec setsid sh -c 'echo "$$" >"$0" && exec "$@"' "$pidfile" "$@" </dev/null >>"$log" 2>&1
  ) &
  local i
  for ((i = 0; i < 500; i++)); do [ -s "$pidfile" ] && return 0; sleep 0.01; done
  die "could not start $*"
}

# wait_http URL PID SECONDS: wait until URL answers with a 2xx/3xx status while PID stays alive.
wait_http() {
  local url=$1 pid=$2 deadline=$((SECONDS + $3))
  while [ "$SECONDS" -le "$deadline" ]; do
    alive "$pid" || return 1
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# with_lock FILE: take an exclusive lock on FILE on fd 9 for the rest of the script.
with_lock() {
  exec 9>"$1"
  flock -w 120 9 || die "timed out waiting for the lock $1"
}

# The IdP scripts set DIR (state), PIDFILE, ENVFILE (the printed lines), PROC (the server's
# process name pattern) and METADATA_VAR (the env line holding a URL the server answers), and
# define cmd_start; the rest is shared.

# running: print the PID of the IdP's server if it is up (alive, ours); fail otherwise.
running() {
  local pid
  pid=$(cat "${PIDFILE:?}" 2>/dev/null) || return 1
  is_ours "$pid" "$DIR" "$PROC" || return 1
  echo "$pid"
}

# answering: the running IdP serves its metadata (the env file knows the URL).
answering() {
  local url
  url=$(sed -n "s/^${METADATA_VAR}='\(.*\)'$/\1/p" "$ENVFILE" 2>/dev/null)
  [ -n "$url" ] && curl -fsS -o /dev/null --max-time 3 "$url" 2>/dev/null
}

# peer_running_env: print the env of the IdP if it runs and answers; otherwise stop a
# server that does not answer, clear its files and fail (start then starts afresh).
peer_running_env() {
  local pid
  if pid=$(running); then
    if answering; then cat "$ENVFILE"; return 0; fi
    note "pid $pid does not answer; restarting it"
    stop_pid "$pid"
  fi
  rm -f "${ENVFILE:?}" "${PIDFILE:?}"
  return 1
}

# peer_main LABEL ARGS...: the start|stop|env commands of an IdP script.
peer_main() {
  local label=$1 pid
  shift
  if [ $# -ne 1 ]; then
    echo "usage: ${0##*/} start|stop|env" >&2
    exit 2
  fi
  case $1 in
    start) cmd_start ;;
    stop)
      with_lock "$DIR.lock"
      if pid=$(running); then
        note "stopping pid $pid"
        stop_pid "$pid"
      fi
      rm -f "${ENVFILE:?}" "${PIDFILE:?}"
      ;;
    env)
      if running >/dev/null && answering; then
        cat "$ENVFILE"
      else
        die "$label is not running (start it with: $0 start)"
      fi
      ;;
    *)
      echo "usage: ${0##*/} start|stop|env" >&2
      exit 2
      ;;
  esac
}
