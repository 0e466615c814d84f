/**
 * 5.2.1: every namespace that is not exempt has an active policy control: a Pod Security Admission
 * enforce level of baseline or restricted, from its label or from the cluster-wide admission default
 * (fact admission.PodSecurity.defaults.enforce, known from audit config/node, not visible through the
 * API). PodSecurityPolicy objects (Kubernetes < 1.25) count as a cluster-wide mechanism when the
 * admission plugin is on: pods it admitted carry `kubernetes.io/psp`; objects left behind after the
 * plugin was turned off (no pod carries it) are manual, not a pass. Namespaces left
 * unprotected fail; when a pod-validating webhook (Kyverno, Gatekeeper, …) exists or the default is
 * unknown, the result is manual with the namespaces named.
 */
import type { Check } from '../../../model/check.js';
import type { FactSnapshot } from '../../../model/fact.js';
import type { Evidence } from '../../../model/result.js';
import { registerEvaluator } from '../registry.js';
import { apiEvidence, capList } from './evidence.js';
import { EXEMPTION_FACTS, Exemptions } from './exemptions.js';
import { readFacts } from './read-facts.js';

export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const DEFAULTS = 'admission.PodSecurity.defaults.enforce';
const restrictive = (level: string | undefined): boolean => level === 'baseline' || level === 'restricted';

/** Whether the PodSecurityPolicy plugin admitted the pods; undefined when the pods were not collected (or none run). */
function pspAdmission(snap: FactSnapshot, check: Check): { observed: string; none: boolean } | undefined {
  const read = readFacts(snap, check, ['cluster.pods']);
  if ('outcome' in read || read.facts['cluster.pods'].length === 0) return undefined;
  const pods = read.facts['cluster.pods'];
  const annotated = pods.filter((p) => p.pspAnnotation !== undefined);
  return annotated.length
    ? { observed: `${annotated.length} of ${pods.length} pods carry kubernetes.io/psp (${capList([...new Set(annotated.map((p) => p.pspAnnotation!))])})`, none: false }
    : { observed: `none of ${pods.length} pods carries kubernetes.io/psp`, none: true };
}

registerEvaluator('psa-policy-enforced-in-every-namespace', (snap, check) => {
  const read = readFacts(snap, check, ['cluster.namespaces'], [
    ...EXEMPTION_FACTS, DEFAULTS, 'cluster.podsecuritypolicies', 'cluster.validatingwebhookconfigurations',
  ]);
  if ('outcome' in read) return read.outcome;
  const f = read.facts;
  const exemptions = new Exemptions(f);
  const defaultLevel = f[DEFAULTS];
  const labelled: string[] = [];
  const viaDefault: string[] = [];
  const privileged: string[] = [];
  const unprotected: string[] = [];
  const unknown: string[] = [];
  const exempt: string[] = [];
  for (const ns of f['cluster.namespaces']) {
    const level = ns.labels?.[ENFORCE_LABEL];
    const why = exemptions.namespace(ns.name);
    if (why) exempt.push(`${ns.name} (${level ?? 'no label'}; exempt: ${why})`);
    else if (restrictive(level)) labelled.push(`${ns.name}=${level}`);
    else if (level === 'privileged') privileged.push(ns.name);
    else if (restrictive(defaultLevel)) viaDefault.push(ns.name);
    else if (defaultLevel !== undefined) unprotected.push(ns.name);
    else unknown.push(ns.name);
  }
  const psps = f['cluster.podsecuritypolicies'] ?? [];
  const webhooks = (f['cluster.validatingwebhookconfigurations'] ?? []).filter((w) => w.interceptsPods).map((w) => w.name);
  const expected = `${ENFORCE_LABEL}=baseline|restricted on every non-exempt namespace, or a cluster-wide default of baseline/restricted`;
  const evidence: Evidence[] = [apiEvidence('cluster.namespaces', `enforced by label: ${capList(labelled)}`, expected)];
  if (viaDefault.length) evidence.push({ fact: DEFAULTS, observed: `${defaultLevel} covers ${capList(viaDefault)}`, expected: 'baseline or restricted', source: snap.facts[DEFAULTS]?.source ?? 'config' });
  if (privileged.length) evidence.push(apiEvidence('cluster.namespaces', `labelled privileged: ${capList(privileged)}`, expected));
  if (unprotected.length) evidence.push({ fact: DEFAULTS, observed: `${defaultLevel}; unlabelled: ${capList(unprotected)}`, expected: 'baseline or restricted', source: snap.facts[DEFAULTS]?.source ?? 'config' });
  if (unknown.length) evidence.push(apiEvidence('cluster.namespaces', `no enforce label: ${capList(unknown)}`, expected));
  if (exempt.length) evidence.push(apiEvidence('cluster.exemptions.namespaces', `exempt: ${capList(exempt)}`, 'reported, not judged'));
  if (psps.length) evidence.push(apiEvidence('cluster.podsecuritypolicies', `PodSecurityPolicy in use: ${capList(psps.map((p) => p.name))}`, 'a cluster-wide policy mechanism'));
  if (webhooks.length) evidence.push(apiEvidence('cluster.validatingwebhookconfigurations', `pod-validating webhooks: ${capList(webhooks)}`, 'a policy engine may cover the namespaces above'));

  const gaps = [...privileged, ...unprotected];
  if (psps.length) {
    const admitted = pspAdmission(snap, check);
    if (admitted) evidence.push(apiEvidence('cluster.pods', admitted.observed, 'pods admitted under a PodSecurityPolicy (kubernetes.io/psp)'));
    if (admitted?.none) {
      return { status: 'manual', evidence, reason: 'PodSecurityPolicy objects exist but no pod carries kubernetes.io/psp: the admission plugin looks off; check --enable-admission-plugins (audit node or audit config)' };
    }
    return { status: 'pass', evidence };
  }
  if (gaps.length && !webhooks.length) return { status: 'fail', evidence };
  if (gaps.length) {
    return { status: 'manual', evidence, reason: `no PSA enforcement in ${capList(gaps)}: confirm the policy webhook(s) ${capList(webhooks)} cover them` };
  }
  if (unknown.length) {
    return {
      status: 'manual',
      evidence,
      reason: `${unknown.length} namespace(s) without an enforce label rely on the cluster-wide PSA default, which the API does not show: label them, or audit the admission configuration with audit config/node`,
    };
  }
  return { status: 'pass', evidence };
});
