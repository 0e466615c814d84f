#!/usr/bin/env bash
# Build the helm CLI from its published Go module (helm.sh/helm/v3), once, into a cache outside the
# clone, keyed by version:
#
#   ${RKE_HARDEN_CACHE:-$HOME/.cache/rke-harden}/helm/<version>/bin/helm
#
# A binary already in the cache (and answering `helm version` with that version) is reused.
# The version is pinned here (HELM_VERSION overrides it); `go install module@version` verifies every
# module it downloads against the Go checksum database, so the build is reproducible by version.
# The last line on stdout is always the path of the helm binary.
#   --print-path   only print where the binary is (or would be); build nothing
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
CACHE_ROOT="${RKE_HARDEN_CACHE:-$HOME/.cache/rke-harden}/helm"
KEY_DIR="$CACHE_ROOT/$HELM_VERSION"
BIN_DIR="$KEY_DIR/bin"
HELM="$BIN_DIR/helm"

log() { echo "build-helm: $*" >&2; }

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$HELM"
  exit 0
fi

mkdir -p "$KEY_DIR"
# One builder at a time per version (a second caller waits, then reuses).
exec 9>"$KEY_DIR/.lock"
flock 9

reusable() {
  [[ -x "$HELM" ]] && "$HELM" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"
}

if reusable; then
  log "reusing $HELM ($HELM_VERSION)"
  echo "$HELM"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"

TMP_BIN="$KEY_DIR/bin.tmp.$$"
rm -rf "$TMP_BIN"
trap 'rm -rf "$TMP_BIN"' EXIT
mkdir -p "$TMP_BIN"

log "building helm $HELM_VERSION into $BIN_DIR ($(go version), $(nproc) cores)"
START=$(date +%s)
# helm's own version stamp (helm version reports it); -s -w: no symbol table, a smaller binary.
LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
GOBIN="$TMP_BIN" go install -ldflags "$LDFLAGS" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
END=$(date +%s)

GOT=$("$TMP_BIN/helm" version --template '{{.Version}}')
if [[ "$GOT" != "$HELM_VERSION" ]]; then
  log "the built helm says version '$GOT', expected $HELM_VERSION"
  exit 1
fi
rm -rf "$BIN_DIR"
mv "$TMP_BIN" "$BIN_DIR"
{
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(go version) on $(nproc) cores"
  echo "first build: $((END - START)) s (module download and compile)"
  echo "size: $(( $(stat -c %s "$HELM") / 1000000 )) MB"
} > "$KEY_DIR/build-info.txt"
sed 's/^/  /' "$KEY_DIR/build-info.txt" >&2
echo "$HELM"
