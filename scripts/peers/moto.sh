#!/usr/bin/env bash
# moto.sh - throwaway moto_server instances on 127.0.0.1 (a stand-in for STS/IAM in awsfed's tests).
# Every 'start' makes a new instance with its own state dir, so a test can have a fresh one.
#
# Usage:
#   eval "$(scripts/peers/moto.sh start)"     # prints MOTO_URL, MOTO_PORT, MOTO_PID, MOTO_DIR, MOTO_STRICT_N
#   scripts/peers/moto.sh env [DIR]           # the same lines again (DIR may be left out if only one runs)
#   scripts/peers/moto.sh stop DIR            # stop that instance (its own PID only), remove DIR
#   scripts/peers/moto.sh stop --all          # stop every instance under the state root
#   scripts/peers/moto.sh reset DIR [N]       # wipe that instance's state (~20 ms, vs ~1 s for a
#                                             # new one); strict mode with N, else not strict
#   scripts/peers/moto.sh create-roles URL ROLE_ARN...
#                                             # IAM CreateRole + PutRolePolicy (allow all) per role
#
# Strict mode: with INITIAL_NO_AUTH_ACTION_COUNT=N in the environment of 'start', moto lets the
# first N AWS requests through unchecked and then verifies SigV4 signatures and session tokens.
# AssumeRoleWithSAML is unsigned, so it must be among those N, and so must the CreateRole +
# PutRolePolicy of each role the test will use (create-roles: 2 requests per role).  Strict mode
# only works for roles in account 123456789012.  /moto-api/ requests (readiness) do not count.
#
# Environment: AWSFED_PEERS_DIR (state root; instances live in <root>/moto/XXXXXX),
# MOTO_SERVER (command, default moto_server from PATH), MOTO_START_TIMEOUT (s, default 30),
# AWSFED_PEERS_VERBOSE=1.  moto itself: pip install 'moto[server]'.
set -euo pipefail

here=$(readlink -f "${BASH_SOURCE[0]}") && here=${here%/*}   # this folder, symlinks resolved
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"

ROOT=$(peers_root)/moto
MOTO_ACCOUNT=123456789012

usage() {
  echo "usage: ${0##*/} start | env [DIR] | stop DIR|--all | reset DIR [N] | create-roles URL ROLE_ARN..." >&2
  exit 2
}

# instance_dir DIR: print DIR, physical, if it is one of our instance dirs; fail otherwise.
instance_dir() {
  local d
  d=$(cd "$1" 2>/dev/null && pwd -P) || return 1
  [ "${d%/*}" = "$ROOT" ] && [ -f "$d/pid" ] || return 1
  echo "$d"
}

# up DIR: the instance in DIR is running (alive, ours).
up() { is_ours "$(cat "$1/pid" 2>/dev/null)" "$1" 'python*'; }

