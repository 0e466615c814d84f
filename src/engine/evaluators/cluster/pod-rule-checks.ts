/**
 * Section 5.2 (and 5.6.2/5.6.3 resp. 5.7.2/5.7.3): running pods that break a rule of the restricted Pod
 * Security Standard. Pods in exempt namespaces are listed as exempt; any other violating pod fails.
 */
import type { Evidence } from '../../../model/result.js';
import { registerEvaluator, type Evaluator } from '../registry.js';
import { activePods, podName } from './active-pods.js';
import { apiEvidence, capList } from './evidence.js';
import { addTo, EXEMPTION_FACTS, exemptNamespaceEvidence, Exemptions } from './exemptions.js';
import * as rules from './pod-rules.js';
import { readFacts } from './read-facts.js';

export function podRuleEvaluator(checked: rules.PodRule[], what: string): Evaluator {
  return (snap, check) => {
    const read = readFacts(snap, check, ['cluster.pods'], EXEMPTION_FACTS);
    if ('outcome' in read) return read.outcome;
    const exemptions = new Exemptions(read.facts);
    const violating: string[] = [];
    const exempt = new Map<string, string[]>();
    let count = 0;
    for (const pod of activePods(read.facts['cluster.pods'])) {
      count++;
      // One rule (every check but the restricted profile): its findings as they are, no set to build per pod.
      const findings = checked.length === 1 ? checked[0]!.findings(pod) : [...new Set(checked.flatMap((r) => r.findings(pod)))];
      if (!findings.length) continue;
      if (exemptions.namespace(pod.namespace)) addTo(exempt, pod.namespace, `${pod.name} (${findings.join('; ')})`);
      else violating.push(`${podName(pod)} (${findings.join('; ')})`);
    }
    const expected = `no running pod outside exempt namespaces with ${what}`;
    const evidence: Evidence[] = [
      apiEvidence('cluster.pods', violating.length ? capList(violating) : `none of ${count} pod(s)`, expected),
    ];
    const ex = exemptNamespaceEvidence(exemptions, exempt, `pods with ${what}`);
    if (ex) evidence.push(ex);
    return { status: violating.length ? 'fail' : 'pass', evidence };
  };
}

const register = (id: string, checked: rules.PodRule[], what: string) => registerEvaluator(id, podRuleEvaluator(checked, what));

register('pods-no-privileged-containers', [rules.privileged], 'privileged containers'); // 5.2.2
register('pods-no-host-pid', [rules.hostPID], 'hostPID'); // 5.2.3
register('pods-no-host-ipc', [rules.hostIPC], 'hostIPC'); // 5.2.4
register('pods-no-host-network', [rules.hostNetwork], 'hostNetwork'); // 5.2.5
register('pods-no-privilege-escalation', [rules.allowPrivilegeEscalation], 'allowPrivilegeEscalation not false'); // 5.2.6
register('pods-run-as-non-root', [rules.runAsNonRoot], 'containers that may run as root'); // 5.2.7
register('pods-drop-net-raw', [rules.netRaw], 'the NET_RAW capability'); // 5.2.8
register('pods-no-added-capabilities', [rules.addedCapabilities], 'added capabilities beyond NET_BIND_SERVICE'); // 5.2.9 (1.8)
register('pods-drop-all-capabilities', [rules.dropAllCapabilities], 'capabilities not dropped (drop: [ALL])'); // 5.2.10 (1.8)
register('pods-no-windows-hostprocess', [rules.windowsHostProcess], 'Windows HostProcess containers');
register('pods-no-hostpath-volumes', [rules.hostPath], 'hostPath volumes');
register('pods-no-host-ports', [rules.hostPorts], 'hostPorts');
register('pods-seccomp-profile-set', [rules.seccomp], 'no RuntimeDefault/Localhost seccomp profile'); // 5.6.2/5.7.2
register('pods-security-context-restricted', rules.RESTRICTED, 'settings the restricted profile forbids'); // 5.6.3/5.7.3
