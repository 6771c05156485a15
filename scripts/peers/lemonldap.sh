#!/usr/bin/env bash
# lemonldap.sh - LemonLDAP::NG 2.16 (Debian packages) as a SAML 2.0 IdP with a real TOTP second
# factor, on loopback, for awsfed's tests: IdP-initiated SSO to AWS (urn:amazon:webservices).
#
# Usage:
#   eval "$(scripts/peers/lemonldap.sh start)"   # install if missing, start if not running
#   scripts/peers/lemonldap.sh env               # the same lines for the running portal, else fail
#   scripts/peers/lemonldap.sh stop              # stop it (its own PID only); state is kept
#
# 'start' and 'env' print NAME='value' lines: LLNG_BASE_URL, LLNG_SSO_URL, LLNG_METADATA_URL,
# LLNG_CERT, LLNG_ACCOUNT_ID, LLNG_ROLE_ARN, LLNG_PROVIDER_ARN, LLNG_USER, LLNG_PASSWORD,
# LLNG_MFA_USER, LLNG_MFA_PASSWORD, LLNG_TOTP_SECRET, LLNG_PID, LLNG_DIR.
# Users ("Demo" backend, password = login; RoleSessionName = login):
#   rtyler/rtyler  password only          dwho/dwho  password, then a TOTP code
# Both get the same single Role value (LLNG_ROLE_ARN,LLNG_PROVIDER_ARN): moto's
# AssumeRoleWithSAML fails on several values.
#
# The portal must be addressed as http://localhost:PORT/ (that is what LLNG_* URLs say), never
# 127.0.0.1: LL::NG sends its session cookie with "Domain=.<domain>", and a cookie jar such as
# Go's drops "Domain=.127.0.0.1"; the server still listens on 127.0.0.1 only.
#
# Environment: AWSFED_PEERS_DIR (state root; the portal uses <root>/lemonldap),
# AWSFED_PEERS_VERBOSE=1, LLNG_LOGLEVEL (portal log level, default notice; log in <dir>/server.log).
# Served by Plack's single-process HTTP::Server::PSGI (plackup): no web server, no FastCGI.
set -euo pipefail

