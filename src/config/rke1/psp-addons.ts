/**
 * The PodSecurityPolicy objects in an RKE1 `addons:` text: the policies, the roles that only `use`
 * them and the bindings to those roles, as the RKE1 hardening guide for Kubernetes 1.24 and older
 * adds them. From 1.25 the policy/v1beta1 API is gone and RKE's addon job fails on them, so a
 * cluster.yml carried over needs them out; every other document is kept as written.
 */
import { documentsOf, type AddonDocument } from './addon-documents.js';

const onlyUsesPsp = (rules: unknown): boolean => Array.isArray(rules) && rules.length > 0
  && rules.every((r) => Array.isArray((r as { resources?: unknown }).resources) && (r as { resources: unknown[] }).resources.every((x) => x === 'podsecuritypolicies'));

/** The addons text without its PodSecurityPolicy objects, and what was taken out (`PodSecurityPolicy restricted-noroot`). */
export function withoutPspAddons(text: string): { text: string; removed: string[] } {
  const docs = documentsOf(text);
  const name = (d: AddonDocument) => `${String(d.object?.kind)} ${String(d.object?.metadata?.name)}`;
  const roles = new Set<string>();
  const removed = new Set<AddonDocument>();
  for (const d of docs) {
    const kind = d.object?.kind;
    if (kind === 'PodSecurityPolicy') removed.add(d);
    if ((kind === 'ClusterRole' || kind === 'Role') && onlyUsesPsp(d.object?.rules)) {
      removed.add(d);
      roles.add(name(d));
    }
  }
  for (const d of docs) {
    const ref = d.object?.roleRef;
    if ((d.object?.kind === 'ClusterRoleBinding' || d.object?.kind === 'RoleBinding') && roles.has(`${String(ref?.kind)} ${String(ref?.name)}`)) removed.add(d);
  }
  if (!removed.size) return { text, removed: [] };
  const kept = docs.filter((d) => !removed.has(d));
  // The first document kept loses the separator it had: it now starts the text.
  const joined = kept.map((d, i) => (i === 0 ? '' : (d.separator ?? '---\n')) + d.text).join('');
  return { text: joined, removed: [...removed].map(name) };
}
