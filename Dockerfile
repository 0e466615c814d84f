# syntax=docker/dockerfile:1
# rke-harden image: the CLI (audit, harden, agent) on Node.js 20, in a distroless runtime (no shell,
# no package manager), non-root by default (uid 65532). The node agent alone runs as root, set by
# the Helm chart's DaemonSet (it must read the components' 0600 files through read-only mounts).
#
#   docker build -t rke-harden:0.1.0 .
#   docker run --rm rke-harden:0.1.0 benchmarks
#
# Stages: deps (npm ci) and build (tsc, then scripts/build-dist.mjs: the catalog compiled to one JSON
# file, the YAML data parsed into another, and the CLI bundled by esbuild with every dependency) on the full Node image; the runtime is
# distroless with the bundle, the data and no node_modules at all.
# Built and tested for real in CI by scripts/ci-image.sh (with local stand-ins for the two base
# images there: scripts/build-image.sh); the build args below stay the interface.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script (the build) runs in the build stage, once the sources are there.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-dist.mjs ./scripts/
# The catalog is validated and compiled here: a broken check fails the image build. The YAML data
# (distros, data) is parsed into dist/data.json; schemas go straight to the runtime stage.
COPY checks ./checks
COPY benchmarks ./benchmarks
COPY distros ./distros
COPY data ./data
RUN npx tsc -p tsconfig.build.json --declaration false --sourceMap false && node scripts/build-dist.mjs

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="rke-harden" \
      org.opencontainers.image.description="Audit and harden Rancher RKE1/RKE2 clusters against the CIS Kubernetes Benchmark" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
# The package layout the CLI expects: code in dist/, data beside it (src/catalog/paths.ts). The
# bundle carries its dependencies: no node_modules. Least changing first: data, then code.
COPY checks ./checks
COPY benchmarks ./benchmarks
COPY distros ./distros
COPY data ./data
COPY schemas ./schemas
COPY package.json ./
COPY bin ./bin
COPY --from=build /src/dist/bundle ./dist/bundle
COPY --from=build /src/dist/catalog.json ./dist/catalog.json
COPY --from=build /src/dist/data.json ./dist/data.json
USER 65532:65532
ENV NODE_ENV=production
# The distroless image's entrypoint is node itself.
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/rke-harden.js"]
CMD ["--help"]
