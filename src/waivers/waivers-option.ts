import type { ScanRun } from '../model/result.js';
import { loadCatalog, type Catalog } from '../catalog/load-catalog.js';
import { applyWaivers } from './apply-waivers.js';
import { loadWaivers } from './load-waivers.js';

/** The ids a waiver file may name: every check, and every control id of any benchmark. */
export function knownIds(catalog: Catalog): { checks: Set<string>; controls: Set<string> } {
  return {
    checks: new Set(catalog.checks.keys()),
    controls: new Set([...catalog.benchmarks.values()].flatMap((b) => b.controls.map((c) => c.id))),
  };
}

/** `--waivers FILE` of the audit and report commands: the run with the file's waivers applied as of now. */
export function withWaivers(run: ScanRun, file: string | undefined, now = new Date()): ScanRun {
  if (!file) return run;
  return applyWaivers(run, loadWaivers(file, knownIds(loadCatalog())), now).run;
}
