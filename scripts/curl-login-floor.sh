#!/usr/bin/env bash
# curl-login-floor.sh - the "floor" an awsfed login is timed against: the same IdP hops a form
# scraper makes, with curl and a cookie jar and as little else as possible, then one unsigned
# AssumeRoleWithSAML POST to $AWS_ENDPOINT_URL_STS (e.g. a moto_server from peers/moto.sh).
#
# Usage: [AWS_ENDPOINT_URL_STS=URL] curl-login-floor.sh [-v] [-e] SSO_URL USER PASSWORD [TOTP_SECRET]
#   -v           describe every request on stderr
#   -e           print eval-able AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
#                ASSUMED_ROLE_ARN lines instead of the bare ARN
#   TOTP_SECRET  base32; when a code form comes up, a code is made with oathtool
# Prints the assumed-role ARN on success.  Exit status:
#   0 STS returned credentials   2 the password form came back (wrong user/password)
#   3 the code was refused        4 STS refused, or its answer holds no credentials
#   1 anything else (no SAMLResponse, unexpected page, usage)
#
# Generic over the IdPs in peers/ (SimpleSAMLphp: username/password/otp, action "?";
# LemonLDAP::NG: user/password/code, action "#" and "/totp2fcheck"):
#   * redirects are followed by curl (-L: 302/303 after a POST become a GET, as in browsers);
#   * the login form is the form with a password input, its user field the first text/email
#     input; the code form has an input with autocomplete="one-time-code" (or named otp/code/totp);
#   * every named hidden input is sent along; unnamed ones, checkboxes and buttons are not;
#   * the walk ends at the first page with an input named SAMLResponse (never posted to AWS).
# The assertion's first Role value gives RoleArn and PrincipalArn (either order).
# To keep the floor low, the only processes per run are one curl per hop (redirects
# included), one base64 and, with a code, one oathtool; parsing is done with bash built-ins,
# and nothing else is forked (no $(...) around bash functions, no dirname, no mktemp).
set -euo pipefail

