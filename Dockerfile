# syntax=docker/dockerfile:1
# rke-harden image: the CLI (audit, harden, agent) on Node.js 20, in a distroless runtime (no shell,
# no package manager), non-root by default (uid 65532). The node agent alone runs as root, set by
# the Helm chart's DaemonSet (it must read the components' 0600 files through read-only mounts).
#
#   docker build -t rke-harden:0.1.0 .
#   docker run --rm rke-harden:0.1.0 benchmarks
#
# Stages: deps (production node_modules) and build (tsc) on the full Node image, runtime distroless.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script (tsc) runs below, once the sources are there.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="rke-harden" \
      org.opencontainers.image.description="Audit and harden Rancher RKE1/RKE2 clusters against the CIS Kubernetes Benchmark" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
# The package layout the CLI expects: code in dist/, data beside it (src/catalog/paths.ts).
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY checks ./checks
COPY benchmarks ./benchmarks
COPY distros ./distros
COPY data ./data
COPY schemas ./schemas
USER 65532:65532
ENV NODE_ENV=production
# The distroless image's entrypoint is node itself.
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/rke-harden.js"]
CMD ["--help"]
