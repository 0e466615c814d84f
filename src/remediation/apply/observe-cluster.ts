/**
 * Read what `harden cluster` plans from, with the cluster collector's API port, pagination and retry
 * policy: the server version, every Namespace, every `default` ServiceAccount and which namespaces
 * have a NetworkPolicy (metadata only).
 */
import type { KubeTarget } from '../../collectors/cluster/kube-target.js';
import { HttpKubeApi } from '../../collectors/cluster/http-kube-api.js';
import type { KubeApi } from '../../collectors/cluster/kube-api.js';
import { listAll } from '../../collectors/cluster/paginate.js';
import { DEFAULT_RETRY, withRetry } from '../../collectors/cluster/retry.js';
import { withoutManagedFields, type ClusterObservation } from '../cluster-plan.js';
import type { ClusterTarget, KubeObject } from '../plan.js';

const PAGE_SIZE = 500;

const isObject = (v: unknown): v is KubeObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const metaOf = (v: KubeObject): Record<string, unknown> => (isObject(v.metadata) ? v.metadata : {});

export interface ClusterConnection {
  api: KubeApi;
  target: ClusterTarget;
}

export async function connect(kc: KubeTarget, api: KubeApi = new HttpKubeApi(kc)): Promise<ClusterConnection> {
  const retry = { ...DEFAULT_RETRY, deadline: Date.now() + 120_000 };
  const { gitVersion } = await withRetry('GET /version', (timeoutMs) => api.version({ timeoutMs }), retry);
  return { api, target: { kind: 'cluster', server: api.server, context: kc.getCurrentContext(), gitVersion } };
}

export async function observeCluster(conn: ClusterConnection): Promise<ClusterObservation> {
  const { api } = conn;
  const opts = () => ({ pageSize: PAGE_SIZE, retry: { ...DEFAULT_RETRY, deadline: Date.now() + 300_000 } });
  const [namespaces, serviceAccounts, policies] = await Promise.all([
    listAll(api, { group: '', version: 'v1', resource: 'namespaces' }, (o) => (isObject(o) ? withoutManagedFields(o) : undefined), opts()),
    listAll(
      api,
      { group: '', version: 'v1', resource: 'serviceaccounts' },
      (o) => (isObject(o) && metaOf(o).name === 'default' ? withoutManagedFields(o) : undefined),
      opts(),
    ),
    listAll(
      api,
      { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
      (o) => (isObject(o) && typeof metaOf(o).namespace === 'string' ? (metaOf(o).namespace as string) : undefined),
      { ...opts(), metadataOnly: true },
    ),
  ]);
  // The cluster's identity for the journal (rollback from elsewhere: another URL, the same cluster).
  const kubeSystemUid = metaOf(namespaces.items.find((n) => metaOf(n).name === 'kube-system') ?? {}).uid;
  if (typeof kubeSystemUid === 'string') conn.target.clusterUid = kubeSystemUid;
  const defaultServiceAccounts: Record<string, KubeObject> = {};
  for (const sa of serviceAccounts.items) defaultServiceAccounts[metaOf(sa).namespace as string] = sa;
  const networkPolicyCounts: Record<string, number> = {};
  for (const ns of policies.items) networkPolicyCounts[ns] = (Object.hasOwn(networkPolicyCounts, ns) ? networkPolicyCounts[ns]! : 0) + 1;
  return { target: conn.target, namespaces: namespaces.items, defaultServiceAccounts, networkPolicyCounts };
}
