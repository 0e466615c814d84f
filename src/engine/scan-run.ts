import type { Benchmark } from '../model/benchmark.js';
import type { ControlResult, ScanRun } from '../model/result.js';
import { STATUSES, type Status } from '../model/status.js';
import type { FactSnapshot } from '../model/fact.js';
import { TOOL_VERSION } from '../version.js';

export function summarise(results: ControlResult[]): Record<Status, number> {
  const s = Object.fromEntries(STATUSES.map((x) => [x, 0])) as Record<Status, number>;
  for (const r of results) s[r.status]++;
  return s;
}

/** One report over several targets; each result names its target (and benchmark when they differ). */
export function buildScanRun(parts: { benchmark: Benchmark; snapshot: FactSnapshot; results: ControlResult[] }[], startedAt: Date): ScanRun {
  const first = parts[0]!.benchmark;
  const results = parts.length === 1
    ? parts[0]!.results // one target (one audited file): nothing to merge or to label
    : parts.flatMap((p) => (p.benchmark.id === first.id ? p.results : p.results.map((r) => (r.benchmark === p.benchmark.id ? r : { ...r, benchmark: p.benchmark.id }))));
  return {
    schemaVersion: '1',
    tool: { name: 'rke-harden', version: TOOL_VERSION },
    benchmark: { id: first.id, distro: first.distro, cisVersion: first.cisVersion },
    benchmarks: [...new Map(parts.map((p) => [p.benchmark.id, { id: p.benchmark.id, distro: p.benchmark.distro, cisVersion: p.benchmark.cisVersion }])).values()],
    targets: parts.map((p) => ({
      kind: p.snapshot.target.kind,
      name: p.snapshot.target.name,
      benchmark: p.benchmark.id,
      ...(p.snapshot.k8sVersion ? { k8sVersion: p.snapshot.k8sVersion } : {}),
      ...(p.snapshot.k8sVersion && p.snapshot.k8sVersionFrom ? { k8sVersionFrom: p.snapshot.k8sVersionFrom } : {}),
    })),
    results,
    summary: summarise(results),
    // The targets of one file (a Rancher Cluster's machine sets) share its warnings: each is said once.
    warnings: [...new Set(parts.flatMap((p) => p.snapshot.warnings))],
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}
