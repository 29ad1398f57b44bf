#!/usr/bin/env bash
# Start a throw-away Kubernetes control plane (etcd + kube-apiserver v1.20.2)
# on 127.0.0.1 and keep it running until SIGTERM/SIGINT.
#
# Usage:
#   start.sh [--dir DIR] [--etcd-port N] [--etcd-peer-port N] [--apiserver-port N]
#            [--timeout SECONDS] [--keep-data]
#
#   --dir DIR           state directory of this instance (created; default:
#                       a new /tmp/rc-sandbox-XXXXXX). Certificates are
#                       regenerated on every start; etcd data is wiped unless
#                       --keep-data is given.
#   --etcd-port N       etcd client port        (default: a free port)
#   --etcd-peer-port N  etcd peer port          (default: a free port)
#   --apiserver-port N  kube-apiserver HTTPS port (default: a free port)
#   --timeout S         give up if /readyz is not 200 after S seconds (default 90)
#
# Environment:
#   OIDC_ISSUER_URL + OIDC_CA_FILE   enable OIDC authentication (both or none);
#   OIDC_CLIENT_ID (registry-console), OIDC_USERNAME_CLAIM (sub)
#   KUBE_APISERVER_BIN   use this binary instead of the cached build
#   ETCD_BIN             etcd binary (default /usr/bin/etcd)
#   EXTRA_APISERVER_ARGS extra kube-apiserver flags (word-split)
#
# Once ready it writes DIR/ready (shell-sourceable KEY=VALUE lines: ports,
# URL, file paths, PIDs), DIR/admin.kubeconfig, DIR/ca.crt, and prints the
# same KEY=VALUE lines on stdout. Progress goes to stderr. Logs: DIR/etcd.log,
# DIR/apiserver.log. On SIGTERM/SIGINT both processes are stopped by PID and
# the script exits 0; on any start-up failure they are stopped and it exits 1.
# The children also get SIGTERM if this script dies (even by SIGKILL), via
# setpriv --pdeathsig.
set -euo pipefail

# A non-interactive shell starts background jobs with SIGINT/SIGQUIT ignored,
# and bash cannot trap a signal that was ignored on entry: re-exec once with
# default dispositions so that SIGINT/SIGTERM/SIGHUP always reach our traps.
if [ -z "${_RC_SANDBOX_SIGRESET:-}" ]; then
  exec env --default-signal=HUP,INT,TERM _RC_SANDBOX_SIGRESET=1 "$BASH" "${BASH_SOURCE[0]}" "$@"
fi
unset _RC_SANDBOX_SIGRESET

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
APISERVER_BIN="${KUBE_APISERVER_BIN:-}"
ETCD_BIN="${ETCD_BIN:-/usr/bin/etcd}"

DIR=""
ETCD_PORT=""
ETCD_PEER_PORT=""
API_PORT=""
TIMEOUT=90
KEEP_DATA=0

usage() { sed -n '2,31p' "$0"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --dir=*) DIR="${1#*=}"; shift ;;
    --etcd-port) ETCD_PORT="${2:?}"; shift 2 ;;
    --etcd-port=*) ETCD_PORT="${1#*=}"; shift ;;
    --etcd-peer-port) ETCD_PEER_PORT="${2:?}"; shift 2 ;;
    --etcd-peer-port=*) ETCD_PEER_PORT="${1#*=}"; shift ;;
    --apiserver-port) API_PORT="${2:?}"; shift 2 ;;
    --apiserver-port=*) API_PORT="${1#*=}"; shift ;;
    --timeout) TIMEOUT="${2:?}"; shift 2 ;;
    --timeout=*) TIMEOUT="${1#*=}"; shift ;;
    --keep-data) KEEP_DATA=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "start.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
