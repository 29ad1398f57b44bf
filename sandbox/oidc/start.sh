#!/usr/bin/env bash
# Start the sandbox OpenID Connect provider (SANDBOX ONLY, see README.md).
#
# Usage: sandbox/oidc/start.sh --dir STATE_DIR [options] [-- extra server.mjs flags]
#
#   --dir DIR                       state dir (required): CA, server cert, client secret, JWKS
#   --port N                        HTTPS port on 127.0.0.1 (default 5556; 0 = any free port)
#   --issuer URL                    default https://127.0.0.1:<port>
#   --redirect-uri URI              repeatable or comma-separated
#                                   (default http://127.0.0.1:8080/auth/callback)
#   --post-logout-redirect-uri URI  repeatable or comma-separated (default "<origin>/" of each redirect URI)
#   --tls-cert FILE --tls-key FILE  use this certificate instead of generating DIR/tls.crt + DIR/tls.key
#   --client-secret-file FILE       default DIR/client-secret (created with a random secret if missing)
#   --jwks-file FILE                default DIR/jwks.json (created if missing: signing key survives restarts)
#   --san SAN                       extra subjectAltName for a generated cert, e.g. DNS:oidc.local (repeatable)
#   --auto-logout                   end-session signs out without the confirmation click
#   --users-file FILE               JSON users instead of the built-in sandbox users
#
# Files in DIR: ca.crt (trust this: the CA for curl --cacert / rustls / kube-apiserver
# --oidc-ca-file), ca.key, tls.crt, tls.key, client-secret, jwks.json, signing.key (the
# openssl-made RSA key jwks.json is first built from).
# Environment: OIDC_ID_TOKEN_TTL, OIDC_ACCESS_TOKEN_TTL, OIDC_REFRESH_TOKEN_TTL, OIDC_SESSION_TTL,
# OIDC_AUTH_CODE_TTL (seconds), OIDC_ROTATE_REFRESH_TOKEN=0, OIDC_DEBUG=1 are passed to server.mjs.
# Prints "oidc-provider listening on <issuer>" on stdout when ready; SIGTERM/SIGINT stop it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

dir=""
port="5556"
tls_cert=""
tls_key=""
secret_file=""
jwks_file=""
sans=()
pass=()

need_arg() { [[ $# -ge 2 ]] || { echo "start.sh: $1 needs a value" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) need_arg "$@"; dir="$2"; shift 2 ;;
    --port) need_arg "$@"; port="$2"; shift 2 ;;
    --tls-cert) need_arg "$@"; tls_cert="$2"; shift 2 ;;
    --tls-key) need_arg "$@"; tls_key="$2"; shift 2 ;;
    --client-secret-file) need_arg "$@"; secret_file="$2"; shift 2 ;;
    --jwks-file) need_arg "$@"; jwks_file="$2"; shift 2 ;;
    --san) need_arg "$@"; sans+=("$2"); shift 2 ;;
    --issuer|--redirect-uri|--post-logout-redirect-uri|--users-file|--host|--client-id)
      need_arg "$@"; pass+=("$1" "$2"); shift 2 ;;
    --auto-logout) pass+=("$1"); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; pass+=("$@"); break ;;
    *) echo "start.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$dir" ]] || { echo "start.sh: --dir is required (see --help)" >&2; exit 2; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

# 1. dependencies (npm ci when node_modules is missing or older than the lock file)
if [[ ! -f "$here/node_modules/.package-lock.json" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  echo "start.sh: npm ci in $here" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
  touch "$here/node_modules/.package-lock.json"
fi

# 2. TLS: a CA and a server certificate (X.509 v3) for 127.0.0.1 / localhost
if [[ -z "$tls_cert" || -z "$tls_key" ]]; then
  [[ -z "$tls_cert" && -z "$tls_key" ]] || { echo "start.sh: give both --tls-cert and --tls-key, or neither" >&2; exit 2; }
  tls_cert="$dir/tls.crt"
  tls_key="$dir/tls.key"
  umask 077
  if [[ ! -s "$dir/ca.crt" || ! -s "$dir/ca.key" ]]; then
    echo "start.sh: generating sandbox CA in $dir" >&2
    openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
      -keyout "$dir/ca.key" -out "$dir/ca.crt" \
      -subj "/CN=Registry Console sandbox OIDC CA" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -addext "subjectKeyIdentifier=hash" 2>/dev/null
    rm -f "$tls_cert" "$tls_key"
  fi
  if [[ ! -s "$tls_cert" || ! -s "$tls_key" || ${#sans[@]} -gt 0 ]]; then
    echo "start.sh: generating server certificate in $dir" >&2
    san="IP:127.0.0.1,DNS:localhost"
    for s in "${sans[@]+"${sans[@]}"}"; do san="$san,$s"; done
    ext="$(mktemp)"
    trap 'rm -f "$ext" "$dir/tls.csr"' EXIT
    cat >"$ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EOF
    openssl req -new -newkey rsa:2048 -nodes -sha256 \
      -keyout "$tls_key" -out "$dir/tls.csr" -subj "/CN=localhost" 2>/dev/null
    openssl x509 -req -in "$dir/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
      -CAcreateserial -days 825 -sha256 -extfile "$ext" -out "$tls_cert" 2>/dev/null
    rm -f "$ext" "$dir/tls.csr" "$dir/ca.srl"
    trap - EXIT
  fi
  umask 022
  chmod 644 "$dir/ca.crt" "$tls_cert"
fi

# 3. client secret and signing keys
if [[ -z "$secret_file" ]]; then
  secret_file="$dir/client-secret"
  if [[ ! -s "$secret_file" ]]; then
    (umask 077 && openssl rand -hex 32 >"$secret_file")
  fi
fi
[[ -n "$jwks_file" ]] || jwks_file="$dir/jwks.json"
# The signing key is made here, not by node (see generateSigningJwk in server.mjs).
signing_key="$dir/signing.key"
if [[ ! -s "$jwks_file" && ! -s "$signing_key" ]]; then
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$signing_key" 2>/dev/null)
fi

# 4. run (exec: signals go straight to node)
exec node "$here/server.mjs" \
  --port "$port" \
  --tls-cert "$tls_cert" --tls-key "$tls_key" \
  --client-secret-file "$secret_file" \
  --jwks-file "$jwks_file" \
  --signing-key-file "$signing_key" \
  "${pass[@]+"${pass[@]}"}"
