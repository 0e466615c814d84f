#!/usr/bin/env bash
# The deploy stage of CI (issue 8): installs and builds what the agent, chart, alert and
# single-executable tests need, then runs them.
#
#   - promtool: Debian's prometheus package (apt-get, --no-install-recommends), when missing;
#   - helm: built from its Go module by scripts/build-helm.sh, cached in ~/.cache/rke-harden/helm/<version>;
#   - the control plane: scripts/build-controlplane.sh (cached; usually built already by ci-controlplane.sh);
#   - postject and esbuild must be in node_modules (npm ci): test/e2e/sea.test.ts builds the executable.
#
#   scripts/ci-deploy.sh            prepare, then run test/e2e/{helm-chart,alerts-agent,sea}.test.ts
#   scripts/ci-deploy.sh --prepare  prepare only (when the whole e2e suite runs afterwards anyway)
#
# Cold (fresh machine): helm's module download and build take about 10 min, promtool about 1 min
# (in parallel); the tests about 4 min. Warm: the tests only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
START=$(date +%s)
log() { echo "ci-deploy: $* ($(( $(date +%s) - START )) s)"; }

# helm in the background: it is network-bound, the rest can go on meanwhile.
HELM_LOG=$(mktemp)
bash scripts/build-helm.sh > "$HELM_LOG.out" 2> "$HELM_LOG" &
HELM_PID=$!
trap 'kill "$HELM_PID" 2>/dev/null || true' EXIT

if ! command -v promtool >/dev/null; then
  log "installing promtool (Debian package prometheus)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
promtool --version 2>&1 | head -n 1

for tool in "${ESBUILD:-node_modules/.bin/esbuild}" "${POSTJECT:-node_modules/.bin/postject}"; do
  if [[ ! -x "$tool" ]]; then
    echo "ci-deploy: $tool is missing (a devDependency: npm ci)" >&2
    exit 1
  fi
done

CP_BIN=$(bash scripts/build-controlplane.sh | tail -n 1)
export RKE_HARDEN_CONTROLPLANE_BIN="$CP_BIN"

if ! wait "$HELM_PID"; then
  cat "$HELM_LOG" >&2
  exit 1
fi
tail -n 3 "$HELM_LOG"
RKE_HARDEN_HELM=$(tail -n 1 "$HELM_LOG.out")
export RKE_HARDEN_HELM
rm -f "$HELM_LOG" "$HELM_LOG.out"
trap - EXIT
log "helm $("$RKE_HARDEN_HELM" version --template '{{.Version}}'), promtool, control plane in $CP_BIN ready"

if [[ "${1:-}" == "--prepare" ]]; then
  exit 0
fi

npx vitest run --config vitest.e2e.config.ts test/e2e/helm-chart.test.ts test/e2e/alerts-agent.test.ts test/e2e/sea.test.ts
log "done"
