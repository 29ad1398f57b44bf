#!/usr/bin/env bash
# Build kube-apiserver v1.20.2 from Debian bookworm's `kubernetes` source
# package with Debian's Go 1.19, and cache the binary outside the checkout:
#
#   ${REGISTRY_CONSOLE_CACHE:-$HOME/.cache/registry-console}/kube-apiserver-v1.20.2-r2/kube-apiserver
#
# The "-r2" suffix is the build revision: bump BUILD_REV whenever the build
# changes the binary's behaviour, so machines with an older cached binary
# rebuild (r2: kube-openapi empty-string fix, see below).
#
# Idempotent: does nothing (but ensure etcd is installed) when the binary is
# already cached. Prints the binary path as the last line of stdout.
#
# Options:
#   --force        rebuild even when the cached binary exists
#   --keep-build   keep the build tree (for debugging) instead of deleting it
set -euo pipefail

KUBE_VERSION="v1.20.2"
DEB_SRC_VERSION="1.20.5+really1.20.2-1.1+deb12u1"
CACHE_ROOT="${REGISTRY_CONSOLE_CACHE:-$HOME/.cache/registry-console}"
BUILD_REV="r2"
OUT_DIR="$CACHE_ROOT/kube-apiserver-$KUBE_VERSION-$BUILD_REV"
BIN="$OUT_DIR/kube-apiserver"
BUILD_LOG="$OUT_DIR/build.log"
SRC_LIST=/etc/apt/sources.list.d/registry-console-src.list
GO_ROOT_BIN=/usr/lib/go-1.19/bin
REFLECT2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2

FORCE=0
KEEP=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --keep-build) KEEP=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "build-apiserver: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

START_TS=$(date +%s)
log() { printf '[build-apiserver %4ss] %s\n' "$(( $(date +%s) - START_TS ))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- apt helpers -------------------------------------------------------------
APT_UPDATED=0
apt_update() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update -qq >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
}

