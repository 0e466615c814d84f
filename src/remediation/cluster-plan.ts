/**
 * `harden cluster` as data (pure). For every namespace that is neither exempt nor excluded:
 *   - its `default` ServiceAccount gets `automountServiceAccountToken: false` (CIS 5.1.5);
 *   - a NetworkPolicy when it has none (CIS 5.3.2): RKE2's allow-within-namespace policy or a
 *     default-deny of ingress;
 *   - Pod Security Admission labels `enforce`, `audit`, `warn` (+ `-version`) where unset (CIS 5.2).
 * Labels someone already set are left alone (a namespace may be `privileged` on purpose) and reported
 * when weaker than asked. Each change is a create or merge-patch body with the prior object for rollback.
 */
import { stringify } from 'yaml';
import type { ClusterTarget, KubeApplyStep, KubeObject, RemediationPlan, Skipped } from './plan.js';
import { getPath } from './plan.js';
import { unifiedDiff } from './unified-diff.js';

export const NETWORK_POLICY_CHOICES = ['allow-same-namespace', 'default-deny'] as const;
export type NetworkPolicyChoice = (typeof NETWORK_POLICY_CHOICES)[number];
export const PSA_LEVELS = ['restricted', 'baseline'] as const;
export type PsaLevel = (typeof PSA_LEVELS)[number];
const PSA_MODES = ['enforce', 'audit', 'warn'] as const;
export const PSA_PREFIX = 'pod-security.kubernetes.io/';
const LEVEL_RANK: Record<string, number> = { privileged: 0, baseline: 1, restricted: 2 };

export interface ClusterPlanOptions {
  networkPolicy: NetworkPolicyChoice;
  psaLevel: PsaLevel;
  /** `latest` or `vX.Y`. */
  psaVersion: string;
  /** Exempt namespace → why (exemption list, …). */
  exemptions: Record<string, string>;
  exclude: string[];
}

export interface ClusterObservation {
  target: ClusterTarget;
  namespaces: KubeObject[];
  /** Namespace → its `default` ServiceAccount. */
  defaultServiceAccounts: Record<string, KubeObject>;
  /** Namespace → how many NetworkPolicies it has. */
  networkPolicyCounts: Record<string, number>;
}

const meta = (o: KubeObject): Record<string, unknown> => (o.metadata ?? {}) as Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The object without managedFields: what the journal keeps as prior state. */
export function withoutManagedFields(o: KubeObject): KubeObject {
  const { managedFields: _m, ...rest } = meta(o);
  return { ...o, metadata: rest };
}

/**
 * YAML for a diff: apiVersion and kind first (list items lack them), no managedFields or
 * resourceVersion, and for a created object no server-assigned identity.
 */
export function displayYaml(o: KubeObject | undefined, ref: Pick<KubeApplyStep['ref'], 'apiVersion' | 'kind'>, created = false): string {
  if (!o) return '';
  const { managedFields: _m, resourceVersion: _r, ...m } = meta(o);
  if (created) for (const k of ['uid', 'creationTimestamp', 'generation']) delete m[k];
  const { apiVersion: _a, kind: _k, metadata: _md, ...rest } = o;
  return stringify({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: m, ...rest }, { lineWidth: 0 });
}

export function stepDiff(step: Pick<KubeApplyStep, 'ref' | 'prior'>, after: KubeObject): string {
  const name = `${step.ref.kind}/${step.ref.namespace ? `${step.ref.namespace}/` : ''}${step.ref.name}`;
  const prior = step.prior.exists ? (step.prior.object as KubeObject) : undefined;
  return unifiedDiff(displayYaml(prior, step.ref), displayYaml(after, step.ref, !prior), prior ? name : '/dev/null', name);
}

/** The object after the step's fields are set (the client-side preview; a dry run gives the server's). */
export function preview(step: KubeApplyStep): KubeObject {
  if (!step.prior.exists) return step.body as KubeObject;
  const out = structuredClone(step.prior.object) as Record<string, unknown>;
  for (const f of step.fields) {
    let cur = out;
    for (const k of f.path.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
    cur[f.path.at(-1)!] = f.value;
  }
  return out as KubeObject;
}

function priorOf(o: KubeObject): KubeApplyStep['prior'] {
  return { exists: true, uid: str(meta(o).uid), resourceVersion: str(meta(o).resourceVersion), object: withoutManagedFields(o) };
}

/**
 * The step, its diff left empty: diffs are made only where they are shown (a dry run shows the
 * server's, see stepDiff), which keeps planning 10k namespaces cheap.
 */
function finish(step: Omit<KubeApplyStep, 'diff'>): KubeApplyStep {
  return { ...step, diff: '' };
}

/** The client-side diff of a step (prior object → object with the step's fields set). */
export const planDiff = (step: KubeApplyStep): string => stepDiff(step, preview(step));

/** automountServiceAccountToken: false on a namespace's default ServiceAccount, unless already so. */
export function planServiceAccount(sa: KubeObject): KubeApplyStep | undefined {
  if (sa.automountServiceAccountToken === false) return undefined;
  const namespace = str(meta(sa).namespace);
  return finish({
    kind: 'kube-apply',
    id: `serviceaccounts/${namespace}/default`,
    title: `ServiceAccount ${namespace}/default: automountServiceAccountToken ${sa.automountServiceAccountToken === undefined ? '(unset)' : String(sa.automountServiceAccountToken)} → false`,
    ref: { apiVersion: 'v1', kind: 'ServiceAccount', resource: 'serviceaccounts', namespace, name: 'default' },
    body: {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace, resourceVersion: str(meta(sa).resourceVersion) },
      automountServiceAccountToken: false,
    },
    fields: [{ path: ['automountServiceAccountToken'], value: false }],
    prior: priorOf(sa),
  });
}

