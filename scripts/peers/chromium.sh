#!/usr/bin/env bash
# chromium.sh - Debian's Chromium (and Xvfb, for a visible window without a screen) for the tests
# of awsfed's browser login (idp/browser).  Nothing runs in the background: the tests start the
# browser, and Xvfb, themselves.
#
# Usage:
#   scripts/peers/chromium.sh install            # as root: apt-get install chromium xvfb xauth
#   eval "$(scripts/peers/chromium.sh env)"      # prints AWSFED_TEST_BROWSER
#
# Environment: AWSFED_PEERS_VERBOSE=1.
set -euo pipefail

here=$(readlink -f "${BASH_SOURCE[0]}") && here=${here%/*}   # this folder, symlinks resolved
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"

PACKAGES=(chromium xvfb xauth)
BROWSER=/usr/bin/chromium

usage() {
  echo "usage: ${0##*/} install | env" >&2
  exit 2
}

[ $# -eq 1 ] || usage
case $1 in
  install)
    apt_ensure "${PACKAGES[@]}"
    ;;
  env)
    [ -x "$BROWSER" ] || die "$BROWSER is not installed (install it with: $0 install)"
    emit AWSFED_TEST_BROWSER "$BROWSER"
    ;;
  *) usage ;;
esac
