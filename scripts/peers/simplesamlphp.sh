#!/usr/bin/env bash
# simplesamlphp.sh - SimpleSAMLphp 1.19 (Debian package) as a SAML 2.0 IdP on 127.0.0.1 for
# awsfed's tests: IdP-initiated SSO to AWS (SP entity ID urn:amazon:webservices), signed
# Response + Assertion, and a TOTP second factor for two of its users.
#
# Usage:
#   eval "$(scripts/peers/simplesamlphp.sh start)"   # install if missing, start if not running
#   scripts/peers/simplesamlphp.sh env               # the same lines for the running IdP, else fail
#   scripts/peers/simplesamlphp.sh stop              # stop it (its own PID only); state is kept
#
# 'start' and 'env' print NAME='value' lines: SSP_BASE_URL, SSP_SSO_URL, SSP_METADATA_URL,
# SSP_CERT, SSP_ACCOUNT_ID, SSP_PROVIDER_ARN, the users and their roles, SSP_TOTP_SECRET,
# SSP_PID, SSP_DIR.  Users (RoleSessionName = user name, roles in account 123456789012):
#   testuser/testpass     two roles (SSP_ROLE_ARNS), SessionDuration 3600
#   singleuser/singlepass one role (SSP_SINGLE_ROLE_ARN), value written provider-first
#   noroleuser/norolepass no Role attribute at all
#   mfauser/mfapass       two roles (SSP_ROLE_ARNS) + TOTP code
#   mfasingle/mfapass     one role (SSP_MFA_SINGLE_ROLE_ARN) + TOTP code, SessionDuration 1800
# moto's AssumeRoleWithSAML fails on several Role values: use singleuser/mfasingle against moto.
#
# Environment: AWSFED_PEERS_DIR (state root, default ${TMPDIR:-/tmp}/awsfed-peers-<uid>; the IdP
# uses <root>/simplesamlphp), AWSFED_PEERS_VERBOSE=1 (notes on stderr), SSP_DEBUG=1 (IdP logs at
# DEBUG level, SAML messages included, in <dir>/log/simplesamlphp.log).
#
# Served by PHP's built-in web server (php -S): one process, so stopping its PID stops it all.
# Nothing outside the state dir is written, apart from the first-time apt-get install.
set -euo pipefail

