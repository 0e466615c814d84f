// The second half of `npm run build`, after tsc has compiled src/ into dist/:
//   1. dist/catalog.json: the catalog validated and compiled into one JSON file (src/catalog/compiled-catalog.ts),
//      and dist/data.json: the YAML of distros/ and data/ parsed (src/catalog/package-yaml.ts);
//   2. dist/bundle/: the CLI (main.js) and the library (index.js) bundled by esbuild, plus the chunks their
//      commands import on demand.
// Both exist for start-up time: bin/rke-harden.js runs the bundle when it is there (it falls back to
// dist/cli/main.js), and a node audit takes less time than loading ~400 modules one by one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();

const { loadCatalogFromYaml } = await import(path.join(root, 'dist/catalog/load-catalog.js'));
const { catalogFingerprint, catalogListing, catalogCodeFingerprint, writeCompiledCatalog, compiledCatalogFile } = await import(path.join(root, 'dist/catalog/compiled-catalog.js'));
const dirs = { checks: path.join(root, 'checks'), benchmarks: path.join(root, 'benchmarks') };
const catalog = loadCatalogFromYaml(dirs);
writeCompiledCatalog(catalog, catalogFingerprint(dirs), compiledCatalogFile(), catalogCodeFingerprint(), catalogListing(dirs));
const { writeCompiledData } = await import(path.join(root, 'dist/catalog/package-yaml.js'));
const dataFiles = writeCompiledData();

const outdir = path.join(root, 'dist/bundle');
fs.rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: path.join(root, 'src/cli/main.ts'), index: path.join(root, 'src/index.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies written as CommonJS call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // ws probes for optional native add-ons at load time; its own switches turn the probes off.
  define: { 'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"' },
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'external',
  logLevel: 'warning',
});
const size = fs.readdirSync(outdir).reduce((n, f) => n + fs.statSync(path.join(outdir, f)).size, 0);
console.error(`build-dist: catalog (${catalog.checks.size} checks, ${catalog.benchmarks.size} profiles), data (${dataFiles} files) and bundle (${(size / 1048576).toFixed(1)} MiB) in ${Date.now() - started} ms`);
