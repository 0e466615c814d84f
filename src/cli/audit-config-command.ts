import { loadCatalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId, selectBenchmark } from '../catalog/select-benchmark.js';
import { loadConfigTargets, type ConfigOptions } from '../config/load-config-targets.js';
import { evaluateBenchmark } from '../engine/evaluate-benchmark.js';
import { buildScanRun } from '../engine/scan-run.js';
import type { ScanRun } from '../model/result.js';

export interface AuditConfigOptions extends ConfigOptions {
  benchmark?: string;
}

/** `audit config`: evaluate each configuration file against its benchmark. */
export function auditConfig(paths: string[], opts: AuditConfigOptions): { run: ScanRun; sectionTitles: Record<string, string> } {
  const started = new Date();
  // Input first: a bad file is the user's error (exit 2) whatever else is wrong.
  const { snapshots, skipped } = loadConfigTargets(paths, opts);
  const catalog = loadCatalog();
  const parts = snapshots.map((snapshot) => {
    const benchmark = opts.benchmark
      ? resolveBenchmarkId(catalog, opts.benchmark)
      : selectBenchmark(catalog, snapshot.distro, snapshot.k8sVersion!);
    return { benchmark, snapshot, results: evaluateBenchmark(benchmark, catalog.checks, snapshot) };
  });
  const run = buildScanRun(parts, started);
  if (skipped.length) run.warnings.push(...skipped.map((f) => `${f}: not a cluster configuration, skipped`));
  const sectionTitles = Object.assign({}, ...parts.map((p) => p.benchmark.sectionTitles)) as Record<string, string>;
  return { run, sectionTitles };
}