log() { printf '[sandbox %5ss] %s\n' "$(elapsed)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for p in "$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT"; do
  [ -z "$p" ] || [[ "$p" =~ ^[0-9]+$ && "$p" -gt 0 && "$p" -lt 65536 ]] || die "invalid port: $p"
done
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "invalid --timeout: $TIMEOUT"
command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
command -v curl >/dev/null || die "curl not found (apt-get install curl)"

if [ -z "$DIR" ]; then
  DIR=$(mktemp -d /tmp/rc-sandbox-XXXXXX)
fi
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

# --- one instance per directory ------------------------------------------------
exec 8>"$DIR/.lock"
flock -n 8 || die "another start.sh is already running with --dir $DIR"
rm -f "$DIR/ready"
# Leftovers of an instance that was killed hard: stop them if they are ours.
for f in "$DIR/apiserver.pid" "$DIR/etcd.pid"; do
  [ -f "$f" ] || continue
  old=$(cat "$f" 2>/dev/null || true)
  if [ -n "$old" ] && [ -r "/proc/$old/cmdline" ] && tr '\0' ' ' <"/proc/$old/cmdline" | grep -qF "$DIR"; then
    log "stopping leftover process $old from a previous run ($f)"
    kill "$old" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$old" 2>/dev/null || true
  fi
  rm -f "$f"
done

# --- binaries --------------------------------------------------------------------
# build-apiserver.sh owns the cache location (and its revision key): it prints the cached
# binary's path at once, or builds it first (several minutes) when it is missing.
if [ -z "$APISERVER_BIN" ] || [ ! -x "$ETCD_BIN" ]; then
  [ -z "${KUBE_APISERVER_BIN:-}" ] || [ -x "$APISERVER_BIN" ] || die "KUBE_APISERVER_BIN=$APISERVER_BIN is not executable"
  built=$("$HERE/build-apiserver.sh" | tail -n 1) || die "build-apiserver.sh failed"
  APISERVER_BIN="${KUBE_APISERVER_BIN:-$built}"
fi
[ -x "$APISERVER_BIN" ] || die "kube-apiserver binary missing: $APISERVER_BIN"
[ -x "$ETCD_BIN" ] || die "etcd binary missing: $ETCD_BIN"

# --- ports ---------------------------------------------------------------------
port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
pick_free_ports() { # prints N distinct free loopback ports
  local n=$1 out=""
  local py
  py=$(command -v /usr/bin/python3 python3 2>/dev/null | head -n1 || true)
  if [ -n "$py" ]; then
    out=$("$py" - "$n" <<'PY' 2>/dev/null || true
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)
  fi
  if [ -z "$out" ]; then
    local p picked=()
    while [ "${#picked[@]}" -lt "$n" ]; do
      p=$(( 20000 + RANDOM % 30000 ))
      port_in_use "$p" || [[ " ${picked[*]:-} " == *" $p "* ]] || picked+=("$p")
    done
    out="${picked[*]}"
  fi
  echo "$out"
}
read -r P1 P2 P3 < <(pick_free_ports 3)
ETCD_PORT="${ETCD_PORT:-$P1}"
ETCD_PEER_PORT="${ETCD_PEER_PORT:-$P2}"
API_PORT="${API_PORT:-$P3}"
[ "$ETCD_PORT" != "$ETCD_PEER_PORT" ] && [ "$ETCD_PORT" != "$API_PORT" ] && [ "$ETCD_PEER_PORT" != "$API_PORT" ] \
  || die "ports must differ (etcd $ETCD_PORT, etcd peer $ETCD_PEER_PORT, apiserver $API_PORT)"
for p in "$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT"; do
  port_in_use "$p" && die "port $p on 127.0.0.1 is already in use"
done

# --- OIDC ------------------------------------------------------------------------
OIDC_ARGS=()
if [ -n "${OIDC_ISSUER_URL:-}" ] || [ -n "${OIDC_CA_FILE:-}" ]; then
  [ -n "${OIDC_ISSUER_URL:-}" ] && [ -n "${OIDC_CA_FILE:-}" ] \
    || die "OIDC needs both OIDC_ISSUER_URL and OIDC_CA_FILE (got issuer='${OIDC_ISSUER_URL:-}' ca='${OIDC_CA_FILE:-}')"
  [ -r "$OIDC_CA_FILE" ] || die "OIDC_CA_FILE not readable: $OIDC_CA_FILE"
  OIDC_ARGS=(
    "--oidc-issuer-url=$OIDC_ISSUER_URL"
    "--oidc-ca-file=$OIDC_CA_FILE"
    "--oidc-client-id=${OIDC_CLIENT_ID:-registry-console}"
    "--oidc-username-claim=${OIDC_USERNAME_CLAIM:-sub}"
    "--oidc-username-prefix=oidc:"
    "--oidc-groups-claim=groups"
    "--oidc-groups-prefix=oidc:"
  )
fi

# --- process management ----------------------------------------------------------
ETCD_PID=""
API_PID=""
STOP_REQUESTED=0
stop_pid() { # name pid
  local name=$1 pid=$2
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name ($pid) did not stop in 10s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ "$STOP_REQUESTED" = 1 ] && rc=0
  rm -f "$DIR/ready"
  if [ -n "$API_PID$ETCD_PID" ]; then log "stopping kube-apiserver (${API_PID:--}) and etcd (${ETCD_PID:--})"; fi
  stop_pid kube-apiserver "$API_PID"
  stop_pid etcd "$ETCD_PID"
  rm -f "$DIR/apiserver.pid" "$DIR/etcd.pid"
  log "stopped (exit $rc)"
  exit "$rc"
}
on_signal() { log "received SIG$1"; STOP_REQUESTED=1; exit 0; }
trap cleanup EXIT
trap 'on_signal TERM' TERM
trap 'on_signal INT' INT
trap 'on_signal HUP' HUP

