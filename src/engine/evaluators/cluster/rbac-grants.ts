/**
 * RBAC analysis: which subjects a permission reaches, through which binding and role, and how each
 * subject is classed (Kubernetes component, exempt, everyone, or an ordinary user or workload).
 */
import type { Binding, Role, Rule, Subject } from './cluster-facts.js';
import type { Exemptions } from './exemptions.js';

export interface RbacFacts {
  'cluster.roles': Role[];
  'cluster.clusterroles': Role[];
  'cluster.rolebindings': Binding[];
  'cluster.clusterrolebindings': Binding[];
}

export const RBAC_FACTS = ['cluster.roles', 'cluster.clusterroles', 'cluster.rolebindings', 'cluster.clusterrolebindings'] as const;

/** A permission to look for: any verb of `verbs` (all verbs when absent) on any of `resources` in `apiGroups`. */
export interface ResourcePermission {
  apiGroups: string[];
  resources: string[];
  verbs?: string[];
  /** Cluster-scoped resources (nodes, persistentvolumes, …): a RoleBinding cannot grant them. */
  clusterScoped?: boolean;
}

export type BindingKind = 'ClusterRoleBinding' | 'RoleBinding';

export interface Grant {
  bindingKind: BindingKind;
  binding: Binding;
  subject: Subject;
  /** 'cluster' for a ClusterRoleBinding, else the RoleBinding's namespace. */
  scope: string;
}

/** Everyone (or every workload): a grant to one of these is never acceptable for sensitive access. */
const BROAD_GROUPS = new Set(['system:authenticated', 'system:unauthenticated', 'system:serviceaccounts']);

function resourceMatches(ruleResource: string, wanted: string): boolean {
  if (ruleResource === '*' || ruleResource === wanted) return true;
  // "userextras/*": any key of the subresource-like family.
  if (wanted.endsWith('/*') && ruleResource.startsWith(wanted.slice(0, -1))) return true;
  const slash = wanted.indexOf('/');
  return slash > 0 && ruleResource === `*/${wanted.slice(slash + 1)}`;
}

/** Does an RBAC rule allow the permission (the way the RBAC authorizer matches, wildcards included)? */
export function ruleAllows(rule: Rule, p: ResourcePermission): boolean {
  if (!rule.resources?.length) return false;
  const verbs = rule.verbs;
  if (p.verbs && !verbs.includes('*') && !p.verbs.some((v) => verbs.includes(v))) return false;
  const groups = rule.apiGroups ?? [];
  if (!groups.includes('*') && !p.apiGroups.some((g) => groups.includes(g))) return false;
  return rule.resources.some((r) => p.resources.some((w) => resourceMatches(r, w)));
}

interface BoundRole {
  bindingKind: BindingKind;
  binding: Binding;
  /** The role the binding refers to (a RoleBinding may refer to a Role of its namespace or to a ClusterRole). */
  role: Role | undefined;
  scope: string;
}

/**
 * Every binding with the role it refers to, resolved once per collected facts: each RBAC check walks all
 * bindings, and a lookup per binding per check dominated the cluster audit at 10k namespaces. Keyed on
 * the fact arrays (the evaluators' facts objects are new at each call; the arrays are the same).
 */
const boundRolesCache = new WeakMap<Binding[], { facts: RbacFacts; bound: BoundRole[] }>();

function boundRoles(facts: RbacFacts): BoundRole[] {
  const cached = boundRolesCache.get(facts['cluster.rolebindings']);
  const same = (k: keyof RbacFacts) => cached?.facts[k] === facts[k];
  if (cached && same('cluster.clusterrolebindings') && same('cluster.roles') && same('cluster.clusterroles')) return cached.bound;
  const roles = new Map<string, Role>();
  // First definition wins, as a linear search would.
  for (const r of [...facts['cluster.roles']].reverse()) roles.set(`Role/${r.namespace ?? ''}/${r.name}`, r);
  for (const r of [...facts['cluster.clusterroles']].reverse()) roles.set(`ClusterRole//${r.name}`, r);
  const roleOf = (b: Binding) => roles.get(b.roleRef.kind === 'ClusterRole' ? `ClusterRole//${b.roleRef.name}` : `Role/${b.namespace ?? ''}/${b.roleRef.name}`);
  const bound: BoundRole[] = [
    ...facts['cluster.clusterrolebindings'].map((binding): BoundRole => ({ bindingKind: 'ClusterRoleBinding', binding, role: roleOf(binding), scope: 'cluster' })),
    ...facts['cluster.rolebindings'].map((binding): BoundRole => ({ bindingKind: 'RoleBinding', binding, role: roleOf(binding), scope: binding.namespace ?? '' })),
  ];
  boundRolesCache.set(facts['cluster.rolebindings'], { facts: { ...facts }, bound });
  return bound;
}

