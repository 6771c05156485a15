#!/usr/bin/env bash
# selftest.sh - end-to-end check of the peers in this folder and of ../curl-login-floor.sh:
# starts SimpleSAMLphp, LemonLDAP::NG and moto (strict mode) in a private state root, logs in
# through them, checks the failure exits, stops everything and checks that no process is left.
#
# Usage: scripts/peers/selftest.sh [-t]
#   -t  also time: start when running, warm start (installed, not running), stop, and the
#       median of 10 floor logins for singleuser and mfasingle against SimpleSAMLphp + moto.
# Prints PASS/FAIL lines (TIME lines with -t) and ends with "N passed, N failed"; exit 1 on any
# failure.  Needs the peers' packages (installed on first use as root); awscli is optional (with
# it, the STS credentials are also used for a SigV4-signed call under strict mode).
set -euo pipefail

here=$(readlink -f "${BASH_SOURCE[0]}") && here=${here%/*}   # this folder, symlinks resolved
ssp=$here/simplesamlphp.sh
llng=$here/lemonldap.sh
moto=$here/moto.sh
floor=$here/../curl-login-floor.sh

timings=
if [ "${1:-}" = -t ]; then timings=1; elif [ $# -gt 0 ]; then
  echo "usage: ${0##*/} [-t]" >&2
  exit 2
fi

# A private state root: the test neither sees nor stops peers started by someone else.
AWSFED_PEERS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/awsfed-peers-selftest.XXXXXX")
export AWSFED_PEERS_DIR
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
  AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS INITIAL_NO_AUTH_ACTION_COUNT

passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s\n' "$1"; [ -z "${2:-}" ] || printf '     %s\n' "${2:0:400}"; failed=$((failed + 1)); }
ok() { # NAME CMD...: pass if CMD succeeds
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}
check() { # NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}
now() { echo "${EPOCHREALTIME/[.,]/}"; }           # microseconds
ms() { echo $((($2 - $1) / 1000)); }                 # START END -> milliseconds
timed() { # VAR CMD...: run CMD (stdout kept in VAR), print nothing; sets $took (ms)
  local _t0 _t1 _var=$1
  shift
  _t0=$(now)
  printf -v "$_var" '%s' "$("$@")"
  _t1=$(now)
  took=$(ms "$_t0" "$_t1")
}

# processes whose working directory is inside the private root (ours, by construction)
leftovers() {
  local p cwd
  for p in /proc/[0-9]*; do
    cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
    case $cwd in "$AWSFED_PEERS_DIR"*)
      [ "$(sed -n 's/^State:\s*\(.\).*/\1/p' "$p/status" 2>/dev/null)" = Z ] || echo "${p#/proc/}" ;;
    esac
  done
}

cleanup() {
  "$ssp" stop || true
  "$llng" stop || true
  "$moto" stop --all || true
  rm -rf "$AWSFED_PEERS_DIR"
}
trap cleanup EXIT

# ------------------------------------------------------------------------------- IdPs up
for peer in "$ssp" "$llng"; do
  if out=$("$peer" start); then pass "${peer##*/} start"; else fail "${peer##*/} start"; exit 1; fi
  eval "$out"
done

timed out "$ssp" start
check "simplesamlphp start again keeps the instance" "$SSP_PID" "$(eval "$out"; echo "$SSP_PID")"
[ -z "$timings" ] || echo "TIME simplesamlphp start while running: ${took} ms"
timed out "$llng" start
check "lemonldap start again keeps the instance" "$LLNG_PID" "$(eval "$out"; echo "$LLNG_PID")"
[ -z "$timings" ] || echo "TIME lemonldap start while running: ${took} ms"
check "simplesamlphp env" "$SSP_PID" "$(eval "$("$ssp" env)"; echo "$SSP_PID")"
check "lemonldap env" "$LLNG_PID" "$(eval "$("$llng" env)"; echo "$LLNG_PID")"