here=$(readlink -f "${BASH_SOURCE[0]}") && here=${here%/*}   # this folder, symlinks resolved
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"

ACCOUNT_ID=123456789012
PROVIDER_ARN=arn:aws:iam::$ACCOUNT_ID:saml-provider/LemonLDAP
ROLE_ARN=arn:aws:iam::$ACCOUNT_ID:role/LemonLDAPUser
TOTP_SECRET=JBSWY3DPEHPK3PXP
SP_ENTITY_ID=urn:amazon:webservices
HOSTNAME_IN_URLS=localhost

# The portal loads several modules at start that are only Recommends of its packages (TOTP:
# Digest::HMAC, Convert::Base32; SAML: XML::Simple; the always-loaded captcha plugin:
# GD::SecurityImage, Image::Magick; the register plugin: Email::Sender, String::Random; ...).
# Without any one of them every page is a 500 "Initialization failed", so all are named.
PACKAGES=(
  liblemonldap-ng-portal-perl lemonldap-ng-fastcgi-server liblasso-perl libplack-perl
  libconvert-base32-perl libdigest-hmac-perl libxml-simple-perl
  libgd-securityimage-perl libimage-magick-perl
  libapache-session-browseable-perl libauthen-webauthn-perl libcookie-baker-xs-perl
  libcrypt-openssl-bignum-perl libdbi-perl libemail-sender-perl libhttp-parser-xs-perl
  libio-socket-timeout-perl libio-string-perl libipc-run-perl liblwp-protocol-https-perl
  libmime-tools-perl libnet-ldap-perl libstring-random-perl libunicode-string-perl
  openssl curl oathtool
)

DIR=$(peers_root)/lemonldap
PIDFILE=$DIR/server.pid
ENVFILE=$DIR/env

# Perl rewrites its process title (cmdline and environ in procfs), so the server is
# recognised by its working directory, $DIR (see running in lib.sh).
PROC='perl*'
METADATA_VAR=LLNG_METADATA_URL

# write_config BASE_URL: key + certificate (once), the ini, the portal configuration (lmConf-1),
# dwho's TOTP device and the PSGI app.
write_config() {
  local base=$1
  mkdir -p "$DIR"/{conf,sessions/lock,psessions/lock,cache}
  if [ ! -s "$DIR/saml.key" ] || [ ! -s "$DIR/saml.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
      -subj '/CN=awsfed test IdP (LemonLDAP::NG, loopback)' \
      -keyout "$DIR/saml.key" -out "$DIR/saml.crt" 2>/dev/null ||
      die "openssl could not make the signing key"
    chmod 600 "$DIR/saml.key"
  fi

  # LLNG_DEFAULTCONFFILE points the portal here; the configuration itself is a File backend.
  cat >"$DIR/lemonldap-ng.ini" <<EOF
; Written by awsfed scripts/peers/lemonldap.sh.
[all]
logLevel = ${LLNG_LOGLEVEL:-notice}
checkTime = 1

[configuration]
type = File
dirName = $DIR/conf

[portal]
staticPrefix = /static
templateDir = /usr/share/lemonldap-ng/portal/templates
languages = en
EOF

  # The configuration, built as a Perl hash (values from the environment) and saved as JSON.
  DIR=$DIR BASE=$base HOST=$HOSTNAME_IN_URLS SP=$SP_ENTITY_ID \
    ROLE_VALUE="$ROLE_ARN,$PROVIDER_ARN" perl -MJSON::PP -e '
    use strict;
    my ($dir, $host) = @ENV{qw(DIR HOST)};
    sub slurp { local $/; open my $fh, "<", $_[0] or die "$_[0]: $!\n"; return <$fh> }
    my $uri = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
    my $aws = "https://aws.amazon.com/SAML/Attributes";
    my $sp_metadata = <<"XML";
<?xml version="1.0"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="$ENV{SP}">
  <SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">
    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>
    <AssertionConsumerService index="1" isDefault="true" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://signin.aws.amazon.com/saml"/>
  </SPSSODescriptor>
</EntityDescriptor>
XML
    my %conf = (
      cfgNum => 1, cfgAuthor => "awsfed scripts/peers/lemonldap.sh", cfgDate => time,
      cfgVersion => "2.16.1",
      portal => $ENV{BASE}, domain => $host, cookieName => "lemonldap", securedCookie => 0,
      # Lax, not the None that SAML turns on by default: browsers refuse SameSite=None
      # without Secure, and the portal is plain http on loopback.
      sameSite => "Lax",
      locationRules => { $host => { default => "accept" } },
      exportedHeaders => {}, reloadUrls => {}, applicationList => {}, portalSkin => "bootstrap",
      # users: the Demo backend (dwho, rtyler, msmith; password = login)
      authentication => "Demo", userDB => "Same", passwordDB => "Demo", registerDB => "Null",
      demoExportedVars => { uid => "uid", cn => "cn", mail => "mail" },
      whatToTrace => "uid", timeout => 72000, notification => 0, loginHistoryEnabled => 0,
      # sessions on disk, under the state dir
      globalStorage => "Apache::Session::File",
      globalStorageOptions => { Directory => "$dir/sessions", LockDirectory => "$dir/sessions/lock",
        generateModule => "Lemonldap::NG::Common::Apache::Session::Generate::SHA256" },
      persistentStorage => "Apache::Session::File",
      persistentStorageOptions => { Directory => "$dir/psessions", LockDirectory => "$dir/psessions/lock" },
      localSessionStorage => "Cache::FileCache",
      localSessionStorageOptions => { namespace => "lemonldap-ng-sessions", default_expires_in => 600,
        directory_umask => "007", cache_root => "$dir/cache", cache_depth => 3 },
      # macros are Perl expressions: one Role value for everybody, and a session duration
      macros => { awsRole => qq{"$ENV{ROLE_VALUE}"}, awsSessionDuration => q{"3600"} },
      # SAML IdP
      issuerDBSAMLActivation => 1,
      samlServicePrivateKeySig => slurp("$dir/saml.key"), samlServicePrivateKeySigPwd => "",
      samlServicePublicKeySig => slurp("$dir/saml.crt"), samlServiceUseCertificateInResponse => 1,
      samlSPMetaDataXML => { aws => { samlSPMetaDataXML => $sp_metadata } },
      samlSPMetaDataExportedAttributes => { aws => {
        awsRole => "1;$aws/Role;$uri",
        uid => "1;$aws/RoleSessionName;$uri",
        awsSessionDuration => "0;$aws/SessionDuration;$uri",
      } },
      samlSPMetaDataOptions => { aws => {
        samlSPMetaDataOptionsNameIDFormat => "persistent",
        samlSPMetaDataOptionsNameIDSessionKey => "uid",
        samlSPMetaDataOptionsSignSSOMessage => 1, samlSPMetaDataOptionsSignSLOMessage => 1,
        samlSPMetaDataOptionsCheckSSOMessageSignature => 0,
        samlSPMetaDataOptionsCheckSLOMessageSignature => 0,
        samlSPMetaDataOptionsEnableIDPInitiatedURL => 1,
        samlSPMetaDataOptionsEncryptionMode => "none",
        samlSPMetaDataOptionsOneTimeUse => 0, samlSPMetaDataOptionsForceUTF8 => 1,
        samlSPMetaDataOptionsNotOnOrAfterTimeout => 300,
        samlSPMetaDataOptionsSessionNotOnOrAfterTimeout => 3600,
      } },
      # TOTP: asked of users who have a registered device (dwho, below); no self-registration
      totp2fActivation => 1, totp2fSelfRegistration => 0,
    );
    open my $out, ">", "$dir/conf/lmConf-1.json" or die "lmConf-1.json: $!\n";
    print $out JSON::PP->new->pretty->canonical->encode(\%conf);
  ' || die "could not write the LemonLDAP::NG configuration"

  # dwho's TOTP device lives in his persistent session (id = md5 of the uid), which does not
  # exist before his first login, so it is created here (the lemonldap-ng-sessions CLI can
  # only edit existing sessions).
  DIR=$DIR perl -MJSON::PP -MLemonldap::NG::Common::Session \
    -MLemonldap::NG::Common::Util=getPSessionID -e '
    my ($uid, $secret) = @ARGV;
    my $session = Lemonldap::NG::Common::Session->new({
      storageModule => "Apache::Session::File",
      storageModuleOptions => { Directory => "$ENV{DIR}/psessions",
                                LockDirectory => "$ENV{DIR}/psessions/lock" },
      id => getPSessionID($uid), force => 1, kind => "Persistent",
      info => { _session_uid => $uid, _2fDevices => encode_json([{ type => "TOTP",
                name => "awsfed-test", _secret => $secret, epoch => time }]) },
    });
    die "persistent session: " . $session->error . "\n" if $session->error;
  ' dwho "$TOTP_SECRET" || die "could not register the TOTP device of dwho"

  cat >"$DIR/portal.psgi" <<'EOF'
# Written by awsfed scripts/peers/lemonldap.sh: the portal plus its static files.
use Plack::Builder;
use Plack::App::File;
use Lemonldap::NG::Portal::Main;

my $portal = Lemonldap::NG::Portal::Main->run({});
builder {
    mount '/static' => Plack::App::File->new(root => '/usr/share/lemonldap-ng/portal/htdocs/static')->to_app;
    mount '/' => $portal;
};
EOF
}

write_env() {
  local base=$1 pid=$2
  {
    emit LLNG_BASE_URL "$base"
    emit LLNG_SSO_URL "${base}saml/singleSignOn?IDPInitiated=1&sp=$SP_ENTITY_ID"
    emit LLNG_METADATA_URL "${base}saml/metadata"
    emit LLNG_CERT "$DIR/saml.crt"
    emit LLNG_ACCOUNT_ID "$ACCOUNT_ID"
    emit LLNG_ROLE_ARN "$ROLE_ARN"
    emit LLNG_PROVIDER_ARN "$PROVIDER_ARN"
    emit LLNG_USER rtyler
    emit LLNG_PASSWORD rtyler
    emit LLNG_MFA_USER dwho
    emit LLNG_MFA_PASSWORD dwho
    emit LLNG_TOTP_SECRET "$TOTP_SECRET"
    emit LLNG_PID "$pid"
    emit LLNG_DIR "$DIR"
  } >"$ENVFILE.tmp"
  mv "$ENVFILE.tmp" "$ENVFILE"
}

cmd_start() {
  local pid port base attempt
  with_lock "$DIR.lock"
  if peer_running_env; then return 0; fi

  apt_ensure "${PACKAGES[@]}"

  for attempt in 1 2 3; do
    port=$(free_port)
    base="http://$HOSTNAME_IN_URLS:$port/"
    write_config "$base"
    : >"$DIR/server.log"
    note "starting plackup on 127.0.0.1:$port (attempt $attempt)"
    LLNG_DEFAULTCONFFILE=$DIR/lemonldap-ng.ini spawn "$DIR" "$DIR/server.log" "$PIDFILE" \
      plackup -s HTTP::Server::PSGI --host 127.0.0.1 --port "$port" "$DIR/portal.psgi"
    pid=$(cat "$PIDFILE")
    if wait_http "http://127.0.0.1:$port/saml/metadata" "$pid" 30; then
      write_env "$base" "$pid"
      cat "$ENVFILE"
      return 0
    fi
    if alive "$pid"; then stop_pid "$pid"; fi
  done
  grep -E '\[(error|crit|alert)\]' "$DIR/server.log" | tail -n 10 >&2 || tail -n 20 "$DIR/server.log" >&2 || true
  die "LemonLDAP::NG did not come up; see $DIR/server.log"
}

peer_main "LemonLDAP::NG" "$@"
