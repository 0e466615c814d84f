#!/usr/bin/env bash
# The image stage of CI (issue 8): builds the container image from the Dockerfile for real
# (scripts/build-image.sh: a Docker engine from Debian's docker.io when none runs, local stand-ins
# for the two base images since no registry is reachable, `docker build`), then runs
# test/e2e/docker-image.test.ts against it, required (RKE_HARDEN_IMAGE_TEST=required: no skipping).
#
#   scripts/ci-image.sh            build, then run test/e2e/docker-image.test.ts
#   scripts/ci-image.sh --prepare  build only; print `export RKE_HARDEN_IMAGE=... RKE_HARDEN_IMAGE_TEST=required`
#                                  for the whole e2e suite afterwards (assign, then eval: a failed build
#                                  then stops a `set -e` caller):
#                                    IMAGE_ENV=$(scripts/ci-image.sh --prepare); eval "$IMAGE_ENV"
#
# Cold (fresh machine): docker.io and debootstrap install ~30 s, debootstrap ~40-80 s, stand-ins
# ~25 s, docker build ~60 s (npm ci inside); the test ~20 s. Warm (~/.cache/rke-harden/image and
# Docker's layer cache kept): the build ~5 s, the test ~20 s.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
START=$(date +%s)
log() { echo "ci-image: $* ($(( $(date +%s) - START )) s)" >&2; }

TAG=${RKE_HARDEN_IMAGE_TAG:-rke-harden:test}
ID=$(RKE_HARDEN_IMAGE_TAG="$TAG" bash scripts/build-image.sh | tail -n 1)
[[ $ID == sha256:* ]] || { echo "ci-image: build-image.sh printed no image id" >&2; exit 1; }
export RKE_HARDEN_IMAGE=$ID
export RKE_HARDEN_IMAGE_TEST=required
log "image $TAG ready: $ID"

if [[ "${1:-}" == "--prepare" ]]; then
  echo "export RKE_HARDEN_IMAGE=$ID RKE_HARDEN_IMAGE_TEST=required"
  exit 0
fi

npx vitest run --config vitest.e2e.config.ts test/e2e/docker-image.test.ts
log "done"
