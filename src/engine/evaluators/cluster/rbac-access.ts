/**
 * The policy shared by the "minimize access to …" RBAC controls (5.1.1, 5.1.2, 5.1.4, 5.1.8–5.1.13):
 *  - fail:   everyone (system:authenticated, system:unauthenticated, all service accounts, anonymous) holds
 *            the access anywhere, or an ordinary user/group/workload holds it cluster-wide;
 *  - manual: ordinary subjects hold it only inside namespaces (needs a human to judge "where required");
 *  - pass:   only Kubernetes components and exempt subjects hold it.
 * Every class is named in the evidence.
 */
import type { Evidence } from '../../../model/result.js';
import type { Evaluator } from '../registry.js';
import type { CheckOutcome } from '../../evaluate-check.js';
import { apiEvidence, capList } from './evidence.js';
import { EXEMPTION_FACTS, Exemptions } from './exemptions.js';
import { classify, grantText, RBAC_FACTS, type Grant, type RbacFacts } from './rbac-grants.js';
import { readFacts } from './read-facts.js';

const unique = (items: string[]): string[] => [...new Set(items)];

export function judgeAccess(grants: Grant[], exemptions: Exemptions, what: string): CheckOutcome {
  const violations: string[] = [];
  const violationKinds = new Set<string>();
  const review: string[] = [];
  const exempt: string[] = [];
  const system: string[] = [];
  for (const g of grants) {
    const c = classify(g, exemptions);
    const text = grantText(g);
    if (c.kind === 'broad' || (c.kind === 'user' && g.scope === 'cluster')) {
      violations.push(c.kind === 'broad' ? `${text} [everyone]` : text);
      violationKinds.add(g.bindingKind);
    } else if (c.kind === 'user') review.push(text);
    else if (c.kind === 'exempt') exempt.push(`${text} [${c.why}]`);
    else system.push(text);
  }
  const expected = `${what}: only Kubernetes components and exempt subjects`;
  const evidence: Evidence[] = [];
  const violationFact = violationKinds.has('ClusterRoleBinding') ? 'cluster.clusterrolebindings' : 'cluster.rolebindings';
  if (violations.length) evidence.push(apiEvidence(violationFact, capList(unique(violations)), expected));
  if (review.length) evidence.push(apiEvidence('cluster.rolebindings', `namespaced: ${capList(unique(review))}`, expected));
  if (exempt.length) evidence.push(apiEvidence('cluster.exemptions', `exempt: ${capList(unique(exempt))}`, 'reported, not judged'));
  if (system.length) {
    evidence.push(apiEvidence('cluster.clusterrolebindings', `${unique(system).length} grant(s) to Kubernetes components (default RBAC, system: identities)`, 'allowed'));
  }
  if (violations.length) return { status: 'fail', evidence };
  if (review.length) {
    return {
      status: 'manual',
      evidence,
      reason: `${unique(review).length} namespaced grant(s) of ${what} to ordinary subjects: confirm each is required`,
    };
  }
  if (!evidence.length) evidence.push(apiEvidence('cluster.clusterrolebindings', `no subject holds ${what}`, expected));
  return { status: 'pass', evidence };
}

/** An evaluator applying the shared policy to the grants `find` returns. */
export function accessEvaluator(find: (facts: RbacFacts) => Grant[], what: string): Evaluator {
  return (snap, check) => {
    const r = readFacts(snap, check, RBAC_FACTS, EXEMPTION_FACTS);
    if ('outcome' in r) return r.outcome;
    return judgeAccess(find(r.facts), new Exemptions(r.facts), what);
  };
}
