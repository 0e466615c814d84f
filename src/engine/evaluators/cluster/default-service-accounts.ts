/**
 * 5.1.5 (and the hardening guides' runtime requirement): in every namespace that is not exempt, the
 * `default` ServiceAccount has automountServiceAccountToken: false and no binding grants it a role.
 * Grants reach it by name, as system:serviceaccount:<ns>:default, or through the groups
 * system:serviceaccounts[:<ns>]. Roles that only `use` a PodSecurityPolicy are tolerated (Rancher's scan
 * does the same: PSP-era clusters bind the restricted PSP to every service account).
 */
import type { Evidence } from '../../../model/result.js';
import { registerEvaluator } from '../registry.js';
import type { Role, Subject } from './cluster-facts.js';
import { apiEvidence, capList } from './evidence.js';
import { addTo, EXEMPTION_FACTS, exemptNamespaceEvidence, Exemptions } from './exemptions.js';
import { bindingText, grantsWhere, RBAC_FACTS, serviceAccountOf } from './rbac-grants.js';
import { readFacts } from './read-facts.js';

const onlyPspUse = (role: Role): boolean =>
  role.rules.every((r) => r.verbs.every((v) => v === 'use') && (r.resources ?? []).every((x) => x === 'podsecuritypolicies'));

/** The namespace whose default ServiceAccount the subject names ('*' = every namespace), if any. */
function defaultAccountNamespace(s: Subject): string | undefined {
  if (s.kind === 'Group' && s.name === 'system:serviceaccounts') return '*';
  if (s.kind === 'Group' && s.name.startsWith('system:serviceaccounts:')) return s.name.slice('system:serviceaccounts:'.length);
  const sa = serviceAccountOf(s);
  return sa?.name === 'default' ? sa.namespace : undefined;
}

registerEvaluator('default-service-accounts-not-used', (snap, check) => {
  const read = readFacts(snap, check, ['cluster.namespaces', 'cluster.serviceaccounts', ...RBAC_FACTS], EXEMPTION_FACTS);
  if ('outcome' in read) return read.outcome;
  const f = read.facts;
  const exemptions = new Exemptions(f);

  // Namespace ('*' = all) → bindings granting a real role to its default ServiceAccount.
  const boundIn = new Map<string, string[]>();
  const exemptBindings: string[] = [];
  const grants = grantsWhere(f, (b, role) => !b.bootstrap && !!role && !onlyPspUse(role));
  for (const g of grants) {
    const ns = defaultAccountNamespace(g.subject);
    if (ns === undefined) continue;
    const text = `${bindingText(g)} (${g.binding.roleRef.kind} ${g.binding.roleRef.name})`;
    const why = exemptions.binding(g.bindingKind, g.binding.name);
    if (why) exemptBindings.push(`${text} [${why}]`);
    else addTo(boundIn, ns, text);
  }

  const automount: string[] = [];
  const bound: string[] = [];
  const noAccount: string[] = [];
  const exempt = new Map<string, string[]>();
  // Indexed once: a lookup per namespace over every ServiceAccount is quadratic in the cluster's size.
  const defaultAccounts = new Map(f['cluster.serviceaccounts'].filter((a) => a.name === 'default').map((a) => [a.namespace, a]));
  for (const { name: ns } of f['cluster.namespaces']) {
    const sa = defaultAccounts.get(ns);
    const findings: string[] = [];
    if (!sa) noAccount.push(ns);
    else if (sa.automountServiceAccountToken !== false) {
      findings.push(`${ns}/default automountServiceAccountToken=${sa.automountServiceAccountToken ?? '(not set)'}`);
    }
    const bindings = [...(boundIn.get(ns) ?? []), ...(boundIn.get('*') ?? [])];
    if (bindings.length) findings.push(`${ns}/default bound by ${bindings.join(', ')}`);
    if (!findings.length) continue;
    if (exemptions.namespace(ns)) {
      exempt.set(ns, findings);
      continue;
    }
    if (sa && sa.automountServiceAccountToken !== false) automount.push(ns);
    if (bindings.length) bound.push(...findings.filter((x) => x.includes(' bound by ')));
  }

  const evidence: Evidence[] = [
    apiEvidence('cluster.serviceaccounts', automount.length ? `token automounted in: ${capList(automount)}` : 'every non-exempt default ServiceAccount has automountServiceAccountToken=false', 'automountServiceAccountToken: false'),
  ];
  if (bound.length) evidence.push(apiEvidence('cluster.rolebindings', capList(bound), 'no role bound to a default ServiceAccount'));
  if (noAccount.length) evidence.push(apiEvidence('cluster.serviceaccounts', `no default ServiceAccount (yet) in: ${capList(noAccount)}`, 'nothing to check'));
  if (exemptBindings.length) evidence.push(apiEvidence('cluster.exemptions', `exempt: ${capList(exemptBindings)}`, 'reported, not judged'));
  const ex = exemptNamespaceEvidence(exemptions, exempt, 'default ServiceAccounts in exempt namespaces');
  if (ex) evidence.push(ex);
  return { status: automount.length || bound.length ? 'fail' : 'pass', evidence };
});