here=$(readlink -f "${BASH_SOURCE[0]}") && here=${here%/*}   # this folder, symlinks resolved
# shellcheck source=SCRIPTDIR/lib.sh
. "$here/lib.sh"

ACCOUNT_ID=123456789012
PROVIDER_ARN=arn:aws:iam::$ACCOUNT_ID:saml-provider/SimpleSAMLphp
ROLE_READONLY=arn:aws:iam::$ACCOUNT_ID:role/ReadOnly
ROLE_ADMIN=arn:aws:iam::$ACCOUNT_ID:role/Admin
ROLE_SINGLE=arn:aws:iam::$ACCOUNT_ID:role/Developer
ROLE_MFA_SINGLE=arn:aws:iam::$ACCOUNT_ID:role/Operator
TOTP_SECRET=JBSWY3DPEHPK3PXP
SP_ENTITY_ID=urn:amazon:webservices

SSP_WWW=/usr/share/simplesamlphp/www
# What must be installed ...
NEEDED=(simplesamlphp php8.2-cli php8.2-xml php8.2-mbstring openssl curl oathtool)
# ... and what is asked of apt-get when something is missing.  simplesamlphp Depends on
# php (-> libapache2-mod-php8.2 | php8.2-fpm | php8.2-cgi) and apache2 | httpd: naming
# php8.2-cgi and lighttpd satisfies both without Apache (lighttpd is never started or used).
# php8.2-xml (dom) and php8.2-mbstring are needed at run time but are not in its Depends.
INSTALL=("${NEEDED[@]}" php8.2-cgi lighttpd)

DIR=$(peers_root)/simplesamlphp
PIDFILE=$DIR/server.pid
ENVFILE=$DIR/env

PROC='php*'
METADATA_VAR=SSP_METADATA_URL

# ------------------------------------------------------------------------------- configuration

# write_keys: signing key + self-signed certificate and the secret salt, made once per state dir.
write_keys() {
  mkdir -p "$DIR"/{config,metadata,cert,data,tmp,sessions,log,www}
  if [ ! -s "$DIR/cert/idp.key" ] || [ ! -s "$DIR/cert/idp.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
      -subj '/CN=awsfed test IdP (SimpleSAMLphp, loopback)' \
      -keyout "$DIR/cert/idp.key" -out "$DIR/cert/idp.crt" 2>/dev/null ||
      die "openssl could not make the signing key"
    chmod 600 "$DIR/cert/idp.key"
  fi
  [ -s "$DIR/secretsalt" ] || openssl rand -hex 24 >"$DIR/secretsalt"
}

# write_config BASE_URL: everything SimpleSAMLphp reads (SIMPLESAMLPHP_CONFIG_DIR=$DIR/config).
write_config() {
  local base=$1 level=INFO saml_debug=false
  if [ -n "${SSP_DEBUG:-}" ]; then level=DEBUG saml_debug=true; fi

  cat >"$DIR/config/config.php" <<EOF
<?php
// Written by awsfed scripts/peers/simplesamlphp.sh on every start (the port changes).
\$config = [
    // Absolute base URL, so the IdP entity ID is <base>saml2/idp/metadata.php.
    'baseurlpath' => '$base',
    'certdir' => '$DIR/cert/',
    'metadatadir' => '$DIR/metadata/',
    'datadir' => '$DIR/data/',
    'tempdir' => '$DIR/tmp',
    'loggingdir' => '$DIR/log/',
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'logging.level' => SimpleSAML\Logger::$level,
    'debug' => ['saml' => $saml_debug, 'backtraces' => true, 'validatexml' => false],
    'showerrors' => true,
    'errorreporting' => false,
    'secretsalt' => '$(cat "$DIR/secretsalt")',
    'auth.adminpassword' => '$(cat "$DIR/secretsalt")',
    'admin.protectindexpage' => false,
    'admin.protectmetadata' => false,
    'technicalcontact_name' => 'awsfed tests',
    'technicalcontact_email' => 'test@example.com',
    'timezone' => 'UTC',
    'language.available' => ['en'],
    'enable.saml20-idp' => true,
    'module.enable' => ['core' => true, 'saml' => true, 'exampleauth' => true, 'admin' => true],
    'metadata.sources' => [['type' => 'flatfile']],
    // Plain HTTP: with the default Secure flag SimpleSAMLphp would not set its cookies at all.
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    'language.cookie.secure' => false,
    'language.cookie.samesite' => null,
    'session.phpsession.cookiename' => 'SimpleSAML',
    'session.phpsession.savepath' => '$DIR/sessions',
    'store.type' => 'phpsession',
];
EOF

  # Users.  exampleauth:UserPass keys are "user:password"; the attributes are released as they
  # are (the SP metadata below limits them to the three AWS ones).
  cat >"$DIR/config/authsources.php" <<EOF
<?php
// Written by awsfed scripts/peers/simplesamlphp.sh.
\$provider = '$PROVIDER_ARN';
\$aws = 'https://aws.amazon.com/SAML/Attributes/';
\$user = function (string \$uid, array \$roles, ?string \$duration = null) use (\$aws) {
    \$attrs = ['uid' => [\$uid], \$aws . 'RoleSessionName' => [\$uid]];
    if (\$roles) {
        \$attrs[\$aws . 'Role'] = \$roles;
    }
    if (\$duration !== null) {
        \$attrs[\$aws . 'SessionDuration'] = [\$duration];
    }
    return \$attrs;
};
\$config = [
    'admin' => ['core:AdminPassword'],
    'example-userpass' => [
        'exampleauth:UserPass',
        'testuser:testpass' => \$user('testuser',
            ['$ROLE_READONLY,' . \$provider, '$ROLE_ADMIN,' . \$provider], '3600'),
        // provider first: AWS accepts either order, so must a client
        'singleuser:singlepass' => \$user('singleuser', [\$provider . ',$ROLE_SINGLE']),
        'noroleuser:norolepass' => \$user('noroleuser', []),
        // these two get the TOTP step (see saml20-idp-hosted.php)
        'mfauser:mfapass' => \$user('mfauser',
            ['$ROLE_READONLY,' . \$provider, '$ROLE_ADMIN,' . \$provider], '3600'),
        'mfasingle:mfapass' => \$user('mfasingle', ['$ROLE_MFA_SINGLE,' . \$provider], '1800'),
    ],
];
EOF

  # The IdP.  authproc 20 is the second factor: a core:PHP filter that, for a uid with a TOTP
  # secret, parks the request state and redirects to /totp.php, which resumes the chain once
  # the code is right.  (Debian ships no TOTP module, and 1.19 loads modules only from the
  # package's own folder.)
  cat >"$DIR/metadata/saml20-idp-hosted.php" <<EOF
<?php
// Written by awsfed scripts/peers/simplesamlphp.sh.
\$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'auth' => 'example-userpass',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
    'authproc' => [
        20 => [
            'class' => 'core:PHP',
            'code' => '
                \$secrets = ["mfauser" => "$TOTP_SECRET", "mfasingle" => "$TOTP_SECRET"];
                \$uid = \$attributes["uid"][0] ?? "";
                if (isset(\$secrets[\$uid])) {
                    \$state["awsfed:totp_secret"] = \$secrets[\$uid];
                    \$id = \\SimpleSAML\\Auth\\State::saveState(\$state, "awsfed:totp");
                    \\SimpleSAML\\Utils\\HTTP::redirectTrustedURL(
                        \\SimpleSAML\\Utils\\HTTP::getBaseURL() . "totp.php", ["StateId" => \$id]);
                }
            ',
        ],
        // persistent NameID = uid (1.19 spells the option 'attribute')
        40 => [
            'class' => 'saml:AttributeNameID',
            'attribute' => 'uid',
            'Format' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
        ],
        50 => 'core:AttributeLimit',
    ],
];
EOF

  # AWS as the SP, as IAM's SAML provider expects it.
  cat >"$DIR/metadata/saml20-sp-remote.php" <<EOF
<?php
// Written by awsfed scripts/peers/simplesamlphp.sh.
\$metadata['$SP_ENTITY_ID'] = [
    'AssertionConsumerService' => [[
        'Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
        'Location' => 'https://signin.aws.amazon.com/saml',
        'index' => 0,
    ]],
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
    'attributes' => [
        'https://aws.amazon.com/SAML/Attributes/Role',
        'https://aws.amazon.com/SAML/Attributes/RoleSessionName',
        'https://aws.amazon.com/SAML/Attributes/SessionDuration',
    ],
    'saml20.sign.response' => true,
    'saml20.sign.assertion' => true,
];
EOF

  # php -S router: /totp.php comes from the state dir, everything else from the package's www
  # folder (returning false lets the built-in server run it, PATH_INFO included).
  cat >"$DIR/router.php" <<'EOF'
<?php
// Written by awsfed scripts/peers/simplesamlphp.sh.
if (parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) === '/totp.php') {
    require __DIR__ . '/www/totp.php';
    return true;
}
return false;
EOF

  # The second-factor page: RFC 6238 (HMAC-SHA1, 6 digits, 30 s steps, +-1 step) in plain PHP.
  # No replay protection, on purpose: tests may reuse a code within its window.
  cat >"$DIR/www/totp.php" <<'EOF'
<?php
// Written by awsfed scripts/peers/simplesamlphp.sh.  Reached through router.php.
require_once $_SERVER['DOCUMENT_ROOT'] . '/_include.php';

function awsfed_base32_decode(string $text): string
{
    $alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    $buffer = 0;
    $bits = 0;
    $out = '';
    foreach (str_split(strtoupper(rtrim($text, '='))) as $char) {
        $value = strpos($alphabet, $char);
        if ($value === false) {
            continue;
        }
        $buffer = ($buffer << 5) | $value;
        $bits += 5;
        if ($bits >= 8) {
            $bits -= 8;
            $out .= chr(($buffer >> $bits) & 0xff);
        }
    }
    return $out;
}

function awsfed_totp(string $secret, int $step): string
{
    $mac = hash_hmac('sha1', pack('J', $step), awsfed_base32_decode($secret), true);
    $offset = ord($mac[19]) & 0x0f;
    $number = unpack('N', substr($mac, $offset, 4))[1] & 0x7fffffff;
    return sprintf('%06d', $number % 1000000);
}

$stateId = (string) ($_REQUEST['StateId'] ?? '');
if ($stateId === '') {
    throw new \SimpleSAML\Error\BadRequest('Missing StateId.');
}
$state = \SimpleSAML\Auth\State::loadState($stateId, 'awsfed:totp');

$wrong = false;
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $code = preg_replace('/\s+/', '', (string) ($_POST['otp'] ?? ''));
    $now = intdiv(time(), 30);
    foreach ([$now, $now - 1, $now + 1] as $step) {
        if ($code !== '' && hash_equals(awsfed_totp($state['awsfed:totp_secret'], $step), $code)) {
            unset($state['awsfed:totp_secret']);
            \SimpleSAML\Logger::info('awsfed totp: code accepted');
            \SimpleSAML\Auth\ProcessingChain::resumeProcessing($state); // does not return
        }
    }
    \SimpleSAML\Logger::info('awsfed totp: wrong code');
    $wrong = true;
}

header('Content-Type: text/html; charset=utf-8');
header('Cache-Control: no-store');
$sid = htmlspecialchars($stateId, ENT_QUOTES);
?>
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Two-factor authentication</title></head>
<body>
<h1>Two-factor authentication</h1>
<?php if ($wrong) { ?>
<div class="error"><h2>Error</h2><p><strong>Incorrect verification code</strong></p></div>
<?php } ?>
<p>Enter the 6-digit code from your authenticator app.</p>
<form action="?" method="post" name="f">
  <input type="hidden" name="StateId" value="<?= $sid ?>" />
  <label for="otp">Verification code</label>
  <input id="otp" type="text" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="6" value="" autofocus />
  <button id="submit_button" type="submit">Verify</button>
</form>
</body>
</html>
EOF
}

# write_env BASE_URL PID: the lines 'start' and 'env' print, kept in $ENVFILE.
write_env() {
  local base=$1 pid=$2
  {
    emit SSP_BASE_URL "$base"
    emit SSP_SSO_URL "${base}saml2/idp/SSOService.php?spentityid=$SP_ENTITY_ID"
    emit SSP_METADATA_URL "${base}saml2/idp/metadata.php"
    emit SSP_CERT "$DIR/cert/idp.crt"
    emit SSP_ACCOUNT_ID "$ACCOUNT_ID"
    emit SSP_PROVIDER_ARN "$PROVIDER_ARN"
    emit SSP_USER testuser
    emit SSP_PASSWORD testpass
    emit SSP_ROLE_ARNS "$ROLE_READONLY $ROLE_ADMIN"
    emit SSP_SINGLE_USER singleuser
    emit SSP_SINGLE_PASSWORD singlepass
    emit SSP_SINGLE_ROLE_ARN "$ROLE_SINGLE"
    emit SSP_NOROLE_USER noroleuser
    emit SSP_NOROLE_PASSWORD norolepass
    emit SSP_MFA_USER mfauser
    emit SSP_MFA_PASSWORD mfapass
    emit SSP_MFA_SINGLE_USER mfasingle
    emit SSP_MFA_SINGLE_PASSWORD mfapass
    emit SSP_MFA_SINGLE_ROLE_ARN "$ROLE_MFA_SINGLE"
    emit SSP_TOTP_SECRET "$TOTP_SECRET"
    emit SSP_PID "$pid"
    emit SSP_DIR "$DIR"
  } >"$ENVFILE.tmp"
  mv "$ENVFILE.tmp" "$ENVFILE"
}

# ------------------------------------------------------------------------------- commands

cmd_start() {
  local pid port base attempt
  with_lock "$DIR.lock"
  if peer_running_env; then return 0; fi

  apt_ensure "${INSTALL[@]}"
  [ -f "$SSP_WWW/saml2/idp/SSOService.php" ] || die "$SSP_WWW not found after installing simplesamlphp"
  write_keys

  # A free port is picked before the server binds it; should another process take it in
  # between, php exits at once and the next attempt picks another one.
  for attempt in 1 2 3; do
    port=$(free_port)
    base="http://127.0.0.1:$port/"
    write_config "$base"
    : >"$DIR/server.log"
    note "starting php -S 127.0.0.1:$port (attempt $attempt)"
    SIMPLESAMLPHP_CONFIG_DIR=$DIR/config spawn "$DIR" "$DIR/server.log" "$PIDFILE" \
      php -d session.save_path="$DIR/sessions" -d display_errors=0 -d log_errors=1 \
      -d error_log="$DIR/log/php-errors.log" \
      -d opcache.enable_cli=1 -d opcache.revalidate_freq=0 \
      -S "127.0.0.1:$port" -t "$SSP_WWW" "$DIR/router.php"
    pid=$(cat "$PIDFILE")
    if wait_http "${base}saml2/idp/metadata.php" "$pid" 20; then
      write_env "$base" "$pid"
      cat "$ENVFILE"
      return 0
    fi
    if alive "$pid"; then stop_pid "$pid"; fi
  done
  tail -n 20 "$DIR/server.log" "$DIR/log/php-errors.log" >&2 2>/dev/null || true
  die "SimpleSAMLphp did not come up; see $DIR/server.log and $DIR/log/"
}

peer_main "SimpleSAMLphp" "$@"
