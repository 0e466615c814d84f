/**
 * 5.1.7: system:masters bypasses RBAC entirely. Through the API we can see bindings that name the group
 * (beyond Kubernetes' own cluster-admin binding); client certificates carrying O=system:masters (the
 * RKE/RKE2 admin kubeconfigs) are not visible through the API and stay a manual review.
 */
import { registerEvaluator } from '../registry.js';
import { apiEvidence, capList } from './evidence.js';
import { bindingText, grantsWhere, RBAC_FACTS } from './rbac-grants.js';
import { readFacts } from './read-facts.js';

registerEvaluator('rbac-no-bindings-to-system-masters', (snap, check) => {
  const read = readFacts(snap, check, RBAC_FACTS);
  if ('outcome' in read) return read.outcome;
  const grants = grantsWhere(read.facts, () => true).filter((g) => g.subject.kind === 'Group' && g.subject.name === 'system:masters');
  const extra = [...new Set(grants.filter((g) => !g.binding.bootstrap).map(bindingText))];
  const expected = 'no binding names the group system:masters except Kubernetes\' default cluster-admin binding';
  const observed = extra.length ? capList(extra) : `${grants.length} default binding(s) only`;
  return {
    status: extra.length ? 'fail' : 'pass',
    evidence: [
      apiEvidence('cluster.clusterrolebindings', observed, expected),
      apiEvidence('cluster.clusterrolebindings', 'client certificates with O=system:masters are not visible through the API', 'review who holds the admin kubeconfig'),
    ],
  };
});