# ------------------------------------------------------------------------------- logins, strict moto
# Strict mode with N=3: CreateRole, PutRolePolicy, AssumeRoleWithSAML pass unchecked, every
# later request must be signed with valid credentials.
eval "$(INITIAL_NO_AUTH_ACTION_COUNT=3 "$moto" start)"
check "moto start in strict mode" 3 "$MOTO_STRICT_N"
export AWS_ENDPOINT_URL_STS=$MOTO_URL

have_aws=
command -v aws >/dev/null && have_aws=1
[ -n "$have_aws" ] || echo "NOTE awscli not found: signed-call checks skipped"
awsq() { # run awscli isolated from the machine's config, pointed at moto
  HOME=$AWSFED_PEERS_DIR AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 AWS_PAGER='' aws "$@"
}
iam_unsigned() { # one IAM request with a dummy signature: refused in strict mode
  curl -sS -H 'Authorization: AWS4-HMAC-SHA256 Credential=AKIAAWSFEDSELFTEST/20200101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0' \
    "$MOTO_URL/" -d Action=ListRoles -d Version=2010-05-08
}

login_strict() { # NAME SSO_URL USER PASSWORD SECRET ROLE_ARN FRESH
  local name=$1 sso=$2 user=$3 password=$4 secret=$5 role=$6 fresh=$7 out
  [ "$fresh" = fresh ] || eval "$("$moto" reset "$MOTO_DIR" 3)"
  "$moto" create-roles "$MOTO_URL" "$role"
  if ! out=$("$floor" -e "$sso" "$user" "$password" ${secret:+"$secret"} 2>&1); then
    fail "$name: floor login" "$out"
    return
  fi
  local AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN ASSUMED_ROLE_ARN
  eval "$out"
  local want="arn:aws:sts::123456789012:assumed-role/${role##*/}/$user"
  check "$name: floor login, assumed role" "$want" "$ASSUMED_ROLE_ARN"
  if [ -n "$have_aws" ]; then
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    check "$name: signed GetCallerIdentity with the credentials" "$want" \
      "$(awsq sts get-caller-identity --query Arn --output text 2>&1)"
    out=$(AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}x awsq sts get-caller-identity 2>&1) || true
    if [[ $out == *SignatureDoesNotMatch* ]]; then pass "$name: tampered secret refused (strict)"
    else fail "$name: tampered secret refused (strict)" "$out"; fi
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
  fi
  out=$(iam_unsigned)
  if [[ $out == *InvalidClientTokenId* ]]; then pass "$name: unsigned request refused (strict)"
  else fail "$name: unsigned request refused (strict)" "$out"; fi
}

login_strict "ssp singleuser" "$SSP_SSO_URL" "$SSP_SINGLE_USER" "$SSP_SINGLE_PASSWORD" "" \
  "$SSP_SINGLE_ROLE_ARN" fresh
login_strict "ssp mfasingle" "$SSP_SSO_URL" "$SSP_MFA_SINGLE_USER" "$SSP_MFA_SINGLE_PASSWORD" \
  "$SSP_TOTP_SECRET" "$SSP_MFA_SINGLE_ROLE_ARN" reset
login_strict "llng dwho" "$LLNG_SSO_URL" "$LLNG_MFA_USER" "$LLNG_MFA_PASSWORD" "$LLNG_TOTP_SECRET" \
  "$LLNG_ROLE_ARN" reset
login_strict "llng rtyler" "$LLNG_SSO_URL" "$LLNG_USER" "$LLNG_PASSWORD" "" "$LLNG_ROLE_ARN" reset

