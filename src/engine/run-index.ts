import type { ControlResult, ScanRun } from '../model/result.js';

type Target = ScanRun['targets'][number];

/** The benchmark a result was evaluated against. */
export function benchmarkOf(run: ScanRun, r: ControlResult): string {
  return r.benchmark ?? targetOf(run, r)?.benchmark ?? run.benchmark.id;
}

// Indexes of a run, built once per run's lists: a directory audit has thousands of targets and hundreds
// of thousands of results, and a search of the targets per result (or of the results per target) made a
// report take longer than the audit (bench/config).
const targetIndexes = new WeakMap<Target[], Map<string, Target>>();
const resultIndexes = new WeakMap<ControlResult[], Map<string, ControlResult[]>>();

export function targetOf(run: ScanRun, r: ControlResult): Target | undefined {
  let byName = targetIndexes.get(run.targets);
  if (!byName) {
    byName = new Map();
    for (const t of run.targets) if (!byName.has(t.name)) byName.set(t.name, t);
    targetIndexes.set(run.targets, byName);
  }
  return byName.get(r.target);
}

/** A target's results, in the run's order. */
export function resultsOf(run: ScanRun, target: Target): ControlResult[] {
  let byTarget = resultIndexes.get(run.results);
  if (!byTarget) {
    byTarget = new Map();
    for (const r of run.results) {
      const rs = byTarget.get(r.target);
      if (rs) rs.push(r);
      else byTarget.set(r.target, [r]);
    }
    resultIndexes.set(run.results, byTarget);
  }
  return byTarget.get(target.name) ?? [];
}
