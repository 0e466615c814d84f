import type { Evidence } from '../../../model/result.js';
import type { ClusterFactValue, ExemptBinding, ExemptSubject, Subject } from './cluster-facts.js';
import { apiEvidence, groupedList } from './evidence.js';

/** The optional exemption facts every cluster evaluator reads (absent = nothing is exempt). */
export const EXEMPTION_FACTS = [
  'cluster.exemptions.namespaces',
  'cluster.exemptions.subjects',
  'cluster.exemptions.bindings',
  'cluster.exemptions.clusterroles',
] as const;

type ExemptionFacts = {
  'cluster.exemptions.namespaces'?: ClusterFactValue<'cluster.exemptions.namespaces'>;
  'cluster.exemptions.subjects'?: ExemptSubject[];
  'cluster.exemptions.bindings'?: ExemptBinding[];
  'cluster.exemptions.clusterroles'?: ClusterFactValue<'cluster.exemptions.clusterroles'>;
};

const nameMatches = (pattern: string, name: string): boolean =>
  pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;

/** Which namespaces, subjects, bindings and cluster roles the audit treats as exempt, and why. */
export class Exemptions {
  private readonly namespaces: Record<string, string>;
  private readonly subjects: ExemptSubject[];
  private readonly bindings: ExemptBinding[];
  private readonly clusterRoles: Record<string, string>;

  constructor(facts: ExemptionFacts) {
    this.namespaces = facts['cluster.exemptions.namespaces'] ?? {};
    this.subjects = facts['cluster.exemptions.subjects'] ?? [];
    this.bindings = facts['cluster.exemptions.bindings'] ?? [];
    this.clusterRoles = facts['cluster.exemptions.clusterroles'] ?? {};
  }

  /** Why a namespace is exempt, or undefined. */
  namespace(name: string | undefined): string | undefined {
    // Own keys only: a namespace named `constructor` is not exempt by Object's prototype.
    return name !== undefined && Object.hasOwn(this.namespaces, name) ? this.namespaces[name] : undefined;
  }

  subject(s: Subject): string | undefined {
    return this.subjects.find((e) => e.kind === s.kind && e.name === s.name && (e.namespace ?? s.namespace) === s.namespace)?.reason;
  }

  binding(kind: 'ClusterRoleBinding' | 'RoleBinding', name: string): string | undefined {
    return this.bindings.find((e) => e.kind === kind && nameMatches(e.name, name))?.reason;
  }

  clusterRole(name: string): string | undefined {
    return Object.hasOwn(this.clusterRoles, name) ? this.clusterRoles[name] : undefined;
  }
}

/**
 * Evidence naming what was found in exempt namespaces, grouped per namespace with the reason, so an
 * exemption is visible in the report rather than silently skipped.
 */
export function exemptNamespaceEvidence(
  exemptions: Exemptions,
  findings: ReadonlyMap<string, readonly string[]>,
  what: string,
): Evidence | undefined {
  if (findings.size === 0) return undefined;
  const labelled = new Map<string, readonly string[]>();
  for (const [ns, items] of findings) labelled.set(`${ns} (exempt: ${exemptions.namespace(ns) ?? '?'})`, items);
  return apiEvidence('cluster.exemptions.namespaces', groupedList(labelled), `${what} (exempt namespaces are reported, not judged)`);
}

/** Add an item to a map of lists. */
export function addTo<K>(map: Map<K, string[]>, key: K, item: string): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}
