/** Roles and bindings reduced to rules and subjects (cluster-facts.ts RoleSchema, BindingSchema). */
import type { V1ClusterRoleBinding, V1PolicyRule, V1Role } from '@kubernetes/client-node';
import type { Binding, Role, Rule } from '../../engine/evaluators/cluster/cluster-facts.js';

const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';

function reduceRule(r: V1PolicyRule): Rule {
  const rule: Rule = { verbs: r.verbs ?? [] };
  if (r.apiGroups) rule.apiGroups = r.apiGroups;
  if (r.resources) rule.resources = r.resources;
  if (r.resourceNames?.length) rule.resourceNames = r.resourceNames;
  if (r.nonResourceURLs) rule.nonResourceURLs = r.nonResourceURLs;
  return rule;
}

const isBootstrap = (labels: Record<string, string> | undefined): boolean => labels?.[BOOTSTRAP_LABEL] === 'rbac-defaults';

// Objects are built by assignment in the order the schema lists the fields, not by spreads: these run
// once per Role and binding of the cluster (tens of thousands at 10k namespaces).

/** A Role or ClusterRole (same shape; ClusterRoles have no namespace). */
export function reduceRole(raw: unknown): Role | undefined {
  const r = raw as V1Role;
  const name = r?.metadata?.name;
  if (!name) return undefined;
  const role = {} as Role;
  if (r.metadata?.namespace) role.namespace = r.metadata.namespace;
  role.name = name;
  if (isBootstrap(r.metadata?.labels)) role.bootstrap = true;
  role.rules = (r.rules ?? []).map(reduceRule);
  return role;
}

/** A RoleBinding or ClusterRoleBinding. */
export function reduceBinding(raw: unknown): Binding | undefined {
  const b = raw as V1ClusterRoleBinding;
  const name = b?.metadata?.name;
  if (!name || !b.roleRef) return undefined;
  const binding = {} as Binding;
  if (b.metadata?.namespace) binding.namespace = b.metadata.namespace;
  binding.name = name;
  if (isBootstrap(b.metadata?.labels)) binding.bootstrap = true;
  binding.roleRef = { kind: b.roleRef.kind, name: b.roleRef.name };
  binding.subjects = (b.subjects ?? []).map((s) => {
    const subject: Binding['subjects'][number] = { kind: s.kind, name: s.name };
    if (s.namespace) subject.namespace = s.namespace;
    return subject;
  });
  return binding;
}
