import type { Benchmark } from '../model/benchmark.js';
import type { Check } from '../model/check.js';
import type { FactSnapshot } from '../model/fact.js';
import type { ControlResult } from '../model/result.js';
import { evaluateCheck } from './evaluate-check.js';
import { parseK8sVersion } from '../config/k8s-version.js';
import { cisProfileFor } from '../config/rke2/rke2-profiles.js';
import { oncePerKey } from '../once-per-object.js';
import { remediationText } from '../remediation/fixed-by-harden-node.js';

/** Where RKE2 remediations say a setting goes; a target whose settings are elsewhere (settingsIn) gets that instead. */
const RKE2_CONFIG = '/etc/rancher/rke2/config.yaml';
/** `profile: cis` in an RKE2 remediation, not `profile: cis-1.23`. */
const CIS_PROFILE = /profile: cis(?![-\w])/g;

// Remediation texts are the catalog's: whether one names config.yaml or the profile is asked once per text.
const mentionsSettings = oncePerKey((text) => text.includes(RKE2_CONFIG) || new RegExp(CIS_PROFILE.source).test(text));

/**
 * RKE2 remediation text for this target: its settings file when not config.yaml (a Rancher Cluster),
 * and the `profile` value its RKE2 release accepts for CIS mode (`cis-1.6` up to 1.24: RKE2 refuses
 * to start with `cis` there).
 */
function rke2RemediationText(snap: FactSnapshot): ((text: string) => string) | undefined {
  let profile = 'cis';
  try {
    if (snap.k8sVersion) profile = cisProfileFor(parseK8sVersion(snap.k8sVersion));
  } catch {
    // a version the audit already reported as unreadable: the text as written
  }
  if (profile === 'cis' && !snap.settingsIn) return undefined;
  return (text) => {
    if (!mentionsSettings(text)) return text;
    const t = snap.settingsIn ? text.replaceAll(RKE2_CONFIG, snap.settingsIn) : text;
    return profile === 'cis' ? t : t.replace(CIS_PROFILE, `profile: ${profile}`);
  };
}

/** Evaluate every control of a benchmark on one snapshot. Pure. */
export function evaluateBenchmark(benchmark: Benchmark, checks: Map<string, Check>, snap: FactSnapshot): ControlResult[] {
  const target = snap.target.name;
  const rke2Text = snap.distro === 'rke2' ? rke2RemediationText(snap) : undefined;
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
      const { status, evidence, reason } = outcome;
      const text = remediationText(check, snap.distro);
      const remediation = rke2Text ? rke2Text(text) : text;
      // Two literals, each with its final shape: properties added later cost a shape change per result.
      const severity = check.severity;
      results[i] = reason
        ? { controlId, title, section, scored, target, checkId: check.id, severity, status, evidence, reason, remediation }
        : { controlId, title, section, scored, target, checkId: check.id, severity, status, evidence, remediation };
    }
  });
  return results;
}
