#!/usr/bin/env bash
# Build kube-bench (github.com/aquasecurity/kube-bench, the CIS reference peer of the differential
# test, docs/differential.md) from its published Go module, once, into a cache outside the clone:
#
#   ${RKE_HARDEN_CACHE:-$HOME/.cache/rke-harden}/kube-bench/<version>_<sha256(go.mod, go.sum, idle/main.go)[0:12]>/
#     bin/kube-bench   the binary (version stamped as upstream's makefile does)
#     bin/idle         tools/kube-bench/idle: a stand-in process for the components (our own code)
#     cfg-dir          one line: kube-bench's own cfg/ directory inside the Go module cache
#     helper-dir       one line: its helper_scripts/ directory (upstream's image puts them on PATH)
#     build-info.txt
#
# The module is tools/kube-bench (go.mod with `tool github.com/aquasecurity/kube-bench`, go.sum).
# test/support/kube-bench.ts asks this script for the directory (--print-dir). kube-bench's YAML data is
# used from the module cache with --config-dir and never copied into the repository.
#
# A binary already in the cache is reused. The last line on stdout is always the key directory.
#   --print-dir   only print the key directory (build nothing)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOD="$ROOT/tools/kube-bench"
MODULE=github.com/aquasecurity/kube-bench

log() { echo "build-kube-bench: $*" >&2; }

VERSION=$(awk -v m="$MODULE" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$MOD/go.mod")
[[ -n "$VERSION" ]] || { log "cannot read the $MODULE version from tools/kube-bench/go.mod"; exit 1; }
SUM=$(cat "$MOD/go.mod" "$MOD/go.sum" "$MOD/idle/main.go" | sha256sum | cut -c1-12)
KEY_DIR="${RKE_HARDEN_CACHE:-$HOME/.cache/rke-harden}/kube-bench/${VERSION}_${SUM}"
BIN="$KEY_DIR/bin/kube-bench"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$KEY_DIR"
  exit 0
fi

export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly"

# Where the module's files are (downloads the module zip when the module cache lacks it: seconds).
module_dir() {
  (cd "$MOD" && go mod download -json "$MODULE" | awk -F'"' '$2 == "Dir" { print $4; exit }')
}

mkdir -p "$KEY_DIR"
exec 9>"$KEY_DIR/.lock"
flock 9

write_dirs() {
  local dir
  dir=$(module_dir)
  [[ -d "$dir/cfg" ]] || { log "no cfg/ in the module at '$dir'"; exit 1; }
  echo "$dir/cfg" > "$KEY_DIR/cfg-dir"
  echo "$dir/helper_scripts" > "$KEY_DIR/helper-dir"
}

if [[ -x "$BIN" && -x "$KEY_DIR/bin/idle" ]]; then
  # The binary is reused; the module cache may have been cleaned since: re-resolve the data dirs.
  if [[ ! -d "$(cat "$KEY_DIR/cfg-dir" 2>/dev/null)" ]]; then
    command -v go >/dev/null || { log "go is not on PATH (needed to fetch kube-bench's cfg/)"; exit 1; }
    write_dirs
  fi
  log "reusing $BIN ($("$BIN" version 2>/dev/null))"
  echo "$KEY_DIR"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
log "building $MODULE $VERSION into $KEY_DIR ($(go version), $(nproc) cores)"
START=$(date +%s)
(cd "$MOD" && go mod download)
T_DL=$(date +%s)
TMP="$KEY_DIR/bin.tmp.$$"
rm -rf "$TMP"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP"
(cd "$MOD" && go build -ldflags "-s -w -X $MODULE/cmd.KubeBenchVersion=$VERSION" -o "$TMP/kube-bench" "$MODULE")
(cd "$MOD" && go build -ldflags "-s -w" -o "$TMP/idle" ./idle)
END=$(date +%s)
[[ "$("$TMP/kube-bench" version)" == "$VERSION" ]] || { log "kube-bench version says '$("$TMP/kube-bench" version)', expected $VERSION"; exit 1; }
rm -rf "$KEY_DIR/bin"
mv "$TMP" "$KEY_DIR/bin"
write_dirs
{
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(go version) on $(nproc) cores"
  echo "first build: $((END - START)) s (module download $((T_DL - START)) s, build $((END - T_DL)) s)"
  echo "size: $(( $(stat -c %s "$KEY_DIR/bin/kube-bench") / 1000000 )) MB"
} > "$KEY_DIR/build-info.txt"
sed 's/^/  /' "$KEY_DIR/build-info.txt" >&2
echo "$KEY_DIR"