export function networkPolicyName(choice: NetworkPolicyChoice): string {
  return `rke-harden-${choice}`;
}

/** The policy's spec: RKE2's default-network-policy (ingress from the same namespace) or deny all ingress. */
export function networkPolicySpec(choice: NetworkPolicyChoice): Record<string, unknown> {
  return choice === 'allow-same-namespace'
    ? { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }], policyTypes: ['Ingress'] }
    : { podSelector: {}, policyTypes: ['Ingress'] };
}

export function planNetworkPolicy(namespace: string, choice: NetworkPolicyChoice): KubeApplyStep {
  const name = networkPolicyName(choice);
  const spec = networkPolicySpec(choice);
  return finish({
    kind: 'kube-apply',
    id: `networkpolicies/${namespace}/${name}`,
    title: `NetworkPolicy ${namespace}/${name}: create (${choice === 'allow-same-namespace' ? 'ingress only from pods of the same namespace' : 'deny all ingress'})`,
    ref: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', resource: 'networkpolicies', namespace, name },
    body: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'rke-harden' } },
      spec,
    },
    fields: [{ path: ['spec'], value: spec }],
    prior: { exists: false },
  });
}

/** PSA labels of the chosen level for the modes that have none; warnings for weaker levels someone set. */
export function planNamespaceLabels(ns: KubeObject, opts: Pick<ClusterPlanOptions, 'psaLevel' | 'psaVersion'>): { step?: KubeApplyStep; warning?: string } {
  const name = str(meta(ns).name);
  const labels = (meta(ns).labels ?? {}) as Record<string, string>;
  const add: Record<string, string> = {};
  for (const mode of PSA_MODES) {
    const key = `${PSA_PREFIX}${mode}`;
    if (labels[key] !== undefined) continue;
    add[key] = opts.psaLevel;
    if (labels[`${key}-version`] === undefined) add[`${key}-version`] = opts.psaVersion;
  }
  const enforced = labels[`${PSA_PREFIX}enforce`];
  const warning =
    enforced !== undefined && (LEVEL_RANK[enforced] ?? -1) < LEVEL_RANK[opts.psaLevel]!
      ? `namespace ${name} already enforces Pod Security "${enforced}" (weaker than ${opts.psaLevel}): left as it is`
      : undefined;
  if (Object.keys(add).length === 0) return warning ? { warning } : {};
  const step = finish({
    kind: 'kube-apply',
    id: `namespaces/${name}`,
    title: `Namespace ${name}: Pod Security labels ${Object.entries(add).map(([k, v]) => `${k.slice(PSA_PREFIX.length)}=${v}`).join(', ')}`,
    ref: { apiVersion: 'v1', kind: 'Namespace', resource: 'namespaces', name },
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: str(meta(ns).resourceVersion), labels: add } },
    fields: Object.entries(add).map(([k, v]) => ({ path: ['metadata', 'labels', k], value: v })),
    prior: priorOf(ns),
  });
  return warning ? { step, warning } : { step };
}

export function planCluster(obs: ClusterObservation, opts: ClusterPlanOptions): RemediationPlan<KubeApplyStep> {
  const plan: RemediationPlan<KubeApplyStep> = { target: obs.target, steps: [], skipped: [], warnings: [], blockers: [] };
  const excluded = new Set(opts.exclude);
  const skip = (subject: string, reason: string) => plan.skipped.push({ subject, reason } satisfies Skipped);
  const namespaces = [...obs.namespaces].sort((a, b) => str(meta(a).name).localeCompare(str(meta(b).name)));
  for (const ns of namespaces) {
    const name = str(meta(ns).name);
    if (excluded.has(name)) {
      skip(`namespace/${name}`, 'excluded (--exclude-namespace)');
      continue;
    }
    // Own keys only (Object.hasOwn): a namespace named `constructor` is a namespace like any other.
    if (Object.hasOwn(opts.exemptions, name)) {
      skip(`namespace/${name}`, `exempt: ${opts.exemptions[name]}`);
      continue;
    }
    if (getPath(ns, ['status', 'phase']) === 'Terminating') {
      skip(`namespace/${name}`, 'terminating');
      continue;
    }
    const sa = Object.hasOwn(obs.defaultServiceAccounts, name) ? obs.defaultServiceAccounts[name] : undefined;
    if (!sa) skip(`serviceaccount/${name}/default`, 'no default ServiceAccount yet (kube-controller-manager creates it): rerun later');
    else {
      const step = planServiceAccount(sa);
      if (step) plan.steps.push(step);
    }
    if (!Object.hasOwn(obs.networkPolicyCounts, name)) plan.steps.push(planNetworkPolicy(name, opts.networkPolicy));
    const { step, warning } = planNamespaceLabels(ns, opts);
    if (step) plan.steps.push(step);
    if (warning) plan.warnings.push(warning);
  }
  // A name that matches nothing is most often a typo: the namespace meant is being changed.
  const names = new Set(namespaces.map((ns) => str(meta(ns).name)));
  for (const name of excluded) if (!names.has(name)) plan.warnings.push(`--exclude-namespace ${name}: no such namespace in the cluster`);
  return plan;
}
