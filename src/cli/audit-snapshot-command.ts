import { loadCatalog, type Catalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId, selectBenchmark } from '../catalog/select-benchmark.js';
import { evaluateBenchmark } from '../engine/evaluate-benchmark.js';
import { buildScanRun } from '../engine/scan-run.js';
import { usageError } from '../errors/rke-harden-error.js';
import type { ScanRun } from '../model/result.js';
import { readSnapshotFile } from './snapshot-file.js';
import { TOOL_VERSION } from '../version.js';
import { mergeSectionTitles } from '../reporters/report-context.js';

/**
 * `audit snapshot <file…>`: evaluate saved fact snapshots offline. Each keeps its target's kind and
 * name, and its benchmark is the one the audit that collected it used (the `--benchmark` saved with
 * it, else chosen as that audit chose it, from distro and version), so the report equals that audit's,
 * and the same waivers match. `--benchmark` here replaces it.
 */
/** The saved profile, in this catalog (a snapshot from another version may name one it lacks). */
function resolveSaved(catalog: Catalog, id: string, file: string) {
  try {
    return resolveBenchmarkId(catalog, id);
  } catch (e) {
    throw usageError(`${file}: the snapshot was audited with benchmark ${id}, which this catalog does not have (${(e as Error).message}): pass --benchmark`);
  }
}

export function auditSnapshots(files: string[], opts: { benchmark?: string }): { run: ScanRun; sectionTitles: Record<string, string> } {
  const started = new Date();
  const catalog = loadCatalog();
  const chosen = opts.benchmark ? resolveBenchmarkId(catalog, opts.benchmark) : undefined;
  const names = new Map<string, string>();
  const parts = files.map((file) => {
    const snapshot = readSnapshotFile(file);
    if (snapshot.collectedBy !== undefined && snapshot.collectedBy !== TOOL_VERSION) {
      // Checks and defaults may have changed between the two: a verdict that differs from the original report can come from that.
      snapshot.warnings.push(`${file}: collected by rke-harden ${snapshot.collectedBy}, evaluated by ${TOOL_VERSION}`);
    }
    const same = names.get(snapshot.target.name);
    if (same !== undefined) throw usageError(`${file}: its target ${snapshot.target.name} is also ${same}'s: one snapshot per target`);
    names.set(snapshot.target.name, file);
    if (chosen && chosen.distro !== snapshot.distro) {
      throw usageError(`${file}: --benchmark ${chosen.id} is an ${chosen.distro.toUpperCase()} profile, but the snapshot is of an ${snapshot.distro.toUpperCase()} target`);
    }
    const saved = !chosen && snapshot.benchmark ? resolveSaved(catalog, snapshot.benchmark, file) : undefined;
    if (!chosen && !saved && !snapshot.k8sVersion) throw usageError(`${file}: the snapshot names no Kubernetes version: pass --benchmark`);
    const benchmark = chosen ?? saved ?? selectBenchmark(catalog, snapshot.distro, snapshot.k8sVersion!);
    return { benchmark, snapshot, results: evaluateBenchmark(benchmark, catalog.checks, snapshot) };
  });
  if (parts.length === 0) throw usageError('audit snapshot: name at least one snapshot file');
  const sectionTitles = mergeSectionTitles(parts.map((p) => p.benchmark.sectionTitles));
  return { run: buildScanRun(parts, started), sectionTitles };
}
