import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type * as z from 'zod';
import { checkSchemas, type Case, type Check } from '../model/check.js';
import { profileSchemas, type Benchmark, type Control, type ProfileFile } from '../model/benchmark.js';
import { RkeHardenError } from '../errors/rke-harden-error.js';
import type { Catalog } from './catalog.js';
import { catalogFingerprint, catalogListing, readCompiledCatalog, type CatalogDirs } from './compiled-catalog.js';
import { dataDir } from './paths.js';
import { hasEvaluator } from '../engine/evaluators/registry.js';
import '../engine/evaluators/index.js';

export type { Catalog };

function zodErrors(file: string, error: z.ZodError): string[] {
  return error.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
}

function readYaml(file: string, errors: string[]): unknown {
  try {
    return parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    errors.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

/**
 * Checks under root, and with `withCases` their test cases (only the meta-tests need them: parsing them
 * costs seconds at every start). Problems are appended to errors.
 */
export function loadChecks(root: string, errors: string[], withCases = false): Pick<Catalog, 'checks' | 'cases'> {
  const checks = new Map<string, Check>();
  const cases = new Map<string, Case[]>();
  for (const component of fs.readdirSync(root).sort()) {
    const componentDir = path.join(root, component);
    if (!fs.statSync(componentDir).isDirectory()) continue;
    for (const name of fs.readdirSync(componentDir).sort()) {
      const dir = path.join(componentDir, name);
      const checkFile = path.join(dir, 'check.yaml');
      const parsed = checkSchemas().CheckSchema.safeParse(readYaml(checkFile, errors));
      if (!parsed.success) {
        errors.push(...zodErrors(checkFile, parsed.error));
        continue;
      }
      const check = parsed.data;
      if (check.id !== name) errors.push(`${checkFile}: id ${check.id} differs from its folder name ${name}`);
      if (check.component !== component) errors.push(`${checkFile}: component ${check.component} differs from its folder ${component}`);
      if (checks.has(check.id)) errors.push(`${checkFile}: duplicate check id ${check.id}`);
      if (check.evaluator && !hasEvaluator(check.evaluator)) errors.push(`${checkFile}: no evaluator named ${check.evaluator}`);
      checks.set(check.id, check);
      if (!withCases) continue;
      const casesFile = path.join(dir, 'cases.yaml');
      if (!fs.existsSync(casesFile)) {
        errors.push(`${casesFile}: missing (every check has pass, fail and missing cases)`);
        continue;
      }
      const parsedCases = checkSchemas().CasesSchema.safeParse(readYaml(casesFile, errors));
      if (parsedCases.success) cases.set(check.id, parsedCases.data);
      else errors.push(...zodErrors(casesFile, parsedCases.error));
    }
  }
  return { checks, cases };
}

/** Apply a profile overlay on its parent's controls; every override must name an existing control. */
function applyOverlay(file: string, parent: Control[], p: ProfileFile, errors: string[]): Control[] {
  const byId = new Map(parent.map((c) => [c.id, { ...c }]));
  for (const id of p.remove ?? []) {
    if (!byId.delete(id)) errors.push(`${file}: remove: no control ${id} in ${p.extends}`);
  }
  for (const o of p.override ?? []) {
    const base = byId.get(o.id);
    if (!base) {
      errors.push(`${file}: override: no control ${o.id} in ${p.extends}`);
      continue;
    }
    const merged: Control = { ...base, ...o };
    // A binding override replaces the other bindings.
    if (o.check !== undefined || o.manual !== undefined || o.notApplicable !== undefined) {
      merged.check = o.check;
      merged.manual = o.manual;
      merged.notApplicable = o.notApplicable;
    }
    byId.set(o.id, merged);
  }
  for (const c of p.add ?? []) {
    if (byId.has(c.id)) errors.push(`${file}: add: control ${c.id} already exists`);
    byId.set(c.id, c);
  }
  return [...byId.values()].sort((a, b) => compareControlIds(a.id, b.id));
}

export function compareControlIds(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function loadBenchmarks(root: string, checks: Map<string, Check>, errors: string[]): Map<string, Benchmark> {
  const files = new Map<string, { file: string; profile: ProfileFile }>();
  for (const name of fs.readdirSync(root).filter((f) => f.endsWith('.yaml')).sort()) {
    const file = path.join(root, name);
    const parsed = profileSchemas().ProfileFileSchema.safeParse(readYaml(file, errors));
    if (!parsed.success) {
      errors.push(...zodErrors(file, parsed.error));
      continue;
    }
    if (parsed.data.id + '.yaml' !== name) errors.push(`${file}: id ${parsed.data.id} differs from the file name`);
    files.set(parsed.data.id, { file, profile: parsed.data });
  }
  const resolved = new Map<string, Benchmark>();
  const resolve = (id: string, chain: string[]): Benchmark | undefined => {
    const done = resolved.get(id);
    if (done) return done;
    const entry = files.get(id);
    if (!entry) return undefined;
    const { file, profile } = entry;
    if (chain.includes(id)) {
      errors.push(`${file}: extends cycle ${[...chain, id].join(' -> ')}`);
      return undefined;
    }
    let controls: Control[];
    let sectionTitles = profile.sectionTitles ?? {};
    if (profile.extends) {
      const parent = resolve(profile.extends, [...chain, id]);
      if (!parent) {
        errors.push(`${file}: extends unknown profile ${profile.extends}`);
        return undefined;
      }
      if (profile.controls) errors.push(`${file}: a profile that extends another lists overrides, not controls`);
      controls = applyOverlay(file, parent.controls, profile, errors);
      sectionTitles = { ...parent.sectionTitles, ...sectionTitles };
    } else {
      if (!profile.controls) {
        errors.push(`${file}: a base profile lists its controls`);
        return undefined;
      }
      controls = profile.controls;
    }
    const seen = new Set<string>();
    for (const c of controls) {
      if (seen.has(c.id)) errors.push(`${file}: duplicate control id ${c.id}`);
      seen.add(c.id);
      if (c.check && !checks.has(c.check)) errors.push(`${file}: control ${c.id} binds unknown check ${c.check}`);
    }
    const benchmark: Benchmark = {
      id,
      distro: profile.distro,
      cisVersion: profile.cisVersion,
      variant: profile.variant,
      description: profile.description,
      controls: inReadingOrder(controls),
      sectionTitles,
      ...(profile.selects ? { selects: profile.selects } : {}),
    };
    resolved.set(id, benchmark);
    return benchmark;
  };
  for (const id of files.keys()) resolve(id, []);
  return resolved;
}

/**
 * Controls in the order of their ids (0.1 < 1.1.9 < 1.1.10 < 1.2.1): reports group them by section, and
 * some upstream profiles list a section's controls in two places (kube-bench's rke-cis-1.23 puts 1.1.11
 * after 1.4), or our host requirements (section 0) last.
 */
function inReadingOrder(controls: Control[]): Control[] {
  const key = (id: string) => id.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
  return [...controls].sort((a, b) => {
    const [x, y] = [key(a.id), key(b.id)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const d = (x[i] ?? -1) - (y[i] ?? -1);
      if (d) return d;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; // ids that are not all numbers: by text
  });
}

let cached: Catalog | undefined;

const defaultDirs = (): CatalogDirs => ({ checks: dataDir('checks'), benchmarks: dataDir('benchmarks') });

/** Parse and strictly validate the YAML catalog; all problems are reported at once. */
export function loadCatalogFromYaml(dirs: CatalogDirs = defaultDirs(), opts: { withCases?: boolean } = {}): Catalog {
  const errors: string[] = [];
  const { checks, cases } = loadChecks(dirs.checks, errors, opts.withCases);
  const benchmarks = loadBenchmarks(dirs.benchmarks, checks, errors);
  if (errors.length > 0) {
    throw new RkeHardenError('catalog', `invalid catalog (${errors.length} problems):\n  ${errors.join('\n  ')}`);
  }
  return { checks, cases, benchmarks };
}

/**
 * The catalog of this package, loaded once per process: the build's compiled copy when it matches the
 * YAML (compiled-catalog.ts), otherwise the YAML itself. Other directories and the test cases always
 * come from YAML.
 */
export function loadCatalog(dirs: CatalogDirs = defaultDirs(), opts: { withCases?: boolean } = {}): Catalog {
  const ours = dirs.checks === dataDir('checks') && dirs.benchmarks === dataDir('benchmarks') && !opts.withCases;
  if (!ours) return loadCatalogFromYaml(dirs, opts);
  cached ??= readCompiledCatalog(() => catalogFingerprint(dirs), undefined, undefined, () => catalogListing(dirs)) ?? loadCatalogFromYaml(dirs);
  return cached;
}
