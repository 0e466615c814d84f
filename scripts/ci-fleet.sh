#!/usr/bin/env bash
# The Fleet stage of CI (issue 8): Fleet's own CLI reads deploy/fleet and renders what each cluster gets
# (test/e2e/fleet-bundle.test.ts).
#
#   - fleet: built from its Go module by scripts/build-fleet.sh, cached in ~/.cache/rke-harden/fleet/<version>
#     (with Fleet's CRDs beside it);
#   - helm: scripts/build-helm.sh (cached; usually built already by ci-deploy.sh);
#   - the control plane: scripts/build-controlplane.sh (cached; usually built already by ci-controlplane.sh).
#
#   scripts/ci-fleet.sh            prepare, then run test/e2e/fleet-bundle.test.ts (RKE_HARDEN_FLEET_TEST=required)
#   scripts/ci-fleet.sh --prepare  prepare only; the last line on stdout is the fleet binary, for
#                                  `export RKE_HARDEN_FLEET=...` before the whole e2e suite
#
# Cold (fresh machine, empty Go caches): fleet's module download and build take about 6 min on 2 cores;
# the test about 15 s. Warm: the test only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
START=$(date +%s)
log() { echo "ci-fleet: $* ($(( $(date +%s) - START )) s)" >&2; }

# One build at a time (2 cores): fleet, then helm and the control plane (no-ops when cached).
RKE_HARDEN_FLEET=$(bash scripts/build-fleet.sh | tail -n 1)
export RKE_HARDEN_FLEET
RKE_HARDEN_HELM=$(bash scripts/build-helm.sh | tail -n 1)
export RKE_HARDEN_HELM
RKE_HARDEN_CONTROLPLANE_BIN=$(bash scripts/build-controlplane.sh | tail -n 1)
export RKE_HARDEN_CONTROLPLANE_BIN
log "$("$RKE_HARDEN_FLEET" --version), helm $("$RKE_HARDEN_HELM" version --template '{{.Version}}'), control plane in $RKE_HARDEN_CONTROLPLANE_BIN ready"

if [[ "${1:-}" == "--prepare" ]]; then
  echo "$RKE_HARDEN_FLEET"
  exit 0
fi

export RKE_HARDEN_FLEET_TEST=required
npx vitest run --config vitest.e2e.config.ts test/e2e/fleet-bundle.test.ts
log "done"
