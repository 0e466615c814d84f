#!/usr/bin/env bash
# Build Fleet's CLI (`fleet`, main package ./cmd/fleetcli of the Go module github.com/rancher/fleet)
# from its published module, once, into a cache outside the clone, keyed by Fleet version and Go version:
#
#   ${RKE_HARDEN_CACHE:-$HOME/.cache/rke-harden}/fleet/<version>/bin/fleet   (+ build-info.txt)
#   ${RKE_HARDEN_CACHE:-$HOME/.cache/rke-harden}/fleet/<version>/bin/fleet-crds.yaml
#
# fleet-crds.yaml is the same release's CRDs (charts/fleet-crd/templates/crds.yaml of the module):
# `fleet target` reads Cluster objects from an API server, which test/e2e/fleet-bundle.test.ts starts.
#
# A binary already in the cache, answering `fleet --version` with that version and built by the same
# Go version, is reused. The version is pinned here (FLEET_VERSION overrides it): v0.12.0 is the
# newest release the Go module proxy serves here (it lists no versions; v0.12.x patches, 0.13 and
# 0.14 are refused), and it builds with Go 1.26.
#
# Why not `go install module@version` (as build-helm.sh does): Fleet's go.mod has replace
# directives (github.com/rancher/fleet/pkg/apis => ./pkg/apis), which `go install` refuses, and
# pkg/apis is a nested module, so it is absent from the main module's zip. So: `go mod download`
# both modules at the same version (checked against the Go checksum database), lay pkg/apis back
# into a copy of the main module, and `go build` there with the module's own go.sum
# (-mod=readonly: every dependency is verified against it).
# The last line on stdout is always the path of the fleet binary.
#   --print-path   only print where the binary is (or would be); build nothing
set -euo pipefail

FLEET_VERSION="${FLEET_VERSION:-v0.12.0}"
MODULE=github.com/rancher/fleet
CACHE_ROOT="${RKE_HARDEN_CACHE:-$HOME/.cache/rke-harden}/fleet"
KEY_DIR="$CACHE_ROOT/$FLEET_VERSION"
BIN_DIR="$KEY_DIR/bin"
FLEET="$BIN_DIR/fleet"

log() { echo "build-fleet: $*" >&2; }

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$FLEET"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
export GOWORK=off GOTOOLCHAIN="${GOTOOLCHAIN:-local}" CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
GO_VERSION=$(go env GOVERSION)

mkdir -p "$KEY_DIR"
# One builder at a time per version (a second caller waits, then reuses).
exec 9>"$KEY_DIR/.lock"
flock 9

reusable() {
  [[ -x "$FLEET" && -f "$BIN_DIR/fleet-crds.yaml" && -f "$KEY_DIR/go-version" ]] &&
    [[ "$(cat "$KEY_DIR/go-version")" == "$GO_VERSION" ]] &&
    "$FLEET" --version 2>/dev/null | grep -q "version $FLEET_VERSION "
}

if reusable; then
  log "reusing $FLEET ($FLEET_VERSION, $GO_VERSION)"
  echo "$FLEET"
  exit 0
fi

WORK="$KEY_DIR/work.tmp.$$"
rm -rf "$WORK"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bin"

log "building fleet $FLEET_VERSION into $BIN_DIR ($(go version), $(nproc) cores)"
START=$(date +%s)
# Run outside any module (the clone has no go.mod, but be explicit).
cd "$WORK"
DL=$(go mod download -json "$MODULE@$FLEET_VERSION" "$MODULE/pkg/apis@$FLEET_VERSION")
# go mod download -json prints one object per module: Dir of the main module first, then pkg/apis.
mapfile -t DIRS < <(printf '%s\n' "$DL" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
COMMIT=$(printf '%s\n' "$DL" | sed -n 's/^\t\t"Hash": "\([0-9a-f]*\)",\{0,1\}$/\1/p' | head -n 1)
if [[ ${#DIRS[@]} -ne 2 ]]; then
  log "go mod download did not give two module directories:"
  printf '%s\n' "$DL" >&2
  exit 1
fi
cp -r "${DIRS[0]}" "$WORK/src"
chmod -R u+w "$WORK/src"
rm -rf "$WORK/src/pkg/apis"
cp -r "${DIRS[1]}" "$WORK/src/pkg/apis"
chmod -R u+w "$WORK/src/pkg/apis"

cd "$WORK/src"
LDFLAGS="-s -w -X $MODULE/pkg/version.Version=$FLEET_VERSION -X $MODULE/pkg/version.GitCommit=${COMMIT:0:8}"
go build -ldflags "$LDFLAGS" -o "$WORK/bin/fleet" ./cmd/fleetcli
cp charts/fleet-crd/templates/crds.yaml "$WORK/bin/fleet-crds.yaml"
END=$(date +%s)

GOT=$("$WORK/bin/fleet" --version)
if ! grep -q "version $FLEET_VERSION " <<<"$GOT"; then
  log "the built fleet says '$GOT', expected $FLEET_VERSION"
  exit 1
fi
rm -rf "$BIN_DIR"
mv "$WORK/bin" "$BIN_DIR"
echo "$GO_VERSION" > "$KEY_DIR/go-version"
{
  echo "fleet $FLEET_VERSION (commit ${COMMIT:-unknown}) built $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(go version) on $(nproc) cores"
  echo "first build: $((END - START)) s (module download and compile)"
  echo "size: $(( $(stat -c %s "$FLEET") / 1000000 )) MB"
} > "$KEY_DIR/build-info.txt"
sed 's/^/  /' "$KEY_DIR/build-info.txt" >&2
echo "$FLEET"