ensure_pkgs() {
  local missing=() p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  [ "${#missing[@]}" = 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "packages missing (${missing[*]}) and not root to install them"
  apt_update
  log "apt-get install ${missing[*]}"
  mkdir -p "$OUT_DIR"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
       >"$OUT_DIR/apt.log" 2>&1; then
    tail -n 20 "$OUT_DIR/apt.log" >&2
    die "apt-get install ${missing[*]} failed (log: $OUT_DIR/apt.log)"
  fi
}

# The mirror URL (and its Signed-By keyring, which apt requires to be the same
# for every entry of one URI+suite) of bookworm main as configured on this
# machine, from deb822 *.sources or a one-line sources.list.
debian_mirror() {
  local url="" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    url=$(awk '/^[[:space:]]*URIs:/{print $2}' "$f" | grep -vE 'security|nodesource|google' | head -n1 || true)
    if [ -n "$url" ]; then
      MIRROR_KEYRING=$(awk '/^[[:space:]]*Signed-By:/{print $2; exit}' "$f" || true)
      break
    fi
  done
  if [ -z "$url" ] && [ -f /etc/apt/sources.list ]; then
    url=$(grep -hE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list \
          | grep -E '[[:space:]]bookworm[[:space:]]' \
          | awk '{for(i=2;i<=NF;i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' | head -n1 || true)
    MIRROR_KEYRING=$(grep -hE '^[[:space:]]*deb[[:space:]].*signed-by=' /etc/apt/sources.list \
          | sed -E 's/.*signed-by=([^] ]+).*/\1/' | head -n1 || true)
  fi
  MIRROR_URL="${url:-http://deb.debian.org/debian}"
}

ensure_deb_src() {
  [ -f "$SRC_LIST" ] && return 0
  # Already configured elsewhere (deb-src line or "Types: deb deb-src")?
  if grep -hsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources >/dev/null; then
    return 0
  fi
  MIRROR_URL="" MIRROR_KEYRING=""
  debian_mirror
  local opts=""
  [ -n "$MIRROR_KEYRING" ] && opts="[signed-by=$MIRROR_KEYRING] "
  log "adding deb-src ${opts}$MIRROR_URL bookworm main -> $SRC_LIST"
  printf '# added by registry-console sandbox/cluster/build-apiserver.sh\ndeb-src %s%s bookworm main\ndeb-src %s%s bookworm-updates main\n' \
    "$opts" "$MIRROR_URL" "$opts" "$MIRROR_URL" > "$SRC_LIST"
  APT_UPDATED=0
  if ! apt-get update -qq >&2; then
    rm -f "$SRC_LIST"   # never leave apt broken
    die "apt-get update failed after adding $SRC_LIST (removed it again)"
  fi
  APT_UPDATED=1
}

# etcd is needed by start.sh either way.
ensure_pkgs etcd-server

if [ "$FORCE" = 0 ] && [ -x "$BIN" ]; then
  log "cached: $BIN"
  echo "$BIN"
  exit 0
fi

mkdir -p "$OUT_DIR"
# Serialise concurrent builds (e.g. two start.sh instances at once).
exec 9>"$OUT_DIR/.lock"
if ! flock -n 9; then
  log "another build is running; waiting for it"
  flock 9
fi
if [ "$FORCE" = 0 ] && [ -x "$BIN" ]; then
  log "built by the other process: $BIN"
  echo "$BIN"
  exit 0
fi

ensure_pkgs golang-1.19-go rsync dpkg-dev make golang-github-modern-go-reflect2-dev ca-certificates
[ -x "$GO_ROOT_BIN/go" ] || die "$GO_ROOT_BIN/go not found after installing golang-1.19-go"
[ -f "$REFLECT2_SRC/reflect2.go" ] || die "$REFLECT2_SRC missing (golang-github-modern-go-reflect2-dev)"
ensure_deb_src

WORK=$(mktemp -d "$CACHE_ROOT/build.XXXXXX")
cleanup() {
  local rc=$?
  if [ "$KEEP" = 1 ]; then
    log "keeping build tree $WORK"
  else
    rm -rf "$WORK"
  fi
  if [ "$rc" != 0 ]; then
    log "FAILED (exit $rc); full log: $BUILD_LOG"
  fi
}
trap cleanup EXIT

log "downloading source package kubernetes=$DEB_SRC_VERSION into $WORK"
( cd "$WORK" && apt-get source -qq "kubernetes=$DEB_SRC_VERSION" ) >"$BUILD_LOG" 2>&1 || {
  # The package list may be stale: refresh once and retry.
  APT_UPDATED=0; apt_update
  ( cd "$WORK" && apt-get source -qq "kubernetes=$DEB_SRC_VERSION" ) >>"$BUILD_LOG" 2>&1 \
    || { tail -n 20 "$BUILD_LOG" >&2; die "apt-get source kubernetes=$DEB_SRC_VERSION failed"; }
}
SRC=$(find "$WORK" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)
[ -n "$SRC" ] && [ -d "$SRC/vendor" ] || die "unpacked source tree with vendor/ not found in $WORK"
log "source tree: $SRC ($(du -sh "$SRC" | cut -f1))"

# Vendored reflect2 1.0.1 breaks under Go >= 1.18 (the apiserver crashes on
# CRD watches); use Debian's patched copy instead.
log "replacing vendor/github.com/modern-go/reflect2 with Debian's copy"
rm -rf "$SRC/vendor/github.com/modern-go/reflect2"
mkdir -p "$SRC/vendor/github.com/modern-go/reflect2"
cp -rL "$REFLECT2_SRC/." "$SRC/vendor/github.com/modern-go/reflect2/"
find "$SRC/vendor/github.com/modern-go/reflect2" -name '*_test.go' -delete

# The vendored kube-openapi (v0.0.0-20201113171705-d219536bb9fd) validates
# custom resources with a "null" check that is wrong under Go >= 1.16:
#   data == nil || reflect.DeepEqual(reflect.Zero(reflect.TypeOf(data)), reflect.ValueOf(data))
# compares the reflect.Value headers; since Go 1.16 reflect.Zero and an ""
# stored in an interface share one zero buffer, so every "" in a CR counts as
# null ('spec.x in body must be of type string: "null"', HTTP 422). Upstream
# fix (kube-openapi#230, in Kubernetes 1.21 via kubernetes#99817): only nil
# is null.
OPENAPI_TYPE_GO="$SRC/vendor/k8s.io/kube-openapi/pkg/validation/validate/type.go"
log "patching vendored kube-openapi validate/type.go: \"\" is not null (kube-openapi#230)"
sed -i 's/if data == nil || reflect\.DeepEqual(reflect\.Zero(reflect\.TypeOf(data)), reflect\.ValueOf(data)) {/if data == nil {/' \
  "$OPENAPI_TYPE_GO"
if grep -q 'reflect.Zero(reflect.TypeOf(data))' "$OPENAPI_TYPE_GO" \
   || ! grep -qE '^[[:space:]]*if data == nil \{$' "$OPENAPI_TYPE_GO"; then
  die "could not patch the zero-value check in $OPENAPI_TYPE_GO"
fi

# Version stamped into the binary (no .git in the source package).
cat >"$WORK/version.env" <<EOF
KUBE_GIT_COMMIT='faecb196815e248d3ecfb03c680a4507229c2a56'
KUBE_GIT_TREE_STATE='clean'
KUBE_GIT_VERSION='$KUBE_VERSION'
KUBE_GIT_MAJOR='1'
KUBE_GIT_MINOR='20'
EOF

log "make WHAT=cmd/kube-apiserver (takes about 4-7 minutes on 2 cores; log: $BUILD_LOG)"
(
  cd "$SRC"
  export PATH="$GO_ROOT_BIN:$PATH"
  export GOFLAGS=-tags=providerless CGO_ENABLED=0 GOPROXY=off GOTOOLCHAIN=local
  export GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath" GOMODCACHE="$WORK/gopath/pkg/mod"
  export KUBE_GIT_VERSION_FILE="$WORK/version.env"
  export KUBE_VERBOSE=1
  unset GOROOT GOBIN
  exec make WHAT=cmd/kube-apiserver
) >>"$BUILD_LOG" 2>&1 &
MAKE_PID=$!
trap 'kill "$MAKE_PID" 2>/dev/null || true' INT TERM
while kill -0 "$MAKE_PID" 2>/dev/null; do
  sleep 30
  kill -0 "$MAKE_PID" 2>/dev/null && log "  ... still building: $(tail -n1 "$BUILD_LOG" | cut -c1-110)"
done
if ! wait "$MAKE_PID"; then
  tail -n 40 "$BUILD_LOG" >&2
  die "make WHAT=cmd/kube-apiserver failed"
fi

OUT_BIN=$(find "$SRC/_output" -type f -name kube-apiserver -perm -u+x 2>/dev/null | head -n1)
[ -n "$OUT_BIN" ] || die "make succeeded but no kube-apiserver binary under $SRC/_output"
"$OUT_BIN" --version >>"$BUILD_LOG" 2>&1 || die "built binary does not run: $OUT_BIN"
cp "$OUT_BIN" "$BIN.tmp.$$"
chmod 755 "$BIN.tmp.$$"
mv -f "$BIN.tmp.$$" "$BIN"
log "built $("$BIN" --version) -> $BIN ($(du -h "$BIN" | cut -f1)) in $(( $(date +%s) - START_TS ))s"
echo "$BIN"
