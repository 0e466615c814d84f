/**
 * 5.3.1: the CNI enforces NetworkPolicy. Decided from the DaemonSets that run the CNI (names and images):
 * Canal, Calico, Cilium, Antrea, Weave Net and kube-router enforce policies; Flannel alone does not.
 * A CNI we do not recognise (or one running outside the cluster) leaves the control manual.
 */
import { registerEvaluator } from '../registry.js';
import type { DaemonSet } from './cluster-facts.js';
import { apiEvidence, capList } from './evidence.js';
import { readFacts } from './read-facts.js';

const ENFORCING: [string, RegExp][] = [
  ['Canal', /canal/],
  ['Calico', /calico/],
  ['Cilium', /cilium/],
  ['Antrea', /antrea/],
  ['Weave Net', /weave/],
  ['kube-router', /kube-router/],
];
const FLANNEL = /flannel/;

const text = (d: DaemonSet): string => [d.name, ...d.images].join(' ').toLowerCase();

registerEvaluator('cni-supports-network-policies', (snap, check) => {
  const read = readFacts(snap, check, ['cluster.daemonsets']);
  if ('outcome' in read) return read.outcome;
  const sets = read.facts['cluster.daemonsets'];
  const enforcing = sets.flatMap((d) => {
    const cni = ENFORCING.find(([, re]) => re.test(text(d)));
    return cni ? [`${cni[0]} (DaemonSet ${d.namespace}/${d.name})`] : [];
  });
  const flannel = sets.filter((d) => FLANNEL.test(text(d))).map((d) => `${d.namespace}/${d.name}`);
  const expected = 'a CNI that enforces NetworkPolicy (Canal, Calico, Cilium, Antrea, Weave Net, kube-router)';
  if (enforcing.length) return { status: 'pass', evidence: [apiEvidence('cluster.daemonsets', capList(enforcing), expected)] };
  if (flannel.length) {
    return { status: 'fail', evidence: [apiEvidence('cluster.daemonsets', `Flannel only (no NetworkPolicy enforcement): ${capList(flannel)}`, expected)] };
  }
  return {
    status: 'manual',
    evidence: [apiEvidence('cluster.daemonsets', `no known CNI among ${sets.length} DaemonSet(s)`, expected)],
    reason: 'the CNI could not be recognised from the cluster\'s DaemonSets: check that it enforces NetworkPolicy',
  };
});
