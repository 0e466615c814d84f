#!/usr/bin/env bash
# CI stage for the differential test (docs/differential.md): build or reuse kube-bench from its Go
# module (scripts/build-kube-bench.sh, cached in ${RKE_HARDEN_CACHE:-~/.cache/rke-harden}/kube-bench),
# then run test/e2e/differential.test.ts with RKE_HARDEN_DIFFERENTIAL=required (a missing
# prerequisite fails instead of skipping). Needs root (mount namespaces), go, unshare, setpriv.
# Cold: kube-bench build ~2 min on 2 idle cores (measured: 114 s, module download 3 s); warm: seconds. The
# test itself: ~45 s idle, ~100 s on a loaded machine (8 fixtures x 3-4 kube-bench profiles).
#
#   scripts/ci-differential.sh               build/reuse kube-bench, run the differential test
#   scripts/ci-differential.sh --build-only  only build/reuse kube-bench (when a later stage runs the
#                                            whole e2e suite, which then includes the differential test)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
START=$(date +%s)

[[ $(id -u) -eq 0 ]] || { echo "ci-differential: needs root (private mount namespaces)" >&2; exit 1; }
for cmd in go unshare setpriv ps; do
  command -v "$cmd" >/dev/null || { echo "ci-differential: $cmd is not on PATH" >&2; exit 1; }
done

KEY_DIR=$(bash scripts/build-kube-bench.sh | tail -n 1)
export RKE_HARDEN_KUBE_BENCH_DIR="$KEY_DIR"
echo "ci-differential: kube-bench in $KEY_DIR ($(( $(date +%s) - START )) s so far)"
[[ "${1:-}" == "--build-only" ]] && exit 0

RKE_HARDEN_DIFFERENTIAL=required npx vitest run --config vitest.e2e.config.ts test/e2e/differential.test.ts
echo "ci-differential: done in $(( $(date +%s) - START )) s"
