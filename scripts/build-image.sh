#!/usr/bin/env bash
# Builds the rke-harden image from the Dockerfile for real (issue 8), on a machine like CI's: no
# container registry reachable (docker.io, gcr.io... all blocked), no Docker engine running.
#
#   1. Engine: when `docker info` fails, installs Debian's docker.io (dockerd, containerd, runc) if
#      needed and starts dockerd in the background (storage driver overlay2, else vfs; log in
#      $DOCKERD_LOG), then waits for its socket. A running engine is used as it is.
#   2. Base images: the Dockerfile's defaults, node:20-bookworm-slim and
#      gcr.io/distroless/nodejs20-debian12:nonroot, cannot be pulled here, so LOCAL STAND-INS are
#      made and passed as --build-arg NODE_IMAGE / RUNTIME_IMAGE (the Dockerfile is unchanged):
#        - builder: a Debian bookworm rootfs (debootstrap --variant=minbase) with this machine's
#          Node.js 20 and npm laid out as in the official image (/usr/local/bin/node, npm, npx),
#          trusting what this machine trusts (its CA bundle, NODE_EXTRA_CA_CERTS): `npm ci` in the
#          build goes through the same TLS-inspecting egress as the host's npm;
#        - runtime: like distroless nodejs20-debian12:nonroot: only glibc, libgcc, libstdc++,
#          libssl, CA certificates and time zones from that rootfs, node at /nodejs/bin/node,
#          /etc/passwd with root, nobody and nonroot (65532), user 65532, no shell, no package manager.
#      Both are `docker import`ed. The rootfs and the two tarballs are cached in
#      ~/.cache/rke-harden/image/ (keyed by Debian suite, architecture, Node.js and npm versions and
#      the recipe below): a warm machine skips debootstrap and the assembly.
#   3. docker build -t $RKE_HARDEN_IMAGE_TAG (default rke-harden:test) . with those build args;
#      `npm ci` inside the build reaches the npm registry (--network host when the default bridge
#      cannot).
#
# On a normal machine none of this is needed: `docker build .` pulls the real upstream images.
#
# Output: build logs on stderr; the image id is the last line on stdout.
# Needs root (apt-get, debootstrap, dockerd). Env: RKE_HARDEN_IMAGE_TAG, RKE_HARDEN_CACHE (default
# ~/.cache/rke-harden), DOCKERD_LOG (default /var/log/rke-harden-dockerd.log), DEBIAN_MIRROR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TAG=${RKE_HARDEN_IMAGE_TAG:-rke-harden:test}
CACHE=${RKE_HARDEN_CACHE:-$HOME/.cache/rke-harden}/image
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/rke-harden-dockerd.log}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
# Bump when the recipe of the Debian rootfs (debootstrap) or of the stand-ins built from it changes:
# that invalidates the cached tarballs.
ROOTFS_RECIPE=1
RECIPE=2
START=$(date +%s)
log() { echo "build-image: $* ($(( $(date +%s) - START )) s)" >&2; }
die() { echo "build-image: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "needs root (apt-get, debootstrap, dockerd)"
export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=
apt_install() {
  if [[ -z $APT_UPDATED ]]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---------------------------------------------------------------------------------------------
# 1. A Docker engine.
engine_up() { timeout 10 docker info >/dev/null 2>&1; }

start_dockerd() { # storage driver, extra flags...
  local driver=$1
  shift
  log "starting dockerd (storage driver $driver${*:+, $*}), log in $DOCKERD_LOG"
  echo "--- $(date -Is) dockerd --storage-driver=$driver $*" >>"$DOCKERD_LOG"
  # Its own session: it outlives this script (and CI's job control) and keeps running for later use.
  setsid dockerd --storage-driver="$driver" "$@" >>"$DOCKERD_LOG" 2>&1 </dev/null &
  local pid=$! _
  for _ in $(seq 60); do
    if engine_up; then
      log "dockerd $pid up ($(docker info -f '{{.ServerVersion}} {{.Driver}}'))"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  tail -n 5 "$DOCKERD_LOG" >&2
  return 1
}

ensure_engine() {
  if engine_up; then
    log "Docker engine already running ($(docker info -f '{{.ServerVersion}} {{.Driver}}'))"
    return
  fi
  if [[ -S /var/run/docker.sock ]] && pgrep -x dockerd >/dev/null; then
    die "a dockerd runs but does not answer on /var/run/docker.sock; see $DOCKERD_LOG"
  fi
  if ! command -v dockerd >/dev/null; then
    log "installing Debian's docker.io (dockerd, containerd, runc)"
    # No init system here: keep the package scripts from starting services.
    local policy=/usr/sbin/policy-rc.d created=
    if [[ ! -e $policy ]]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && created=1
    fi
    apt_install docker.io
    [[ -n $created ]] && rm -f "$policy"
  fi
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  rm -f /var/run/docker.pid
  start_dockerd overlay2 ||
    start_dockerd vfs ||
    start_dockerd vfs --bridge=none --iptables=false --ip6tables=false ||
    die "dockerd does not start; see $DOCKERD_LOG"
}

ensure_engine

# ---------------------------------------------------------------------------------------------
# 2. Stand-ins for the base images.
NODE_BIN=$(readlink -f "$(command -v node)")
NODE_VERSION=$(node -p process.versions.node)
[[ ${NODE_VERSION%%.*} == 20 ]] || die "this machine's Node.js is $NODE_VERSION; the stand-ins need Node.js 20"
NPM_DIR=$(npm root -g)/npm
NPM_VERSION=$(node -p "require('$NPM_DIR/package.json').version")
ARCH=$(dpkg --print-architecture)
HOST_CA=/etc/ssl/certs/ca-certificates.crt
[[ -s $HOST_CA ]] || die "no CA bundle at $HOST_CA (Debian's ca-certificates)"
KEY=$SUITE-$ARCH-node$NODE_VERSION-npm$NPM_VERSION-ca$(sha256sum "$HOST_CA" | cut -c1-8)-r$RECIPE
ROOTFS_TAR=$CACHE/rootfs-$SUITE-$ARCH-r$ROOTFS_RECIPE.tar
BUILDER_TAR=$CACHE/$KEY/builder.tar
RUNTIME_TAR=$CACHE/$KEY/runtime.tar
BUILDER_IMAGE=rke-harden-standin/node:20-bookworm-slim-$KEY
RUNTIME_IMAGE=rke-harden-standin/distroless-nodejs20-debian12:nonroot-$KEY
# Packages of the runtime (distroless base + cc): files only, no maintainer scripts, no binaries.
RUNTIME_PACKAGES=(libc6 libgcc-s1 libstdc++6 libssl3 ca-certificates tzdata)

WORK=
cleanup() { if [[ -n $WORK ]]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT
workdir() {
  if [[ -z $WORK ]]; then
    mkdir -p "$CACHE"
    WORK=$(mktemp -d "$CACHE/work.XXXXXX")
  fi
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The Debian rootfs both stand-ins come from (the slow, network-bound part: ~1-3 min).
make_rootfs() {
  [[ -s $ROOTFS_TAR ]] && return
  command -v debootstrap >/dev/null || { log "installing debootstrap"; apt_install debootstrap; }
  workdir
  log "debootstrap --variant=minbase $SUITE ($ARCH) from $MIRROR"
  debootstrap --variant=minbase --arch="$ARCH" --include=ca-certificates,tzdata \
    "$SUITE" "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
  # As the official slim images: no apt lists, no package cache.
  rm -rf "$WORK"/rootfs/var/lib/apt/lists/* "$WORK"/rootfs/var/cache/apt/*.bin "$WORK"/rootfs/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$WORK/rootfs" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$WORK/rootfs"
  log "rootfs cached in $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
}

# node:20-bookworm-slim: the rootfs with Node.js and npm in /usr/local, as the official image has them.
make_builder_tar() {
  local dir=$WORK/builder
  mkdir -p "$dir"
  tar --numeric-owner -C "$dir" -xf "$ROOTFS_TAR"
  install -D -m 755 "$NODE_BIN" "$dir/usr/local/bin/node"
  mkdir -p "$dir/usr/local/lib/node_modules"
  cp -a "$NPM_DIR" "$dir/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  # This machine's trust (NODE_EXTRA_CA_CERTS names it in the image).
  rm -f "$dir/etc/ssl/certs/ca-certificates.crt"
  cp -L "$HOST_CA" "$dir/etc/ssl/certs/ca-certificates.crt"
  # The official image's `node` user (uid 1000).
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$dir/etc/passwd"
  echo 'node:x:1000:' >>"$dir/etc/group"
  install -d -o 1000 -g 1000 "$dir/home/node"
  tar --numeric-owner -C "$dir" -cf "$BUILDER_TAR.tmp" .
  mv "$BUILDER_TAR.tmp" "$BUILDER_TAR"
  rm -rf "$dir"
}

# gcr.io/distroless/nodejs20-debian12:nonroot: shared libraries and data files only.
make_runtime_tar() {
  local from=$WORK/from dir=$WORK/runtime
  mkdir -p "$from" "$dir"
  tar --numeric-owner -C "$from" -xf "$ROOTFS_TAR"
  # Every file and link (not directory) of the packages, at its canonical path (the rootfs has a
  # merged /usr: /lib -> usr/lib...), but nothing under bin/, sbin/, libexec/ and no docs.
  local f canon
  chroot "$from" dpkg -L "${RUNTIME_PACKAGES[@]}" | sort -u |
    while IFS= read -r f; do
      [[ -n $f && ! -d $from$f && ( -L $from$f || -f $from$f ) ]] || continue
      canon=$(cd "$from$(dirname "$f")" && pwd -P)
      canon=${canon#"$from"}
      case $canon/ in */bin/* | */sbin/* | */libexec/* | /usr/share/doc/* | /usr/share/man/* | /usr/share/lintian/*) continue ;; esac
      mkdir -p "$dir$canon"
      cp -a "$from$f" "$dir$canon/"
    done
  for f in bin sbin lib lib64; do
    if [[ -L $from/$f ]]; then cp -a "$from/$f" "$dir/$f"; fi
  done
  # The CA bundle update-ca-certificates generated; os-release as a file.
  mkdir -p "$dir/etc/ssl/certs"
  cp -L "$from/etc/ssl/certs/ca-certificates.crt" "$dir/etc/ssl/certs/"
  cp -L "$from/etc/os-release" "$dir/etc/os-release"
  # Node.js where distroless puts it.
  install -D -m 755 "$NODE_BIN" "$dir/nodejs/bin/node"
  # Users, groups and home directories as distroless base-debian12.
  mkdir -p "$dir/etc" "$dir/root" "$dir/tmp" "$dir/home/nonroot"
  cat >"$dir/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat >"$dir/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
  printf 'hosts: files dns\n' >"$dir/etc/nsswitch.conf"
  chmod 700 "$dir/root" && chmod 1777 "$dir/tmp"
  chown 65532:65532 "$dir/home/nonroot" && chmod 700 "$dir/home/nonroot"
  if [[ -e $dir/bin/sh || -e $dir/usr/bin/sh ]]; then die "runtime stand-in has a shell"; fi
  tar --numeric-owner -C "$dir" -cf "$RUNTIME_TAR.tmp" .
  mv "$RUNTIME_TAR.tmp" "$RUNTIME_TAR"
  rm -rf "$from" "$dir"
}

# Stand-ins of other keys (an older Node.js, CA bundle or recipe): their images and tarballs go.
prune_stale() {
  local img d
  for img in $(docker image ls --format '{{.Repository}}:{{.Tag}}' 'rke-harden-standin/*'); do
    [[ $img == "$BUILDER_IMAGE" || $img == "$RUNTIME_IMAGE" ]] || docker image rm "$img" >/dev/null 2>&1 || true
  done
  for d in "$CACHE"/*/; do
    [[ -d $d && $(basename "$d") != "$KEY" && $(basename "$d") != work.* ]] && rm -rf "$d"
  done
  for d in "$CACHE"/rootfs-*.tar; do
    [[ -e $d && $d != "$ROOTFS_TAR" ]] && rm -f "$d"
  done
  return 0
}
prune_stale

if ! image_exists "$BUILDER_IMAGE" || ! image_exists "$RUNTIME_IMAGE"; then
  if [[ ! -s $BUILDER_TAR || ! -s $RUNTIME_TAR ]]; then
    make_rootfs
    workdir
    mkdir -p "$CACHE/$KEY"
    log "assembling the stand-ins ($KEY)"
    make_builder_tar
    make_runtime_tar
    log "stand-ins cached in $CACHE/$KEY ($(du -ch "$BUILDER_TAR" "$RUNTIME_TAR" | tail -n 1 | cut -f1))"
  else
    log "stand-in tarballs from the cache ($CACHE/$KEY)"
  fi
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' \
    --message "stand-in for node:20-bookworm-slim ($KEY)" \
    "$BUILDER_TAR" "$BUILDER_IMAGE" >/dev/null
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'USER 65532' \
    --change 'WORKDIR /home/nonroot' \
    --change 'ENTRYPOINT ["/nodejs/bin/node"]' \
    --message "stand-in for gcr.io/distroless/nodejs20-debian12:nonroot ($KEY)" \
    "$RUNTIME_TAR" "$RUNTIME_IMAGE" >/dev/null
  log "imported $BUILDER_IMAGE and $RUNTIME_IMAGE"
else
  log "stand-in images present ($KEY)"
fi

# ---------------------------------------------------------------------------------------------
# 3. The build. The default bridge network must reach the npm registry, else the host network.
NETWORK=()
if ! docker run --rm "$BUILDER_IMAGE" node -e '
  fetch("https://registry.npmjs.org/-/ping", { signal: AbortSignal.timeout(15000) })
    .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));' >/dev/null 2>&1; then
  log "the default bridge network does not reach registry.npmjs.org: building with --network host"
  NETWORK=(--network host)
fi
# Proxy settings, if any, as Docker's predefined build args.
PROXY_ARGS=()
for v in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
  if [[ -n ${!v:-} ]]; then PROXY_ARGS+=(--build-arg "$v"); fi
done
log "docker build -t $TAG"
# The classic builder: BuildKit would fetch the `# syntax=` frontend image from docker.io.
DOCKER_BUILDKIT=0 docker build --force-rm "${NETWORK[@]}" "${PROXY_ARGS[@]}" \
  --build-arg NODE_IMAGE="$BUILDER_IMAGE" \
  --build-arg RUNTIME_IMAGE="$RUNTIME_IMAGE" \
  -t "$TAG" . >&2
log "built $TAG ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
docker image inspect -f '{{.Id}}' "$TAG"
