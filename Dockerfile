# syntax=docker/dockerfile:1
# rke-harden image: the CLI (audit, harden, agent) on Node.js 20, in a distroless runtime (no shell,
# no package manager), non-root by default (uid 65532). The node agent alone runs as root, set by
# the Helm chart's DaemonSet (it must read the components' 0600 files through read-only mounts).
#
#   docker build -t rke-harden:0.1.0 .
#   docker run --rm rke-harden:0.1.0 benchmarks
#
# Stages, on the full Node image: deps (npm ci, once), build (tsc), prod (deps pruned to the
# production dependencies); the runtime is distroless with prod's node_modules and build's dist/.
# Built and tested for real in CI by scripts/ci-image.sh (with local stand-ins for the two base
# images there: scripts/build-image.sh); the build args below stay the interface.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script (tsc) runs in the build stage, once the sources are there.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# No declarations or source maps: nothing in the image reads them.
RUN npx tsc -p tsconfig.build.json --declaration false --sourceMap false

# Production dependencies only, from the same install (no second download); depends on the
# package files alone, so a source change rebuilds only the build stage. Then without what only
# compilers and editors read (type declarations, source maps, TypeScript sources, docs): about half
# of node_modules' bytes; Node.js loads none of them.
FROM deps AS prod
RUN npm prune --omit=dev --no-audit --no-fund \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
      -o \( -name '*.ts' ! -name '*.d.ts' \) -o -iname '*.md' -o -iname '*.markdown' \) -delete \
 && find node_modules -depth -type d -empty -delete

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="rke-harden" \
      org.opencontainers.image.description="Audit and harden Rancher RKE1/RKE2 clusters against the CIS Kubernetes Benchmark" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
# The package layout the CLI expects: code in dist/, data beside it (src/catalog/paths.ts).
# Least changing first: dependencies, data, then code.
COPY --from=prod /src/node_modules ./node_modules
COPY checks ./checks
COPY benchmarks ./benchmarks
COPY distros ./distros
COPY data ./data
COPY schemas ./schemas
COPY package.json ./
COPY bin ./bin
COPY --from=build /src/dist ./dist
USER 65532:65532
ENV NODE_ENV=production
# The distroless image's entrypoint is node itself.
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/rke-harden.js"]
CMD ["--help"]
