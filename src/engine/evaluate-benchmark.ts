import type { Benchmark } from '../model/benchmark.js';
import type { Check } from '../model/check.js';
import type { FactSnapshot } from '../model/fact.js';
import type { ControlResult } from '../model/result.js';
import { evaluateCheck } from './evaluate-check.js';

/** Where RKE2 remediations say a setting goes; a target whose settings are elsewhere (settingsIn) gets that instead. */
const RKE2_CONFIG = '/etc/rancher/rke2/config.yaml';

/** Evaluate every control of a benchmark on one snapshot. Pure. */
export function evaluateBenchmark(benchmark: Benchmark, checks: Map<string, Check>, snap: FactSnapshot): ControlResult[] {
  const target = snap.target.name;
  const results: ControlResult[] = new Array(benchmark.controls.length);
  // Object literals with every key written out, not spreads: this loop runs once per control per audited
  // file, and spread copies cost several times as much (bench/config).
  benchmark.controls.forEach((control, i) => {
    const { id: controlId, title, section, scored } = control;
    if (control.notApplicable !== undefined) {
      results[i] = { controlId, title, section, scored, target, status: 'notApplicable', evidence: [], reason: control.notApplicable };
    } else if (control.manual !== undefined || !control.check) {
      results[i] = { controlId, title, section, scored, target, status: 'manual', evidence: [], reason: control.manual ?? 'no check bound' };
    } else {
      const check = checks.get(control.check)!;
      const outcome = evaluateCheck(check, snap);
      const result: ControlResult = { controlId, title, section, scored, target, checkId: check.id, status: outcome.status, evidence: outcome.evidence };
      if (outcome.reason) result.reason = outcome.reason;
      const text = check.remediation[snap.distro].text;
      result.remediation = snap.settingsIn ? text.replaceAll(RKE2_CONFIG, snap.settingsIn) : text;
      results[i] = result;
    }
  });
  return results;
}