# server_cmd: the moto_server to run.  A pyenv shim costs ~0.25 s of its own at every start,
# so a shim is resolved to the real script once per start (pyenv which: ~0.1 s).
server_cmd() {
  local cmd=${MOTO_SERVER:-moto_server} path
  path=$(command -v "$cmd") ||
    die "$cmd not found; install it with: pip install 'moto[server]' (or set MOTO_SERVER)"
  if [[ $path == */shims/* ]] && command -v pyenv >/dev/null; then
    path=$(pyenv which "$cmd" 2>/dev/null) || path=$cmd
  fi
  echo "$path"
}

cmd_start() {
  [ $# -eq 0 ] || usage
  command -v curl >/dev/null || apt_ensure curl
  local server dir pid port='' log strict=${INITIAL_NO_AUTH_ACTION_COUNT:-}
  [[ -z $strict || $strict =~ ^[0-9]+$ ]] || die "INITIAL_NO_AUTH_ACTION_COUNT must be a number"
  server=$(server_cmd)
  mkdir -p "$ROOT"
  dir=$(mktemp -d "$ROOT/XXXXXX")
  log=$dir/server.log
  # -p 0: the kernel picks a free port (no race); werkzeug logs the one it got.
  spawn "$dir" "$log" "$dir/pid" "$server" -H 127.0.0.1 -p 0
  pid=$(cat "$dir/pid")
  local deadline=$((SECONDS + ${MOTO_START_TIMEOUT:-30})) text
  while [ "$SECONDS" -le "$deadline" ]; do
    if ! alive "$pid"; then
      cat "$log" >&2
      rm -rf "$dir"
      die "moto_server exited during start (its log is above)"
    fi
    if [ -z "$port" ]; then
      text=$(<"$log")
      [[ $text =~ Running\ on\ http://127\.0\.0\.1:([0-9]+) ]] && port=${BASH_REMATCH[1]}
    fi
    if [ -n "$port" ] && curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then
      {
        emit MOTO_URL "http://127.0.0.1:$port"
        emit MOTO_PORT "$port"
        emit MOTO_PID "$pid"
        emit MOTO_DIR "$dir"
        emit MOTO_STRICT_N "$strict"
      } >"$dir/env"
      cat "$dir/env"
      return 0
    fi
    sleep 0.05
  done
  cat "$log" >&2
  stop_pid "$pid"
  rm -rf "$dir"
  die "moto_server not ready after ${MOTO_START_TIMEOUT:-30} s (its log is above)"
}

cmd_env() {
  local dir
  if [ $# -eq 1 ]; then
    dir=$(instance_dir "$1") || die "$1 is not a moto instance dir of these scripts"
  elif [ $# -eq 0 ]; then
    local found=() d
    for d in "$ROOT"/*/; do
      d=${d%/}
      if [ -f "$d/pid" ] && up "$d"; then found+=("$d"); fi
    done
    [ ${#found[@]} -gt 0 ] || die "no moto instance is running (start one with: $0 start)"
    [ ${#found[@]} -eq 1 ] || die "${#found[@]} moto instances are running; name one: ${found[*]}"
    dir=${found[0]}
  else
    usage
  fi
  if up "$dir" && [ -s "$dir/env" ]; then
    cat "$dir/env"
  else
    die "the moto instance in $dir is not running"
  fi
}

# reset DIR [N]: POST /moto-api/reset (all backends) and /moto-api/reset-auth (strict-mode count
# N and the request counter; "inf" = not strict), then print the instance's env again.
cmd_reset() {
  if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
  local dir strict=${2:-} url
  [[ -z $strict || $strict =~ ^[0-9]+$ ]] || die "N must be a number"
  dir=$(instance_dir "$1") || die "$1 is not a moto instance dir of these scripts"
  up "$dir" || die "the moto instance in $dir is not running"
  url=$(sed -n "s/^MOTO_URL='\(.*\)'$/\1/p" "$dir/env")
  curl -fsS -o /dev/null -X POST "$url/moto-api/reset" ||
    die "moto at $url refused /moto-api/reset"
  # text/plain: with curl's default form type, Flask would swallow the body
  curl -fsS -o /dev/null -H 'Content-Type: text/plain' -d "${strict:-inf}" "$url/moto-api/reset-auth" ||
    die "moto at $url refused /moto-api/reset-auth"
  sed -i "s/^MOTO_STRICT_N=.*/$(emit MOTO_STRICT_N "$strict")/" "$dir/env"
  cat "$dir/env"
}

# stop_one DIR: stop the instance's process if it is still ours, then remove DIR.
stop_one() {
  local pid
  pid=$(cat "$1/pid" 2>/dev/null) || pid=
  if [ -n "$pid" ] && is_ours "$pid" "$1" 'python*'; then
    note "stopping pid $pid ($1)"
    stop_pid "$pid"
  fi
  rm -rf "$1"
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  local dir
  if [ "$1" = --all ]; then
    for dir in "$ROOT"/*/; do
      if [ -f "${dir}pid" ]; then stop_one "${dir%/}"; fi
    done
  elif dir=$(instance_dir "$1"); then
    stop_one "$dir"
  elif [ ! -e "$1" ]; then
    note "$1 does not exist: nothing to stop"
  else
    die "$1 is not a moto instance dir of these scripts"
  fi
}

# create-roles URL ROLE_ARN...: each role gets a permissive trust policy and an allow-all inline
# policy, which is what strict mode needs to accept calls signed with the role's session.
# The requests carry a dummy SigV4 header only so that moto routes them to IAM.
cmd_create_roles() {
  [ $# -ge 2 ] || usage
  local url=${1%/} arn name out
  shift
  local auth='AWS4-HMAC-SHA256 Credential=AKIAAWSFEDPEERSETUP/20200101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0'
  local trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:*"}]}'
  local allow='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
  for arn; do
    [[ $arn =~ ^arn:aws:iam::([0-9]{12}):role/(.+)$ ]] || die "not a role ARN: $arn"
    [ "${BASH_REMATCH[1]}" = "$MOTO_ACCOUNT" ] ||
      die "$arn: roles must be in account $MOTO_ACCOUNT (moto's default account)"
    name=${BASH_REMATCH[2]##*/}
    out=$(curl -sS -H "Authorization: $auth" "$url/" -d Action=CreateRole -d Version=2010-05-08 \
      --data-urlencode "RoleName=$name" --data-urlencode "AssumeRolePolicyDocument=$trust") ||
      die "CreateRole $name: no answer from $url"
    [[ $out == *"<CreateRoleResult>"* || $out == *EntityAlreadyExists* ]] ||
      die "CreateRole $name failed: ${out:0:300}"
    out=$(curl -sS -H "Authorization: $auth" "$url/" -d Action=PutRolePolicy -d Version=2010-05-08 \
      --data-urlencode "RoleName=$name" -d PolicyName=allow-all --data-urlencode "PolicyDocument=$allow") ||
      die "PutRolePolicy $name: no answer from $url"
    [[ $out == *"<PutRolePolicyResponse"* ]] || die "PutRolePolicy $name failed: ${out:0:300}"
  done
}

[ $# -ge 1 ] || usage
sub=$1
shift
case $sub in
  start) cmd_start "$@" ;;
  env) cmd_env "$@" ;;
  stop) cmd_stop "$@" ;;
  reset) cmd_reset "$@" ;;
  create-roles) cmd_create_roles "$@" ;;
  *) usage ;;
esac
