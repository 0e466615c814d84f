/**
 * 5.1.6: a pod gets an API token only where it needs one. What a pod has is the token mounted into it
 * at its creation (fact apiTokenMounted); a snapshot without that fact falls back to the setting that
 * decides it: the pod's automountServiceAccountToken, else its ServiceAccount's, else true. A pod that
 * has a token only because nobody said otherwise fails (so does one created before its ServiceAccount
 * said false: it keeps its token until recreated); one whose pod spec or (non-default) ServiceAccount
 * explicitly asks for the token is taken as a decision and listed for review. Exempt namespaces are
 * reported.
 */
import { registerEvaluator } from '../registry.js';
import type { Evidence } from '../../../model/result.js';
import { activePods, podName } from './active-pods.js';
import { apiEvidence, capList } from './evidence.js';
import { addTo, EXEMPTION_FACTS, exemptNamespaceEvidence, Exemptions } from './exemptions.js';
import { readFacts } from './read-facts.js';

registerEvaluator('service-account-tokens-mounted-only-where-necessary', (snap, check) => {
  const read = readFacts(snap, check, ['cluster.pods', 'cluster.serviceaccounts'], EXEMPTION_FACTS);
  if ('outcome' in read) return read.outcome;
  const exemptions = new Exemptions(read.facts);
  const accounts = new Map(read.facts['cluster.serviceaccounts'].map((a) => [`${a.namespace}/${a.name}`, a]));
  const implicit: string[] = [];
  const explicit: string[] = [];
  const exempt = new Map<string, string[]>();
  for (const pod of activePods(read.facts['cluster.pods'])) {
    const saName = pod.serviceAccountName ?? 'default';
    const sa = accounts.get(`${pod.namespace}/${saName}`);
    const setting = pod.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
    if (!(pod.apiTokenMounted ?? setting)) continue;
    const text = `${podName(pod)} (ServiceAccount ${saName})`;
    if (exemptions.namespace(pod.namespace)) addTo(exempt, pod.namespace, pod.name);
    // A pod that says false and still mounts the path built that volume itself: a decision too.
    else if (pod.automountServiceAccountToken !== undefined || (sa?.automountServiceAccountToken === true && saName !== 'default')) explicit.push(text);
    else implicit.push(setting ? text : `${text}: created before the ServiceAccount said false, keeps its token until recreated`);
  }
  const expected = 'tokens mounted only where the pod or its ServiceAccount asks for one';
  const evidence: Evidence[] = [
    apiEvidence('cluster.pods', implicit.length ? `token mounted by default: ${capList(implicit)}` : 'no pod mounts a token by default', expected),
  ];
  if (explicit.length) evidence.push(apiEvidence('cluster.pods', `explicitly requested (review): ${capList(explicit)}`, expected));
  const ex = exemptNamespaceEvidence(exemptions, exempt, 'pods mounting a token');
  if (ex) evidence.push(ex);
  return { status: implicit.length ? 'fail' : 'pass', evidence };
});
