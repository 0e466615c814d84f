/**
 * 5.4.1: Secrets reach containers as files, not environment variables (env valueFrom.secretKeyRef or
 * envFrom.secretRef). Only the variable and Secret names are collected, never values.
 */
import { registerEvaluator } from '../registry.js';
import type { Evidence } from '../../../model/result.js';
import { activePods, podName } from './active-pods.js';
import { apiEvidence, capList } from './evidence.js';
import { addTo, EXEMPTION_FACTS, exemptNamespaceEvidence, Exemptions } from './exemptions.js';
import { readFacts } from './read-facts.js';

registerEvaluator('secrets-not-in-env-vars', (snap, check) => {
  const read = readFacts(snap, check, ['cluster.pods'], EXEMPTION_FACTS);
  if ('outcome' in read) return read.outcome;
  const exemptions = new Exemptions(read.facts);
  const found: string[] = [];
  const exempt = new Map<string, string[]>();
  for (const pod of activePods(read.facts['cluster.pods'])) {
    const uses = pod.containers.flatMap((c) => (c.secretEnv ?? []).map((e) => `${c.name}: ${e}`));
    if (!uses.length) continue;
    if (exemptions.namespace(pod.namespace)) addTo(exempt, pod.namespace, `${pod.name} (${uses.join('; ')})`);
    else found.push(`${podName(pod)} (${uses.join('; ')})`);
  }
  const evidence: Evidence[] = [
    apiEvidence('cluster.pods', found.length ? capList(found) : 'no pod reads a Secret into its environment', 'Secrets mounted as files, not environment variables'),
  ];
  const ex = exemptNamespaceEvidence(exemptions, exempt, 'pods with Secrets in environment variables');
  if (ex) evidence.push(ex);
  return { status: found.length ? 'fail' : 'pass', evidence };
});
