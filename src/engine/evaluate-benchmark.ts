import type { Benchmark } from '../model/benchmark.js';
import type { Check } from '../model/check.js';
import type { FactSnapshot } from '../model/fact.js';
import type { ControlResult } from '../model/result.js';
import { evaluateCheck } from './evaluate-check.js';

/** Evaluate every control of a benchmark on one snapshot. Pure. */
export function evaluateBenchmark(benchmark: Benchmark, checks: Map<string, Check>, snap: FactSnapshot): ControlResult[] {
  return benchmark.controls.map((control): ControlResult => {
    const base = {
      controlId: control.id,
      title: control.title,
      section: control.section,
      scored: control.scored,
      target: snap.target.name,
    };
    if (control.notApplicable !== undefined) {
      return { ...base, status: 'notApplicable', evidence: [], reason: control.notApplicable };
    }
    if (control.manual !== undefined || !control.check) {
      return { ...base, status: 'manual', evidence: [], reason: control.manual ?? 'no check bound' };
    }
    const check = checks.get(control.check)!;
    const outcome = evaluateCheck(check, snap);
    return {
      ...base,
      checkId: check.id,
      status: outcome.status,
      evidence: outcome.evidence,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      remediation: check.remediation[snap.distro].text,
    };
  });
}
