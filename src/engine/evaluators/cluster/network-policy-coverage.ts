/**
 * 5.3.2: every namespace that is not exempt has at least one NetworkPolicy. A policy that selects every
 * pod and allows all traffic (the hardening guide's `default-allow-all` example) satisfies the control
 * but restricts nothing; it is named in the evidence.
 */
import type { Evidence } from '../../../model/result.js';
import { registerEvaluator } from '../registry.js';
import { apiEvidence, capList } from './evidence.js';
import { EXEMPTION_FACTS, Exemptions } from './exemptions.js';
import { readFacts } from './read-facts.js';

registerEvaluator('namespaces-have-network-policies', (snap, check) => {
  const read = readFacts(snap, check, ['cluster.namespaces', 'cluster.networkpolicies'], EXEMPTION_FACTS);
  if ('outcome' in read) return read.outcome;
  const exemptions = new Exemptions(read.facts);
  const policies = read.facts['cluster.networkpolicies'];
  const covered = new Set(policies.map((p) => p.namespace));
  const missing: string[] = [];
  const exempt: string[] = [];
  let ok = 0;
  for (const { name } of read.facts['cluster.namespaces']) {
    const why = exemptions.namespace(name);
    if (why) exempt.push(`${name} (${covered.has(name) ? 'has' : 'no'} policy; exempt: ${why})`);
    else if (covered.has(name)) ok++;
    else missing.push(name);
  }
  const expected = 'at least one NetworkPolicy in every non-exempt namespace';
  const evidence: Evidence[] = [
    apiEvidence('cluster.networkpolicies', missing.length ? `no NetworkPolicy in: ${capList(missing)}` : `${ok} namespace(s) covered`, expected),
  ];
  const allowAll = policies.filter((p) => p.allowsAll).map((p) => `${p.namespace}/${p.name}`);
  if (allowAll.length) evidence.push(apiEvidence('cluster.networkpolicies', `allow-all policies (present, restrict nothing): ${capList(allowAll)}`, 'policies that restrict traffic'));
  if (exempt.length) evidence.push(apiEvidence('cluster.exemptions.namespaces', `exempt: ${capList(exempt)}`, 'reported, not judged'));
  return { status: missing.length ? 'fail' : 'pass', evidence };
});