PEERS_PROG=${0##*/}
die() { printf '%s: error: %s\n' "$PEERS_PROG" "$*" >&2; exit 1; }
# need TOOL PACKAGE: install TOOL's Debian package on first use (peers/lib.sh; root only).
need() {
  command -v "$1" >/dev/null && return 0
  local here
  here=$(readlink -f "${BASH_SOURCE[0]}") && here=${here%/*}
  # shellcheck source=SCRIPTDIR/peers/lib.sh
  . "$here/peers/lib.sh"
  apt_ensure "$2"
}

verbose='' print_env=''
while [ $# -gt 0 ]; do
  case $1 in
    -v) verbose=1 ;;
    -e) print_env=1 ;;
    *) break ;;
  esac
  shift
done
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: ${0##*/} [-v] [-e] SSO_URL USER PASSWORD [TOTP_SECRET]" >&2
  exit 1
fi
sso_url=$1 user=$2 password=$3 totp_secret=${4:-}
sts_url=${AWS_ENDPOINT_URL_STS:-}
[ -n "$sts_url" ] || die "AWS_ENDPOINT_URL_STS is not set (say where AssumeRoleWithSAML goes, e.g. a moto_server)"

fail() { # STATUS MESSAGE
  printf '%s: error: %s\n' "$PEERS_PROG" "$2" >&2
  exit "$1"
}
say() { [ -z "$verbose" ] || printf '%s\n' "$*" >&2; }

need curl curl
need base64 coreutils
if [ -n "$totp_secret" ]; then need oathtool oathtool; fi

# The cookie jar: a new file (noclobber = O_EXCL), removed on exit.
jar=${TMPDIR:-/tmp}/curl-login-floor.$$.$RANDOM
(set -C && : >"$jar") || die "cannot create $jar"
trap 'rm -f "$jar"' EXIT

# ------------------------------------------------------------------------------- helpers

# attr TAG NAME: set $REPLY to attribute NAME of TAG (double or single quotes), with the HTML
# entities that turn up in attribute values decoded.
attr() {
  REPLY=
  if [[ $1 =~ [[:space:]]$2=\"([^\"]*)\" ]] || [[ $1 =~ [[:space:]]$2=\'([^\']*)\' ]]; then
    local s=${BASH_REMATCH[1]}
    if [[ $s == *'&'* ]]; then
      s=${s//&quot;/\"} s=${s//&#34;/\"} s=${s//&#39;/\'} s=${s//&#039;/\'} s=${s//&#x27;/\'}
      s=${s//&lt;/<} s=${s//&gt;/>} s=${s//&#x2F;//} s=${s//&amp;/&}
    fi
    REPLY=$s
  fi
}

# resolve REF: set $REPLY to REF (a form action) made absolute against $url, the current page.
resolve() {
  local ref=$1 scheme=${url%%://*} rest=${url#*://}
  local origin=$scheme://${rest%%/*}
  case $ref in
    http://* | https://*) REPLY=$ref ;;
    //*) REPLY=$scheme:$ref ;;
    /*) REPLY=$origin$ref ;;
    \?*) REPLY=${url%%[?#]*}$ref ;;      # "?" - same path, new (here empty) query
    '' | '#'*) REPLY=${url%%#*} ;;       # "" or "#" - the page itself, query kept
    *) local path=${url%%[?#]*}; REPLY=${path%/*}/$ref ;;
  esac
}

# fetch [CURL ARGS...]: one hop (redirects included); sets $page (one line) and $url (final URL).
hop=0
fetch() {
  local out
  hop=$((hop + 1))
  out=$(curl -sS -L --max-redirs 10 -b "$jar" -c "$jar" -w '\n%{http_code} %{url_effective}' "$@") ||
    fail 1 "request $hop failed: ${*: -1}"
  local meta=${out##*$'\n'}
  page=${out%$'\n'*}
  page=${page//[$'\n\r\t']/ }
  url=${meta#* }
  say "hop $hop: ${method:-GET} ${*: -1} -> ${meta%% *} ${url}"
  [[ $meta == 200\ * ]] || fail 1 "hop $hop: HTTP ${meta%% *} from $url"
}

# find_form PATTERN: set $form to the first <form>...</form> of $page whose text matches the
# bash pattern PATTERN; fail if there is none.
find_form() {
  local rest=$page chunk
  while [[ $rest == *"<form"* ]]; do
    rest=${rest#*<form}
    chunk=${rest%%</form>*}
    # shellcheck disable=SC2053 # a pattern on purpose
    if [[ $chunk == $1 ]]; then form=$chunk; return 0; fi
  done
  return 1
}

# submit_form FIELD=VALUE...: POST $form (its action, its named hidden inputs, plus the given
# fields) and fetch the answer.
submit_form() {
  local tag rest args=() name type
  tag=${form%%>*}
  attr "$tag" method
  [[ ${REPLY,,} != get ]] || fail 1 "hop $hop: GET forms are not handled"
  attr "$tag" action
  resolve "$REPLY"
  local target=$REPLY
  rest=$form
  while [[ $rest == *"<input"* ]]; do
    rest=${rest#*<input}
    tag=${rest%%>*}
    attr "$tag" type
    type=${REPLY,,}
    [ "$type" = hidden ] || continue
    attr "$tag" name
    name=$REPLY
    [ -n "$name" ] || continue
    attr "$tag" value
    args+=(--data-urlencode "$name=$REPLY")
  done
  for name in "$@"; do args+=(--data-urlencode "$name"); done
  method=POST fetch "${args[@]}" "$target"
}

# input_name PATTERN: set $REPLY to the name of the first <input> of $form matching PATTERN.
input_name() {
  local rest=$form tag
  REPLY=
  while [[ $rest == *"<input"* ]]; do
    rest=${rest#*<input}
    tag=${rest%%>*}
    # shellcheck disable=SC2053
    if [[ $tag == $1 ]]; then attr "$tag" name; return 0; fi
  done
  return 1
}

# ------------------------------------------------------------------------------- the walk

url=$sso_url
fetch "$sso_url"
stage=start saml=
for _ in 1 2 3 4 5 6; do
  if [[ $page =~ \<input[^\>]*name=\"SAMLResponse\"[^\>]*\> ]]; then
    attr "${BASH_REMATCH[0]}" value
    saml=$REPLY
    break
  fi
  if find_form '*type="password"*'; then
    [ "$stage" = start ] || fail 2 "the password form came back: wrong user or password"
    stage=password
    input_name '*type="password"*' || true
    pass_field=$REPLY
    input_name '*type="text"*' || input_name '*type="email"*' || fail 1 "no user field in the login form"
    submit_form "$REPLY=$user" "$pass_field=$password"
  elif find_form '*autocomplete="one-time-code"*' || find_form '*name="otp"*' ||
    find_form '*name="code"*' || find_form '*name="totp"*'; then
    [ "$stage" = password ] || fail 3 "the code form came back: the code was refused"
    [ -n "$totp_secret" ] || fail 1 "a verification code is asked but no TOTP secret was given"
    stage=code
    input_name '*autocomplete="one-time-code"*' || input_name '*name="otp"*' ||
      input_name '*name="code"*' || input_name '*name="totp"*' || true
    code_field=$REPLY
    submit_form "$code_field=$(oathtool --totp -b "$totp_secret")"
  else
    [[ $page =~ \<title[^\>]*\>([^\<]*) ]] && title=${BASH_REMATCH[1]} || title=
    [ "$stage" != code ] || fail 3 "no SAMLResponse after the code: the code was refused${title:+ ($title)}"
    fail 1 "hop $hop: neither a SAMLResponse nor a form to fill at $url${title:+ ($title)}"
  fi
done
[ -n "$saml" ] || fail 1 "no SAMLResponse after $hop hops"

# ------------------------------------------------------------------------------- STS

xml=$(base64 -d <<<"$saml" 2>/dev/null) || fail 1 "the SAMLResponse is not base64"
xml=${xml//[$'\n\r\t']/ }
# (one regex: on a 10 kB string, bash's ${var#*pattern} is far slower than =~)
re='Name="https://aws.amazon.com/SAML/Attributes/Role"[^>]*>[[:space:]]*<([[:alnum:]]+:)?AttributeValue[^>]*>[[:space:]]*([^<[:space:]]+)'
[[ $xml =~ $re ]] || fail 1 "the assertion has no (readable) Role attribute"
role_value=${BASH_REMATCH[2]}
role_arn='' principal_arn=''
for part in "${role_value%%,*}" "${role_value#*,}"; do
  case $part in
    *:saml-provider/*) principal_arn=$part ;;
    *:role/*) role_arn=$part ;;
  esac
done
if [ -z "$role_arn" ] || [ -z "$principal_arn" ]; then fail 1 "cannot read the Role value: $role_value"; fi
say "role $role_arn, provider $principal_arn"

out=$(curl -sS -w '\n%{http_code}' \
  --data-urlencode Action=AssumeRoleWithSAML --data-urlencode Version=2011-06-15 \
  --data-urlencode "RoleArn=$role_arn" --data-urlencode "PrincipalArn=$principal_arn" \
  --data-urlencode "SAMLAssertion=$saml" "$sts_url") || fail 4 "no answer from STS at $sts_url"
status=${out##*$'\n'}
say "sts: POST $sts_url -> $status"
out=${out//[$'\n\r\t']/ }
if [[ $status != 200 ]] || [[ $out != *"<AccessKeyId>"* ]]; then
  fail 4 "STS answered HTTP $status without credentials: ${out:0:300}"
fi
arn=$role_arn
if [[ $out =~ \<AssumedRoleUser\>.*\<Arn\>([^\<]*)\</Arn\> ]]; then arn=${BASH_REMATCH[1]}; fi
if [ -z "$print_env" ]; then
  echo "$arn"
  exit 0
fi
for field in AccessKeyId:AWS_ACCESS_KEY_ID SecretAccessKey:AWS_SECRET_ACCESS_KEY SessionToken:AWS_SESSION_TOKEN; do
  re="<${field%%:*}>([^<]*)</${field%%:*}>"
  [[ $out =~ $re ]] || fail 4 "no ${field%%:*} in the STS answer"
  printf "%s='%s'\n" "${field#*:}" "${BASH_REMATCH[1]}"
done
printf "ASSUMED_ROLE_ARN='%s'\n" "$arn"
