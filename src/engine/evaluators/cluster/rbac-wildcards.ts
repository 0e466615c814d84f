/**
 * 5.1.3: Roles and ClusterRoles should name verbs, resources and API groups, not "*". Kubernetes' own
 * roles (bootstrap RBAC), the distro's own cluster roles and roles in exempt namespaces are reported
 * as exempt; any other role with a wildcard fails.
 */
import { registerEvaluator } from '../registry.js';
import type { Role, Rule } from './cluster-facts.js';
import { apiEvidence, capList } from './evidence.js';
import { EXEMPTION_FACTS, Exemptions } from './exemptions.js';
import { readFacts } from './read-facts.js';

/** Which fields of a rule use a bare "*" (nonResourceURL prefixes such as /healthz/* are not wildcards here). */
export function wildcardFields(rule: Rule): string[] {
  const fields: string[] = [];
  if (rule.verbs.includes('*')) fields.push('verbs');
  if (rule.apiGroups?.includes('*')) fields.push('apiGroups');
  if (rule.resources?.includes('*')) fields.push('resources');
  if (rule.nonResourceURLs?.includes('*')) fields.push('nonResourceURLs');
  return fields;
}

const describe = (kind: string, r: Role, fields: string[]) =>
  `${kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} (* in ${[...new Set(fields)].join(', ')})`;

registerEvaluator('rbac-wildcards-minimized', (snap, check) => {
  const read = readFacts(snap, check, ['cluster.roles', 'cluster.clusterroles'], EXEMPTION_FACTS);
  if ('outcome' in read) return read.outcome;
  const exemptions = new Exemptions(read.facts);
  const offending: string[] = [];
  const exempt: string[] = [];
  let bootstrap = 0;
  const visit = (kind: 'Role' | 'ClusterRole', role: Role) => {
    const fields = role.rules.flatMap(wildcardFields);
    if (!fields.length) return;
    if (role.bootstrap) {
      bootstrap++;
      return;
    }
    const why = kind === 'ClusterRole' ? exemptions.clusterRole(role.name) : exemptions.namespace(role.namespace);
    if (why) exempt.push(`${describe(kind, role, fields)} [${why}]`);
    else offending.push(describe(kind, role, fields));
  };
  for (const r of read.facts['cluster.clusterroles']) visit('ClusterRole', r);
  for (const r of read.facts['cluster.roles']) visit('Role', r);
  const expected = 'no "*" in verbs, resources or apiGroups of roles outside Kubernetes defaults and exemptions';
  const evidence = [apiEvidence('cluster.clusterroles', offending.length ? capList(offending) : 'no wildcard in non-default roles', expected)];
  if (exempt.length) evidence.push(apiEvidence('cluster.exemptions', `exempt: ${capList(exempt)}`, 'reported, not judged'));
  if (bootstrap) evidence.push(apiEvidence('cluster.clusterroles', `${bootstrap} Kubernetes default role(s) use wildcards (e.g. cluster-admin)`, 'allowed'));
  return { status: offending.length ? 'fail' : 'pass', evidence };
});
