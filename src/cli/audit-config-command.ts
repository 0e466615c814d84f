import { loadCatalog } from '../catalog/load-catalog.js';
import { inputError, usageError } from '../errors/rke-harden-error.js';
import { resolveBenchmarkId, selectBenchmark } from '../catalog/select-benchmark.js';
import { loadConfigTargets, type ConfigOptions } from '../config/load-config-targets.js';
import { evaluateBenchmark } from '../engine/evaluate-benchmark.js';
import { unreadableConfigSnapshot } from '../config/unreadable-config-snapshot.js';
import { buildScanRun } from '../engine/scan-run.js';
import type { Benchmark } from '../model/benchmark.js';
import type { FactSnapshot } from '../model/fact.js';
import type { ControlResult, ScanRun } from '../model/result.js';
import { mergeSectionTitles } from '../reporters/report-context.js';

export interface AuditConfigOptions extends ConfigOptions {
  benchmark?: string;
}

/** `audit config`: evaluate each configuration file against its benchmark, file by file. */
export function auditConfig(paths: string[], opts: AuditConfigOptions): { run: ScanRun; sectionTitles: Record<string, string> } {
  const started = new Date();
  const catalog = loadCatalog();
  const chosen = opts.benchmark ? resolveBenchmarkId(catalog, opts.benchmark) : undefined;
  const parts: { benchmark: Benchmark; snapshot: FactSnapshot; results: ControlResult[] }[] = [];
  const { skipped, unreadable } = loadConfigTargets(paths, opts, (snapshot) => {
    if (chosen && chosen.distro !== snapshot.distro) {
      // An RKE1 cluster.yml against an RKE2 profile fails controls that cannot apply to it.
      throw usageError(`${snapshot.target.name}: --benchmark ${chosen.id} is an ${chosen.distro.toUpperCase()} profile, but this is an ${snapshot.distro.toUpperCase()} configuration`);
    }
    const benchmark = chosen ?? selectBenchmark(catalog, snapshot.distro, snapshot.k8sVersion!);
    const results = evaluateBenchmark(benchmark, catalog.checks, snapshot);
    // Results of another benchmark than the run's first are labelled with theirs (buildScanRun would copy them to).
    const first = parts[0]?.benchmark.id ?? benchmark.id;
    if (benchmark.id !== first) for (const r of results) r.benchmark = benchmark.id;
    // The snapshot is kept for its target and warnings only: its facts are not needed any more.
    parts.push({ benchmark, snapshot: { ...snapshot, facts: {} }, results });
  });
  // A file of a directory that could not be read is a target whose controls are errors (exit 3), against
  // the run's benchmark: its own distro and version are what could not be read.
  for (const { file, reason } of unreadable) {
    const benchmark = chosen ?? parts[0]?.benchmark;
    if (!benchmark) throw inputError(unreadable.length > 1 ? `${reason} (and ${unreadable.length - 1} more files could not be read)` : reason);
    const snapshot = unreadableConfigSnapshot(file, reason, benchmark.distro, catalog.checks.values());
    snapshot.warnings.push(`${reason}: this file is not audited, its controls are errors (scan incomplete)`);
    parts.push({ benchmark, snapshot, results: evaluateBenchmark(benchmark, catalog.checks, snapshot) });
  }
  const run = buildScanRun(parts, started);
  run.warnings.push(...skipped.map((s) => s.warning));
  const sectionTitles = mergeSectionTitles(parts.map((p) => p.benchmark.sectionTitles));
  return { run, sectionTitles };
}
