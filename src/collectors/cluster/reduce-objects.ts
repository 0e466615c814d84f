/** Reducers of the smaller objects: namespaces, ServiceAccounts, NetworkPolicies, DaemonSets, webhooks, names. */
import type {
  V1DaemonSet, V1Namespace, V1NetworkPolicy, V1ServiceAccount, V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import type {
  DaemonSet, Namespace, NetworkPolicy, ServiceAccount, WebhookConfiguration,
} from '../../engine/evaluators/cluster/cluster-facts.js';

const PSA_LABEL_PREFIX = 'pod-security.kubernetes.io/';

interface Named { metadata?: { name?: string; namespace?: string } }

/**
 * A namespace to judge, or undefined. One being deleted (Terminating, often stuck on a finalizer) is
 * left out: Kubernetes has removed its NetworkPolicies first, and nothing new starts in it.
 */
export function reduceNamespace(raw: unknown): Namespace | undefined {
  const n = raw as V1Namespace;
  const name = n?.metadata?.name;
  if (!name || n.metadata?.deletionTimestamp || n.status?.phase === 'Terminating') return undefined;
  const labels = Object.fromEntries(Object.entries(n.metadata?.labels ?? {}).filter(([k]) => k.startsWith(PSA_LABEL_PREFIX)));
  return Object.keys(labels).length ? { name, labels } : { name };
}

export function reduceServiceAccount(raw: unknown): ServiceAccount | undefined {
  const a = raw as V1ServiceAccount;
  const name = a?.metadata?.name;
  if (!name) return undefined;
  const sa: ServiceAccount = { namespace: a.metadata?.namespace ?? '', name };
  if (typeof a.automountServiceAccountToken === 'boolean') sa.automountServiceAccountToken = a.automountServiceAccountToken;
  return sa;
}

/** A policy rule as the API sends it (client-node's model renames `from` to `_from`; raw JSON does not). */
interface RawRule { from?: unknown[]; to?: unknown[]; ports?: unknown[] }

const emptyRule = (r: RawRule): boolean => !r.from?.length && !r.to?.length && !r.ports?.length;

/** Selects every pod and, for each policy type it declares, has a rule that allows everything. */
function allowsAll(p: V1NetworkPolicy): boolean {
  const spec = p.spec;
  if (!spec) return false;
  const selector = spec.podSelector ?? {};
  if (selector.matchLabels && Object.keys(selector.matchLabels).length) return false;
  if (selector.matchExpressions?.length) return false;
  const types = spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
  const ingressOpen = !types.includes('Ingress') || ((spec.ingress ?? []) as RawRule[]).some(emptyRule);
  const egressOpen = !types.includes('Egress') || ((spec.egress ?? []) as RawRule[]).some(emptyRule);
  return ingressOpen && egressOpen;
}

export function reduceNetworkPolicy(raw: unknown): NetworkPolicy | undefined {
  const p = raw as V1NetworkPolicy;
  const name = p?.metadata?.name;
  if (!name) return undefined;
  return { namespace: p.metadata?.namespace ?? '', name, ...(allowsAll(p) ? { allowsAll: true } : {}) };
}

export function reduceDaemonSet(raw: unknown): DaemonSet | undefined {
  const d = raw as V1DaemonSet;
  const name = d?.metadata?.name;
  if (!name) return undefined;
  const pod = d.spec?.template?.spec;
  const images = [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])].map((c) => c.image ?? '').filter(Boolean);
  return { namespace: d.metadata?.namespace ?? '', name, images: [...new Set(images)] };
}

export function reduceWebhookConfiguration(raw: unknown): WebhookConfiguration | undefined {
  const w = raw as V1ValidatingWebhookConfiguration;
  const name = w?.metadata?.name;
  if (!name) return undefined;
  const interceptsPods = (w.webhooks ?? []).some((h) =>
    (h.rules ?? []).some(
      (r) =>
        (r.resources ?? []).some((x) => x === 'pods' || x === '*' || x === '*/*') &&
        (r.apiGroups ?? []).some((g) => g === '' || g === '*') &&
        (r.operations ?? []).some((o) => o === 'CREATE' || o === '*'),
    ),
  );
  return interceptsPods ? { name, interceptsPods } : { name };
}

/** Just the name (PodSecurityPolicies, default-namespace listings fetched as metadata only). */
export function reduceName(raw: unknown): string | undefined {
  return (raw as Named)?.metadata?.name;
}

export function reduceNamed(raw: unknown): { name: string } | undefined {
  const name = reduceName(raw);
  return name ? { name } : undefined;
}