# ------------------------------------------------------------------------------- failure exits
eval "$("$moto" reset "$MOTO_DIR")"              # not strict from here on
expect_exit() { # NAME STATUS ARGS...
  local name=$1 want=$2 rc=0
  shift 2
  "$floor" "$@" >/dev/null 2>&1 || rc=$?
  check "$name" "$want" "$rc"
}
bad_secret=GEZDGNBVGY3TQOJQ
expect_exit "ssp wrong password -> 2" 2 "$SSP_SSO_URL" "$SSP_SINGLE_USER" wrong
expect_exit "ssp wrong code -> 3" 3 "$SSP_SSO_URL" "$SSP_MFA_SINGLE_USER" "$SSP_MFA_SINGLE_PASSWORD" "$bad_secret"
expect_exit "ssp no Role attribute -> 1" 1 "$SSP_SSO_URL" "$SSP_NOROLE_USER" "$SSP_NOROLE_PASSWORD"
expect_exit "ssp two roles, moto answers 500 -> 4" 4 "$SSP_SSO_URL" "$SSP_USER" "$SSP_PASSWORD"
expect_exit "llng wrong password -> 2" 2 "$LLNG_SSO_URL" "$LLNG_MFA_USER" wrong "$LLNG_TOTP_SECRET"
expect_exit "llng wrong code -> 3" 3 "$LLNG_SSO_URL" "$LLNG_MFA_USER" "$LLNG_MFA_PASSWORD" "$bad_secret"

# ------------------------------------------------------------------------------- timings
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
if [ -n "$timings" ]; then
  for who in singleuser:singlepass: mfasingle:mfapass:$SSP_TOTP_SECRET; do
    IFS=: read -r u p s <<<"$who"
    runs=()
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      t0=$(now)
      "$floor" "$SSP_SSO_URL" "$u" "$p" ${s:+"$s"} >/dev/null
      runs+=("$(ms "$t0" "$(now)")")
    done
    echo "TIME floor login $u (SimpleSAMLphp + moto), 10 runs: median $(printf '%s\n' "${runs[@]}" | median) ms (${runs[*]})"
  done
fi

# ------------------------------------------------------------------------------- stop, restart, stop
pids="$SSP_PID $LLNG_PID $MOTO_PID"
for peer in "$ssp" "$llng"; do
  t0=$(now)
  "$peer" stop
  [ -z "$timings" ] || echo "TIME ${peer##*/} stop: $(ms "$t0" "$(now)") ms"
  if "$peer" env >/dev/null 2>&1; then fail "${peer##*/} env fails once stopped"
  else pass "${peer##*/} env fails once stopped"; fi
  ok "${peer##*/} stop when stopped" "$peer" stop
  timed out "$peer" start
  [ -z "$timings" ] || echo "TIME ${peer##*/} warm start (installed, not running): ${took} ms"
  ok "${peer##*/} restart" test -n "$out"
  eval "$out"
done
# the restarted IdPs (new ports) still log in
expect_exit "ssp login after restart" 0 "$SSP_SSO_URL" "$SSP_SINGLE_USER" "$SSP_SINGLE_PASSWORD"
expect_exit "llng login after restart" 0 "$LLNG_SSO_URL" "$LLNG_MFA_USER" "$LLNG_MFA_PASSWORD" "$LLNG_TOTP_SECRET"
pids="$pids $SSP_PID $LLNG_PID"

timed out "$moto" start
[ -z "$timings" ] || echo "TIME moto start: ${took} ms"
eval "$out"
pids="$pids $MOTO_PID"
ok "two moto instances side by side" \
  test "$(find "$AWSFED_PEERS_DIR/moto" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 2

"$ssp" stop
"$llng" stop
t0=$(now)
"$moto" stop --all
[ -z "$timings" ] || echo "TIME moto stop --all (2 instances): $(ms "$t0" "$(now)") ms"
left=$(leftovers)
check "no process left in the state root" "" "$left"
alive_pids=''
for p in $pids; do
  if kill -0 "$p" 2>/dev/null && [ "$(sed -n 's/^State:\s*\(.\).*/\1/p' "/proc/$p/status")" != Z ]; then
    alive_pids+=" $p"
  fi
done
check "all recorded server PIDs are gone" "" "$alive_pids"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
