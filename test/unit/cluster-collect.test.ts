// collectCluster and auditCluster over an in-memory KubeApi: facts, exemptions, distro detection,
// errors that reach the checks as `error` (never `pass`).
import { describe, expect, it } from 'vitest';
import { auditCluster } from '../../src/cli/audit-cluster-command.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { collectCluster } from '../../src/collectors/cluster/collect-cluster.js';
import { KubeApiError, listPath, type KubeApi, type ListOptions, type ResourceRef } from '../../src/collectors/cluster/kube-api.js';
import { evaluateCheck } from '../../src/engine/evaluate-check.js';

/** Objects by list path; a path mapped to a number answers with that HTTP status. */
function memoryApi(gitVersion: string, objects: Record<string, unknown[] | number>, calls: string[] = []): KubeApi {
  return {
    server: 'https://memory:6443',
    version: async () => ({ gitVersion }),
    list: async (r: ResourceRef, o: ListOptions) => {
      const path = listPath(r);
      calls.push(`${path}${o.continue ? `?continue=${o.continue}` : ''}`);
      const data = objects[path] ?? [];
      if (typeof data === 'number') throw new KubeApiError(`HTTP ${data}`, 'http', { status: data });
      const offset = Number(o.continue ?? 0);
      const next = offset + o.limit < data.length ? String(offset + o.limit) : undefined;
      return { items: data.slice(offset, offset + o.limit), ...(next ? { continue: next } : {}) };
    },
  };
}

const ns = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels } });
const sa = (namespace: string, automount?: boolean) => ({ metadata: { name: 'default', namespace }, ...(automount === undefined ? {} : { automountServiceAccountToken: automount }) });

const CLUSTER = {
  '/api/v1/namespaces': [ns('default'), ns('kube-system'), ns('team-a', { 'pod-security.kubernetes.io/enforce': 'restricted' })],
  '/api/v1/serviceaccounts': [sa('default', false), sa('kube-system'), sa('team-a', false)],
  '/api/v1/pods': [{ metadata: { name: 'etcd-node1', namespace: 'kube-system' }, spec: { hostNetwork: true, containers: [{ name: 'etcd' }] } }],
  '/apis/networking.k8s.io/v1/networkpolicies': [{ metadata: { name: 'p', namespace: 'default' }, spec: { podSelector: {} } }],
  '/api/v1/namespaces/default/services': [{ metadata: { name: 'kubernetes' } }],
};

const clusterChecks = [...loadCatalog().checks.values()].filter((c) => c.component === 'cluster');

