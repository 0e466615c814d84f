/**
 * The catalog compiled at build time into one JSON file (dist/catalog.json, written by
 * scripts/build-dist.mjs). Parsing ~180 YAML files and validating them costs about half a second at
 * every start, more than a whole node audit; JSON.parse of the validated result costs milliseconds.
 *
 * The file carries a fingerprint of the YAML it was compiled from (paths and contents). loadCatalog
 * recomputes it (about 15 ms; not when every file keeps the size and time the build listed) and ignores a file that does not match, so an edit to checks/ or
 * benchmarks/ after a build is never hidden by a stale compiled copy. In a checkout (src/ beside dist/),
 * so is an edit to the code that compiles it (src/catalog, src/model) that no build has followed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Benchmark } from '../model/benchmark.js';
import type { Check } from '../model/check.js';
import type { Catalog } from './catalog.js';
import { PACKAGE_ROOT } from './paths.js';
import { writeFileAtomic } from '../write-file-atomic.js';

export interface CatalogDirs {
  checks: string;
  benchmarks: string;
}

interface CompiledCatalog {
  fingerprint: string;
  /** catalogListing() at the build: while every file still has its size and modification time, the content is not hashed again. */
  listing?: string;
  /** catalogCodeFingerprint() at the build (absent in files written before it was recorded). */
  code?: string;
  checks: Check[];
  benchmarks: Benchmark[];
}

export const compiledCatalogFile = (): string => path.join(PACKAGE_ROOT, 'dist', 'catalog.json');

/** The files loadChecks and loadBenchmarks read, in their order: checks/<component>/<id>/check.yaml, benchmarks/*.yaml. */
function catalogFiles(dirs: CatalogDirs): string[] {
  const files: string[] = [];
  for (const component of fs.readdirSync(dirs.checks).sort()) {
    const componentDir = path.join(dirs.checks, component);
    if (!fs.statSync(componentDir).isDirectory()) continue;
    for (const name of fs.readdirSync(componentDir).sort()) files.push(path.join(componentDir, name, 'check.yaml'));
  }
  for (const name of fs.readdirSync(dirs.benchmarks).sort()) {
    if (name.endsWith('.yaml')) files.push(path.join(dirs.benchmarks, name));
  }
  return files;
}

export function catalogFingerprint(dirs: CatalogDirs): string {
  const hash = crypto.createHash('sha256');
  for (const file of catalogFiles(dirs)) {
    const rel = path.relative(path.dirname(dirs.checks), file);
    hash.update(`${rel}\0`);
    // A check folder without check.yaml is a catalog error the YAML loader reports: never compiled.
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : '\0missing');
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Each catalog file with its size and modification time: what a build saw, cheap to compare (stat only).
 * An edit changes the time (an editor, git, cp); only a content hash tells when the times differ (a
 * package unpacked with other times: then catalogFingerprint decides, as before).
 */
export function catalogListing(dirs: CatalogDirs): string {
  return catalogFiles(dirs)
    .map((file) => {
      const st = fs.statSync(file, { throwIfNoEntry: false });
      return `${path.relative(path.dirname(dirs.checks), file)}\t${st ? `${st.size}\t${st.mtimeMs}` : 'missing'}`;
    })
    .join('\n');
}

/**
 * The source of the code that validates and shapes the compiled catalog, when this is a checkout with
 * src/; undefined in an installed package (its dist/ code compiled the file it ships with).
 */
export function catalogCodeFingerprint(root = PACKAGE_ROOT): string | undefined {
  const dirs = ['src/catalog', 'src/model'].map((d) => path.join(root, d));
  if (!fs.existsSync(dirs[0]!)) return undefined;
  const hash = crypto.createHash('sha256');
  for (const dir of dirs) {
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.ts')).sort()) hash.update(`${name}\0`).update(fs.readFileSync(path.join(dir, name))).update('\0');
  }
  return hash.digest('hex');
}

export function writeCompiledCatalog(catalog: Catalog, fingerprint: string, file = compiledCatalogFile(), code = catalogCodeFingerprint(), listing?: string): void {
  const compiled: CompiledCatalog = { fingerprint, ...(listing ? { listing } : {}), ...(code ? { code } : {}), checks: [...catalog.checks.values()], benchmarks: [...catalog.benchmarks.values()] };
  writeFileAtomic(file, JSON.stringify(compiled), { mkdir: true });
}

/**
 * The compiled catalog when the file exists and was compiled from exactly this YAML; otherwise
 * undefined (in a checkout, also when the compiling code changed since). The fingerprint is computed only
 * when there is a file to compare it with (hashing the YAML costs ~10 ms that tests and unbuilt
 * checkouts need not pay).
 */
export function readCompiledCatalog(fingerprint: () => string, file = compiledCatalogFile(), code = catalogCodeFingerprint, listing?: () => string): Catalog | undefined {
  let compiled: CompiledCatalog;
  try {
    compiled = JSON.parse(fs.readFileSync(file, 'utf8')) as CompiledCatalog;
  } catch {
    return undefined;
  }
  const unchanged = compiled.listing !== undefined && listing !== undefined && compiled.listing === listing();
  if (!unchanged && compiled.fingerprint !== fingerprint()) return undefined;
  const source = code();
  if (source !== undefined && compiled.code !== source) return undefined;
  return {
    checks: new Map(compiled.checks.map((c) => [c.id, c])),
    cases: new Map(),
    benchmarks: new Map(compiled.benchmarks.map((b) => [b.id, b])),
  };
}
