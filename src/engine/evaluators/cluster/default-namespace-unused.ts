/**
 * 5.7.4 / 5.6.4: nothing but what Kubernetes itself puts there lives in the `default` namespace: the
 * `kubernetes` Service, the `default` ServiceAccount and the kube-root-ca.crt ConfigMap are expected.
 * Pods, workloads, other Services, ConfigMaps and ServiceAccounts are findings. Secrets are not listed
 * (listing them would read their values).
 */
import { registerEvaluator } from '../registry.js';
import { DEFAULT_NAMESPACE_FACTS } from './cluster-facts.js';
import { apiEvidence, capList } from './evidence.js';
import { readFacts } from './read-facts.js';

const EXPECTED: Record<string, string[]> = {
  'cluster.defaultNamespace.services': ['kubernetes'],
  'cluster.defaultNamespace.configmaps': ['kube-root-ca.crt'],
};

const kindOf = (key: string): string => key.slice('cluster.defaultNamespace.'.length).replace(/s$/, '');

registerEvaluator('default-namespace-not-used', (snap, check) => {
  const read = readFacts(snap, check, ['cluster.pods', 'cluster.serviceaccounts', ...DEFAULT_NAMESPACE_FACTS]);
  if ('outcome' in read) return read.outcome;
  const f = read.facts;
  const found: string[] = [];
  for (const p of f['cluster.pods']) if (p.namespace === 'default') found.push(`pod/${p.name}`);
  for (const a of f['cluster.serviceaccounts']) if (a.namespace === 'default' && a.name !== 'default') found.push(`serviceaccount/${a.name}`);
  for (const key of DEFAULT_NAMESPACE_FACTS) {
    for (const name of f[key]) if (!(EXPECTED[key] ?? []).includes(name)) found.push(`${kindOf(key)}/${name}`);
  }
  const evidence = [
    apiEvidence('cluster.defaultNamespace', found.length ? capList(found) : 'only the objects Kubernetes creates', 'no user objects in the default namespace'),
  ];
  return { status: found.length ? 'fail' : 'pass', evidence };
});
