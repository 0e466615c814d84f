#!/usr/bin/env bash
# The e2e stage of CI (called by .ci/run after the unit tests): make sure openssl is there, build or
# reuse the control-plane binaries (scripts/build-controlplane.sh), then run the e2e suite against
# them. Cold (fresh machine): about 13-20 min of build; warm: seconds. See tools/controlplane/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
START=$(date +%s)

if ! command -v openssl >/dev/null; then
  echo "ci-controlplane: installing openssl"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl
fi
command -v go >/dev/null || { echo "ci-controlplane: go is not on PATH (needed to build the control plane)" >&2; exit 1; }

BIN_DIR=$(bash scripts/build-controlplane.sh | tail -n 1)
export RKE_HARDEN_CONTROLPLANE_BIN="$BIN_DIR"
echo "ci-controlplane: binaries in $RKE_HARDEN_CONTROLPLANE_BIN ($(( $(date +%s) - START )) s so far)"

npx vitest run --config vitest.e2e.config.ts
echo "ci-controlplane: done in $(( $(date +%s) - START )) s"