/** Every (binding, subject) pair whose binding satisfies the predicate. */
export function grantsWhere(facts: RbacFacts, predicate: (binding: Binding, role: Role | undefined) => boolean): Grant[] {
  const grants: Grant[] = [];
  for (const { bindingKind, binding, role, scope } of boundRoles(facts)) {
    if (!predicate(binding, role)) continue;
    for (const subject of binding.subjects) grants.push({ bindingKind, binding, subject, scope });
  }
  return grants;
}

/** Grants of a resource permission through the rules of the bound role. */
export function grantsOf(facts: RbacFacts, permissions: ResourcePermission[]): Grant[] {
  return grantsWhere(
    facts,
    (b, role) =>
      !!role && role.rules.some((rule) => permissions.some((p) => (!p.clusterScoped || !b.namespace) && ruleAllows(rule, p))),
  );
}

/** A service account named by a subject (kind ServiceAccount, or the user system:serviceaccount:<ns>:<name>). */
export function serviceAccountOf(s: Subject): { namespace: string; name: string } | undefined {
  if (s.kind === 'ServiceAccount') return { namespace: s.namespace ?? '', name: s.name };
  const m = s.kind === 'User' ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(s.name) : null;
  return m ? { namespace: m[1]!, name: m[2]! } : undefined;
}

export type SubjectClass =
  | { kind: 'broad' }
  | { kind: 'system'; why: string }
  | { kind: 'exempt'; why: string }
  | { kind: 'user' };

/** How a grant's subject is classed, most severe reading first. */
export function classify(grant: Grant, exemptions: Exemptions): SubjectClass {
  const s = grant.subject;
  if (s.kind === 'Group' && (BROAD_GROUPS.has(s.name) || s.name.startsWith('system:serviceaccounts:'))) return { kind: 'broad' };
  if (s.kind === 'User' && s.name === 'system:anonymous') return { kind: 'broad' };
  if (grant.binding.bootstrap) return { kind: 'system', why: 'Kubernetes default RBAC' };
  const exemptBinding = exemptions.binding(grant.bindingKind, grant.binding.name);
  if (exemptBinding) return { kind: 'exempt', why: exemptBinding };
  const sa = serviceAccountOf(s);
  if (sa) {
    const ns = exemptions.namespace(sa.namespace);
    if (ns) return { kind: 'exempt', why: `namespace ${sa.namespace}: ${ns}` };
  } else if (s.name.startsWith('system:')) {
    return { kind: 'system', why: 'Kubernetes component identity' };
  }
  const exemptSubject = exemptions.subject(s);
  if (exemptSubject) return { kind: 'exempt', why: exemptSubject };
  if (grant.scope !== 'cluster') {
    const ns = exemptions.namespace(grant.scope);
    if (ns) return { kind: 'exempt', why: `namespace ${grant.scope}: ${ns}` };
  }
  return { kind: 'user' };
}

export function subjectText(s: Subject): string {
  const sa = serviceAccountOf(s);
  return sa ? `ServiceAccount ${sa.namespace}/${sa.name}` : `${s.kind} ${s.name}`;
}

export function bindingText(g: Pick<Grant, 'bindingKind' | 'binding'>): string {
  const ns = g.binding.namespace ? `${g.binding.namespace}/` : '';
  return `${g.bindingKind} ${ns}${g.binding.name}`;
}

/** "User alice via ClusterRoleBinding x (ClusterRole y)". */
export function grantText(g: Grant): string {
  return `${subjectText(g.subject)} via ${bindingText(g)} (${g.binding.roleRef.kind} ${g.binding.roleRef.name})`;
}
