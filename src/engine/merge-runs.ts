import type { ScanRun } from '../model/result.js';
import { summarise } from './scan-run.js';
import { usageError } from '../errors/rke-harden-error.js';

/**
 * One report from the runs of several targets (`audit --config … --node … --cluster …`). Results
 * keep their target; a result whose benchmark differs from the first run's says which it is. Pure.
 */
export function mergeRuns(runs: ScanRun[]): ScanRun {
  const first = runs[0];
  if (!first) throw new Error('mergeRuns: no runs');
  if (runs.length === 1) return first;
  const lead = first.benchmark.id;
  const results = runs.flatMap((run) =>
    run.results.map((r) => {
      const own = r.benchmark ?? run.benchmark.id;
      if (own === lead) {
        const { benchmark: _drop, ...rest } = r;
        return rest;
      }
      return { ...r, benchmark: own };
    }),
  );
  const names = new Set<string>();
  for (const t of runs.flatMap((r) => r.targets)) {
    // Results are told apart by target name: two of one name would mix (a config file named like the node).
    if (names.has(t.name)) throw usageError(`two targets are named ${t.name} (${t.kind}): their results would mix in one report; audit them apart`);
    names.add(t.name);
  }
  const benchmarks = [...new Map(runs.flatMap((r) => r.benchmarks).map((b) => [b.id, b])).values()];
  return {
    schemaVersion: '1',
    tool: first.tool,
    benchmark: first.benchmark,
    benchmarks,
    targets: runs.flatMap((r) => r.targets),
    results,
    summary: summarise(results),
    warnings: [...new Set(runs.flatMap((r) => r.warnings))],
    startedAt: runs.map((r) => r.startedAt).sort()[0]!,
    finishedAt: runs.map((r) => r.finishedAt).sort().at(-1)!,
  };
}
