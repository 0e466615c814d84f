#!/usr/bin/env bash
# `npm run build:sea`: one executable, build/sea/rke-harden, that runs the whole CLI (audit node
# included) on a Linux host without Node.js or node_modules: a Node single executable application.
#
#   1. esbuild bundles src/agent/entry.ts and its dependencies into one CommonJS file (Node 20's SEA
#      runs CommonJS); `import.meta.url` becomes a global that src/agent/sea-data.ts sets.
#   2. The data files (checks/, benchmarks/, distros/, data/, schemas/, package.json) become one SEA
#      asset (gzipped JSON); at run time they are written once to a private cache directory.
#   3. node --experimental-sea-config scripts/sea-config.json makes the blob; postject injects it
#      into a copy of this machine's node binary (same OS, architecture and glibc as the target).
#
# Needs: esbuild (node_modules/.bin) and postject (node_modules/.bin, or $POSTJECT).
# Output: build/sea/rke-harden (and the intermediate files beside it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=build/sea
log() { echo "build-sea: $*" >&2; }
START=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - START) / 1000000 )); }

ESBUILD=${ESBUILD:-node_modules/.bin/esbuild}
POSTJECT=${POSTJECT:-node_modules/.bin/postject}
[[ -x "$ESBUILD" ]] || { log "no esbuild at $ESBUILD (npm ci; or set ESBUILD)"; exit 1; }
[[ -x "$POSTJECT" ]] || { log "no postject at $POSTJECT (npm install --save-dev postject; or set POSTJECT)"; exit 1; }
NODE_BIN=$(command -v node)

rm -rf "$OUT"
mkdir -p "$OUT"

# 1. Bundle. Some dependencies probe for optional packages at load time (node-fetch: encoding; ws:
#    bufferutil, utf-8-validate — switched off by ws's own variables). A SEA's require() loads only
#    built-ins and warns on anything else: the banner answers such probes "not found" quietly.
BANNER='const __seaRequire = require; require = function (id) { if (!__seaRequire("node:module").isBuiltin(id)) { throw Object.assign(new Error("Cannot find module " + JSON.stringify(id) + " (not bundled)"), { code: "MODULE_NOT_FOUND" }); } return __seaRequire(id); };'
"$ESBUILD" src/agent/entry.ts \
  --bundle --platform=node --target=node20 --format=cjs \
  --define:import.meta.url=globalThis.__RKE_HARDEN_MODULE_URL \
  --define:process.env.WS_NO_BUFFER_UTIL='"1"' --define:process.env.WS_NO_UTF_8_VALIDATE='"1"' \
  --banner:js="$BANNER" \
  --legal-comments=external --log-level=warning \
  --outfile="$OUT/rke-harden.cjs"
log "bundled in $(ms) ms: $(( $(stat -c %s "$OUT/rke-harden.cjs") / 1024 )) KiB"

# 2. Data asset.
node --input-type=module - "$OUT/data.json.gz" <<'JS'
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
const files = {};
const add = (rel) => {
  const st = fs.statSync(rel);
  if (st.isDirectory()) for (const e of fs.readdirSync(rel).sort()) add(path.posix.join(rel, e));
  else if (st.isFile()) files[rel] = fs.readFileSync(rel).toString('base64');
};
for (const d of ['checks', 'benchmarks', 'distros', 'data', 'schemas', 'package.json']) add(d);
// The compiled catalog and data (npm run build) spare the executable the YAML parse at every start.
for (const compiled of ['dist/catalog.json', 'dist/data.json']) {
  if (fs.existsSync(compiled)) add(compiled);
  else console.error(`build-sea: no ${compiled} (npm run build first): the executable will parse its YAML at every start`);
}
fs.writeFileSync(process.argv[2], zlib.gzipSync(JSON.stringify({ files }), { level: 9 }));
console.error(`build-sea: ${Object.keys(files).length} data files`);
JS
log "data asset: $(( $(stat -c %s "$OUT/data.json.gz") / 1024 )) KiB"

# 3. Blob, inject.
node --experimental-sea-config scripts/sea-config.json >&2
cp "$NODE_BIN" "$OUT/rke-harden"
chmod u+w "$OUT/rke-harden"
"$POSTJECT" "$OUT/rke-harden" NODE_SEA_BLOB "$OUT/sea-prep.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >&2
"$OUT/rke-harden" --version >/dev/null
log "built $OUT/rke-harden ($(( $(stat -c %s "$OUT/rke-harden") / 1000000 )) MB, node $(node --version)) in $(ms) ms"
echo "$ROOT/$OUT/rke-harden"
