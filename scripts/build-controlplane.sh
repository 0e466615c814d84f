#!/usr/bin/env bash
# Build the test cluster's binaries from published Go modules, once, into a cache outside the clone:
#   - kube-apiserver, kube-controller-manager (tools/controlplane/kube) and etcd (tools/controlplane/etcd):
#     the control plane of the API tests;
#   - kubelet, kube-scheduler, kube-proxy (same module) and the CNI plugins bridge, host-local,
#     loopback (tools/controlplane/cni, into bin/cni/): the real node of test/e2e/kubelet-node.test.ts.
#
#   ${RKE_HARDEN_CACHE:-$HOME/.cache/rke-harden}/controlplane/<key>/bin/
#
# <key> = k8s-<version>_etcd-<version>_<first 12 hex of sha256 over the go.mod/go.sum files>.
# test/support/controlplane-bin.ts asks this script for the directory (--print-dir).
#
# Binaries already in the cache are reused. The last line on stdout is always the bin dir.
#   --print-dir   only print the bin dir (build nothing)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KUBE_MOD="$ROOT/tools/controlplane/kube"
ETCD_MOD="$ROOT/tools/controlplane/etcd"
CNI_MOD="$ROOT/tools/controlplane/cni"
KUBE_CMDS=(kube-apiserver kube-controller-manager kubelet kube-scheduler kube-proxy)
CNI_PLUGINS=(main/bridge main/loopback ipam/host-local)
BINARIES=("${KUBE_CMDS[@]}" etcd cni/bridge cni/loopback cni/host-local)

log() { echo "build-controlplane: $*" >&2; }

# Version of a required module, read from a go.mod (the `require` line, direct or indirect).
mod_version() { # <go.mod> <module path>
  awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$1"
}

K8S_VERSION=$(mod_version "$KUBE_MOD/go.mod" k8s.io/kubernetes)
ETCD_VERSION=$(mod_version "$ETCD_MOD/go.mod" go.etcd.io/etcd/server/v3)
if [[ -z "$K8S_VERSION" || -z "$ETCD_VERSION" ]]; then
  log "cannot read the k8s.io/kubernetes or etcd version from tools/controlplane/*/go.mod"
  exit 1
fi
SUM=$(cat "$KUBE_MOD/go.mod" "$KUBE_MOD/go.sum" "$ETCD_MOD/go.mod" "$ETCD_MOD/go.sum" "$CNI_MOD/go.mod" "$CNI_MOD/go.sum" | sha256sum | cut -c1-12)
KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_${SUM}"
CACHE_ROOT="${RKE_HARDEN_CACHE:-$HOME/.cache/rke-harden}/controlplane"
KEY_DIR="$CACHE_ROOT/$KEY"
BIN_DIR="$KEY_DIR/bin"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$BIN_DIR"
  exit 0
fi

all_present() {
  local b
  for b in "${BINARIES[@]}"; do [[ -x "$BIN_DIR/$b" ]] || return 1; done
}

sizes() {
  local b
  for b in "${BINARIES[@]}"; do
    printf '  %-24s %s MB\n' "$b" "$(( $(stat -c %s "$BIN_DIR/$b") / 1000000 ))"
  done
}

mkdir -p "$KEY_DIR"
# One builder at a time per key (a second caller waits, then reuses).
exec 9>"$KEY_DIR/.lock"
flock 9

if all_present; then
  log "reusing $BIN_DIR"
  [[ -f "$KEY_DIR/build-info.txt" ]] && sed 's/^/  /' "$KEY_DIR/build-info.txt" >&2
  echo "$BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly"

K8S_MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
BUILD_DATE=$(cd "$KUBE_MOD" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
LDFLAGS="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR"
  LDFLAGS+=" -X $p.gitTreeState=clean -X $p.buildDate=$BUILD_DATE"
done

TMP_BIN="$KEY_DIR/bin.tmp.$$"
rm -rf "$TMP_BIN"
trap 'rm -rf "$TMP_BIN"' EXIT
mkdir -p "$TMP_BIN"

log "building k8s $K8S_VERSION and etcd $ETCD_VERSION into $BIN_DIR ($(go version), $(nproc) cores)"
START=$(date +%s)
(cd "$ETCD_MOD" && go mod download)
(cd "$KUBE_MOD" && go mod download)
(cd "$CNI_MOD" && go mod download)
T_DL=$(date +%s)
log "modules downloaded in $((T_DL - START)) s; building etcd"
(cd "$ETCD_MOD" && go build -ldflags "-s -w" -o "$TMP_BIN/etcd" go.etcd.io/etcd/server/v3)
T_ETCD=$(date +%s)
log "etcd built in $((T_ETCD - T_DL)) s; building ${KUBE_CMDS[*]}"
(cd "$KUBE_MOD" && go build -ldflags "$LDFLAGS" -o "$TMP_BIN/" "${KUBE_CMDS[@]/#/k8s.io/kubernetes/cmd/}")
T_KUBE=$(date +%s)
log "kube binaries built in $((T_KUBE - T_ETCD)) s; building the CNI plugins"
mkdir -p "$TMP_BIN/cni"
(cd "$CNI_MOD" && go build -ldflags "-s -w" -o "$TMP_BIN/cni/" "${CNI_PLUGINS[@]/#/github.com/containernetworking/plugins/plugins/}")
END=$(date +%s)
log "CNI plugins built in $((END - T_KUBE)) s"

"$TMP_BIN/kube-apiserver" --version | grep -qx "Kubernetes $K8S_VERSION" || {
  log "kube-apiserver --version says '$("$TMP_BIN/kube-apiserver" --version)', expected Kubernetes $K8S_VERSION"
  exit 1
}
rm -rf "$BIN_DIR"
mv "$TMP_BIN" "$BIN_DIR"

{
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(go version) on $(nproc) cores"
  echo "first build: $((END - START)) s (module download $((T_DL - START)) s, etcd $((T_ETCD - T_DL)) s, kube $((T_KUBE - T_ETCD)) s, cni $((END - T_KUBE)) s)"
  echo "sizes:"
  sizes
} > "$KEY_DIR/build-info.txt"
sed 's/^/  /' "$KEY_DIR/build-info.txt" >&2
echo "$BIN_DIR"