# Run a child that gets SIGTERM when this shell dies, however it dies.
spawn() { # logfile cmd...
  local logfile=$1; shift
  setpriv --pdeathsig TERM -- "$@" >"$logfile" 2>&1 </dev/null &
}

# --- certificates ----------------------------------------------------------------
CERTS="$DIR/certs"
rm -rf "$CERTS"
mkdir -p "$CERTS"
chmod 700 "$CERTS"
log "generating certificates in $CERTS"
set +e   # (-e is ignored inside a subshell whose status is tested; test it afterwards)
(
  set -e
  cd "$CERTS"
  exec 2>openssl.log
  # RSA keys (most compatible) generated in parallel: key generation dominates.
  pids=()
  for k in ca apiserver admin sa; do
    openssl genrsa -out "$k.key" 2048 & pids+=("$!")
  done
  for p in "${pids[@]}"; do wait "$p"; done
  openssl req -x509 -new -key ca.key -sha256 -days 3650 \
    -out ca.crt -subj "/CN=registry-console-sandbox-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -addext "subjectKeyIdentifier=hash"
  sign() { # name subject extfile
    openssl req -new -key "$1.key" -sha256 -out "$1.csr" -subj "$2"
    openssl x509 -req -sha256 -days 3650 -in "$1.csr" -CA ca.crt -CAkey ca.key \
      -set_serial "0x$(openssl rand -hex 16)" -extfile "$3" -out "$1.crt"
    rm -f "$1.csr"
  }
  cat >apiserver.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
subjectAltName=IP:127.0.0.1,IP:::1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
  sign apiserver "/CN=kube-apiserver" apiserver.ext
  cat >client.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
  sign admin "/O=system:masters/CN=admin" client.ext
  openssl rsa -in sa.key -pubout -out sa.pub
  for c in ca apiserver admin; do
    [[ "$(openssl x509 -in "$c.crt" -noout -text)" == *"Version: 3 "* ]] || { echo "$c.crt is not X.509 v3" >&2; exit 1; }
  done
  chmod 600 ./*.key
)
rc=$?
set -e
[ "$rc" = 0 ] || { cat "$CERTS/openssl.log" >&2 2>/dev/null || true; die "certificate generation failed"; }
cp "$CERTS/ca.crt" "$DIR/ca.crt"

# --- etcd ------------------------------------------------------------------------
ETCD_DATA="$DIR/etcd-data"
[ "$KEEP_DATA" = 1 ] || rm -rf "$ETCD_DATA"
mkdir -p "$ETCD_DATA"
chmod 700 "$ETCD_DATA"
ETCD_URL="http://127.0.0.1:$ETCD_PORT"
log "starting etcd on $ETCD_URL (peer $ETCD_PEER_PORT), log $DIR/etcd.log"
spawn "$DIR/etcd.log" "$ETCD_BIN" \
  --name=rc-sandbox \
  --data-dir="$ETCD_DATA" \
  --listen-client-urls="$ETCD_URL" \
  --advertise-client-urls="$ETCD_URL" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="rc-sandbox=http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster-state=new \
  --initial-cluster-token="rc-sandbox-$ETCD_PORT" \
  --logger=zap --log-outputs=stderr
ETCD_PID=$!
echo "$ETCD_PID" >"$DIR/etcd.pid"

CURL=(curl -sS --noproxy '*' --connect-timeout 2 --max-time 5)
deadline=$(( $(date +%s) + TIMEOUT ))
until "${CURL[@]}" -o /dev/null "$ETCD_URL/health" 2>/dev/null \
      && "${CURL[@]}" "$ETCD_URL/health" 2>/dev/null | grep -q '"health":"true"'; do
  if ! kill -0 "$ETCD_PID" 2>/dev/null; then
    tail -n 20 "$DIR/etcd.log" >&2; die "etcd exited during start-up (log: $DIR/etcd.log)"
  fi
  [ "$(date +%s)" -lt "$deadline" ] || { tail -n 20 "$DIR/etcd.log" >&2; die "etcd not healthy after ${TIMEOUT}s"; }
  sleep 0.2
done
log "etcd healthy (pid $ETCD_PID)"

# --- kube-apiserver ----------------------------------------------------------------
API_URL="https://127.0.0.1:$API_PORT"
# shellcheck disable=SC2206
EXTRA_ARGS=(${EXTRA_APISERVER_ARGS:-})
log "starting kube-apiserver on $API_URL${OIDC_ARGS:+ with OIDC issuer $OIDC_ISSUER_URL}, log $DIR/apiserver.log"
spawn "$DIR/apiserver.log" "$APISERVER_BIN" \
  --etcd-servers="$ETCD_URL" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --secure-port="$API_PORT" \
  --cert-dir="$CERTS" \
  --tls-cert-file="$CERTS/apiserver.crt" \
  --tls-private-key-file="$CERTS/apiserver.key" \
  --client-ca-file="$CERTS/ca.crt" \
  --authorization-mode=RBAC \
  --anonymous-auth=true \
  --service-account-key-file="$CERTS/sa.pub" \
  --service-account-signing-key-file="$CERTS/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc \
  --api-audiences=https://kubernetes.default.svc \
  --service-cluster-ip-range=10.0.0.0/24 \
  --enable-priority-and-fairness=false \
  --allow-privileged=true \
  --endpoint-reconciler-type=none \
  --profiling=false \
  --v=1 \
  "${OIDC_ARGS[@]}" "${EXTRA_ARGS[@]}"
API_PID=$!
echo "$API_PID" >"$DIR/apiserver.pid"

CLIENT=(--cacert "$CERTS/ca.crt" --cert "$CERTS/admin.crt" --key "$CERTS/admin.key")
code=""
until code=$("${CURL[@]}" "${CLIENT[@]}" -o /dev/null -w '%{http_code}' "$API_URL/readyz" 2>/dev/null) \
      && [ "$code" = 200 ]; do
  if ! kill -0 "$API_PID" 2>/dev/null; then
    tail -n 30 "$DIR/apiserver.log" >&2; die "kube-apiserver exited during start-up (log: $DIR/apiserver.log)"
  fi
  if ! kill -0 "$ETCD_PID" 2>/dev/null; then
    tail -n 20 "$DIR/etcd.log" >&2; die "etcd exited during start-up (log: $DIR/etcd.log)"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    tail -n 30 "$DIR/apiserver.log" >&2
    "${CURL[@]}" "${CLIENT[@]}" "$API_URL/readyz?verbose" >&2 2>/dev/null || true
    die "kube-apiserver /readyz not 200 after ${TIMEOUT}s (last: ${code:-no answer})"
  fi
  sleep 0.2
done
STARTUP=$(elapsed)

# --- outputs -----------------------------------------------------------------------
b64() { base64 -w0 <"$1"; }
umask 077
cat >"$DIR/admin.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: rc-sandbox
  cluster:
    server: $API_URL
    certificate-authority-data: $(b64 "$CERTS/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(b64 "$CERTS/admin.crt")
    client-key-data: $(b64 "$CERTS/admin.key")
contexts:
- name: rc-sandbox
  context:
    cluster: rc-sandbox
    user: admin
current-context: rc-sandbox
EOF
umask 022
READY_TMP="$DIR/.ready.tmp"
cat >"$READY_TMP" <<EOF
APISERVER_URL=$API_URL
APISERVER_PORT=$API_PORT
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
SANDBOX_DIR=$DIR
KUBECONFIG=$DIR/admin.kubeconfig
CA_FILE=$DIR/ca.crt
ADMIN_CERT=$CERTS/admin.crt
ADMIN_KEY=$CERTS/admin.key
SA_KEY=$CERTS/sa.key
START_PID=$$
ETCD_PID=$ETCD_PID
APISERVER_PID=$API_PID
STARTUP_SECONDS=$STARTUP
EOF
mv -f "$READY_TMP" "$DIR/ready"
log "ready in ${STARTUP}s: $API_URL (kubeconfig $DIR/admin.kubeconfig); SIGTERM/SIGINT (pid $$) stops it"
cat "$DIR/ready"

# --- run until told to stop or a child dies -------------------------------------------
while :; do
  wait -n "$ETCD_PID" "$API_PID" 2>/dev/null || true
  if ! kill -0 "$API_PID" 2>/dev/null; then
    tail -n 30 "$DIR/apiserver.log" >&2; die "kube-apiserver ($API_PID) exited unexpectedly (log: $DIR/apiserver.log)"
  fi
  if ! kill -0 "$ETCD_PID" 2>/dev/null; then
    tail -n 20 "$DIR/etcd.log" >&2; die "etcd ($ETCD_PID) exited unexpectedly (log: $DIR/etcd.log)"
  fi
  sleep 1   # wait returned without a child exiting: never spin
done
