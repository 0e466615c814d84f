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

/** A Role or ClusterRole (same shape; ClusterRoles have no namespace). */
export function reduceRole(raw: unknown): Role | undefined {
  const r = raw as V1Role;
  const name = r?.metadata?.name;
  if (!name) return undefined;
  return {
    ...(r.metadata?.namespace ? { namespace: r.metadata.namespace } : {}),
    name,
    ...(isBootstrap(r.metadata?.labels) ? { bootstrap: true } : {}),
    rules: (r.rules ?? []).map(reduceRule),
  };
}

/** A RoleBinding or ClusterRoleBinding. */
export function reduceBinding(raw: unknown): Binding | undefined {
  const b = raw as V1ClusterRoleBinding;
  const name = b?.metadata?.name;
  if (!name || !b.roleRef) return undefined;
  return {
    ...(b.metadata?.namespace ? { namespace: b.metadata.namespace } : {}),
    name,
    ...(isBootstrap(b.metadata?.labels) ? { bootstrap: true } : {}),
    roleRef: { kind: b.roleRef.kind, name: b.roleRef.name },
    subjects: (b.subjects ?? []).map((s) => ({ kind: s.kind, name: s.name, ...(s.namespace ? { namespace: s.namespace } : {}) })),
  };
}