describe('collectCluster', () => {
  it('reduces every list into a cluster.* fact and records the exemptions used', async () => {
    const calls: string[] = [];
    const snap = await collectCluster({ api: memoryApi('v1.31.4+rke2r1', CLUSTER, calls), pageSize: 2 });
    expect(snap.distro).toBe('rke2');
    expect(snap.k8sVersion).toBe('v1.31.4+rke2r1');
    expect(snap.target).toEqual({ kind: 'cluster', name: 'https://memory:6443' });
    expect(snap.errors).toEqual({});
    expect(snap.facts['cluster.namespaces']!.value).toHaveLength(3);
    expect(calls.filter((c) => c.startsWith('/api/v1/namespaces?'))).toEqual(['/api/v1/namespaces?continue=2']);
    expect(snap.facts['cluster.exemptions.namespaces']!.value).toEqual({
      'cis-operator-system': 'rke2 list for v1.31.4+rke2r1', 'kube-system': 'rke2 list for v1.31.4+rke2r1', 'tigera-operator': 'rke2 list for v1.31.4+rke2r1',
    });
    expect(snap.facts['cluster.podsecuritypolicies']).toBeUndefined();
    expect(snap.facts['cluster.defaultNamespace.services']!.value).toEqual(['kubernetes']);
  });

  it('lists PodSecurityPolicies on servers older than 1.25 only, and a 404 there is an empty list', async () => {
    const old = await collectCluster({ api: memoryApi('v1.24.17+rke2r1', { ...CLUSTER, '/apis/policy/v1beta1/podsecuritypolicies': 404 }) });
    expect(old.facts['cluster.podsecuritypolicies']!.value).toEqual([]);
    expect(old.errors).toEqual({});
  });

  it('detects RKE1 from -rancher builds and refuses to guess otherwise', async () => {
    expect((await collectCluster({ api: memoryApi('v1.26.8-rancher1', CLUSTER) })).distro).toBe('rke1');
    await expect(collectCluster({ api: memoryApi('v1.31.0', CLUSTER) })).rejects.toThrow(/pass --distro/);
    expect((await collectCluster({ api: memoryApi('v1.31.0', CLUSTER), distro: { distro: 'rke2', from: '--distro rke2' } })).distro).toBe('rke2');
  });

  it('refuses a distro option the server version contradicts', async () => {
    const err = await collectCluster({ api: memoryApi('v1.31.4+rke2r1', CLUSTER), distro: { distro: 'rke1', from: '--benchmark rke-cis-1.8-hardened' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'usage', message: "--benchmark rke-cis-1.8-hardened is RKE1's, but the server version v1.31.4+rke2r1 is RKE2's" });
    expect((await collectCluster({ api: memoryApi('v1.26.8-rancher1', CLUSTER), distro: { distro: 'rke1', from: '--distro rke1' } })).distro).toBe('rke1');
  });

  it('suggests Rancher\'s list on a Rancher-managed cluster audited with the distro list only', async () => {
    const rancher = { ...CLUSTER, '/api/v1/namespaces': [...CLUSTER['/api/v1/namespaces'], ns('cattle-system')] };
    expect((await collectCluster({ api: memoryApi('v1.31.4+rke2r1', rancher) })).warnings).toEqual([expect.stringMatching(/pass --exemptions rke2,rancher-restricted/)]);
    expect((await collectCluster({ api: memoryApi('v1.31.4+rke2r1', rancher), exemptions: ['rke2,rancher-restricted'] })).warnings).toEqual([]);
    // Spaces after the commas name the same lists (as the lists themselves are read): no hint.
    expect((await collectCluster({ api: memoryApi('v1.31.4+rke2r1', rancher), exemptions: ['rke2, rancher-restricted'] })).warnings).toEqual([]);
    expect((await collectCluster({ api: memoryApi('v1.31.4+rke2r1', CLUSTER) })).warnings).toEqual([]);
  });

  it('uses the lists and namespaces the user chose', async () => {
    const snap = await collectCluster({ api: memoryApi('v1.31.4+rke2r1', CLUSTER), exemptions: ['none'], exemptNamespaces: ['team-a'] });
    expect(snap.facts['cluster.exemptions.namespaces']!.value).toEqual({ 'team-a': '--exempt-namespace' });
  });

  it('turns a denied list into error results for every check that reads it, and no pass', async () => {
    const snap = await collectCluster({ api: memoryApi('v1.31.4+rke2r1', { ...CLUSTER, '/api/v1/pods': 403, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings': 403 }) });
    expect(snap.errors['cluster.pods']).toMatch(/^forbidden: cannot list pods \(verb list, resource pods, all namespaces\)/);
    expect(snap.errors['cluster.clusterrolebindings']).toMatch(/resource clusterrolebindings\.rbac\.authorization\.k8s\.io, cluster-scoped/);
    const byId = new Map(clusterChecks.map((c) => [c.id, evaluateCheck(c, snap)]));
    for (const id of ['pods-no-privileged-containers', 'service-account-tokens-mounted-only-where-necessary', 'default-namespace-not-used', 'rbac-cluster-admin-only-where-required', 'default-service-accounts-not-used']) {
      expect(byId.get(id)!.status, id).toBe('error');
      expect(byId.get(id)!.reason, id).toMatch(/forbidden: cannot list/);
    }
    expect(byId.get('namespaces-have-network-policies')!.status).toBe('fail'); // unaffected: team-a has no policy
  });

  it('evaluates every cluster check on a clean snapshot without errors', async () => {
    const snap = await collectCluster({ api: memoryApi('v1.31.4+rke2r1', CLUSTER) });
    for (const c of clusterChecks) expect(['pass', 'fail', 'manual'], c.id).toContain(evaluateCheck(c, snap).status);
  });
});

describe('auditCluster', () => {
  it('selects the benchmark from the distro and version and reports the cluster target', async () => {
    const { run, snapshot } = await auditCluster({ api: memoryApi('v1.31.4+rke2r1', CLUSTER) });
    expect(run.benchmark.id).toBe('rke2-cis-1.11');
    expect(run.targets).toEqual([{ kind: 'cluster', name: 'https://memory:6443', benchmark: 'rke2-cis-1.11', k8sVersion: 'v1.31.4+rke2r1' }]);
    expect(snapshot.facts['cluster.pods']).toBeDefined();
  });

  it('takes the distro from --benchmark when the version does not name it', async () => {
    const { run } = await auditCluster({ api: memoryApi('v1.30.2', CLUSTER), benchmark: 'rke-cis-1.8-hardened' });
    expect(run.benchmark.id).toBe('rke-cis-1.8-hardened');
    expect(run.targets[0]!.kind).toBe('cluster');
  });
});
