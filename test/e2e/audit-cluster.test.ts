// `audit cluster` against a real kube-apiserver + etcd + kube-controller-manager: three seeded clusters
// (default, hardened, mixed) with the expected verdict of every cluster check and of the benchmark's
// controls; faults injected by a proxy in front of the real API server (429 + Retry-After, 500, reset,
// truncated and slow responses, pagination) change nothing but timing; a list that keeps failing and a
// real RBAC 403 become `error` results, never `pass`.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCluster, type AuditClusterOptions } from '../../src/cli/audit-cluster-command.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { auditSnapshots } from '../../src/cli/audit-snapshot-command.js';
import { writeSnapshotFile } from '../../src/cli/snapshot-file.js';
import { tempTree } from '../support/temp-files.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { evaluateCheck } from '../../src/engine/evaluate-check.js';
import type { FactSnapshot } from '../../src/model/fact.js';
import type { ScanRun } from '../../src/model/result.js';
import type { Status } from '../../src/model/status.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { findControlPlaneBinaries } from '../support/controlplane-bin.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { writeKubeconfig } from '../support/kubeconfig.js';
import { bind, clusterRole, create, seedDefault, seedHardened, seedMixed } from '../support/seed-cluster.js';

// No binaries => this file fails here with the message to run scripts/build-controlplane.sh.
findControlPlaneBinaries();

const catalog = loadCatalog();
const CLUSTER_CHECKS = [...catalog.checks.values()].filter((c) => c.component === 'cluster');
type Verdicts = Record<string, Status>;

/** The verdict of every cluster check on a snapshot. */
function verdicts(snapshot: FactSnapshot): Verdicts {
  const here = Object.fromEntries(CLUSTER_CHECKS.map((c) => [c.id, evaluateCheck(c, snapshot).status]));
  // The collector's own facts skip schema validation (read-facts.ts markCollected); the same facts after a
  // trip through JSON (as a node agent's or a saved snapshot) are validated: same verdicts, no error.
  const copy = JSON.parse(JSON.stringify(snapshot)) as FactSnapshot;
  expect(Object.fromEntries(CLUSTER_CHECKS.map((c) => [c.id, evaluateCheck(c, copy).status]))).toEqual(here);
  return here;
}

const allPass = (): Verdicts => Object.fromEntries(CLUSTER_CHECKS.map((c) => [c.id, 'pass' as Status]));

const POD_RULES_PLAIN_POD: Verdicts = {
  'pods-no-privileged-containers': 'pass', 'pods-no-host-pid': 'pass', 'pods-no-host-ipc': 'pass', 'pods-no-host-network': 'pass',
  'pods-no-privilege-escalation': 'fail', 'pods-run-as-non-root': 'fail', 'pods-drop-net-raw': 'fail', 'pods-no-added-capabilities': 'pass',
  'pods-drop-all-capabilities': 'fail', 'pods-no-windows-hostprocess': 'pass', 'pods-no-hostpath-volumes': 'pass', 'pods-no-host-ports': 'pass',
  'pods-seccomp-profile-set': 'fail', 'pods-security-context-restricted': 'fail',
};

/** A fresh cluster plus one plain pod: RBAC is Kubernetes' own, nothing else is hardened. */
const DEFAULT: Verdicts = {
  ...allPass(),
  ...POD_RULES_PLAIN_POD,
  'default-service-accounts-not-used': 'fail',
  'service-account-tokens-mounted-only-where-necessary': 'fail',
  'psa-policy-enforced-in-every-namespace': 'manual', // no labels; the admission default is not visible through the API
  'namespaces-have-network-policies': 'fail',
  'cni-supports-network-policies': 'manual', // no CNI DaemonSet on the test control plane
};

const HARDENED: Verdicts = allPass();

const MIXED: Verdicts = {
  ...allPass(),
  'rbac-cluster-admin-only-where-required': 'manual', // cluster-admin inside namespace app only
  'rbac-secrets-access-minimized': 'fail', // system:authenticated
  'rbac-wildcards-minimized': 'fail', // ClusterRole deployer
  'rbac-pod-create-minimized': 'manual', // bob and app/ci, namespaced
  'rbac-bind-escalate-impersonate-minimized': 'fail', // carol, cluster-wide
  'rbac-sa-token-create-minimized': 'manual', // app/ci through namespaced cluster-admin
  'default-service-accounts-not-used': 'fail', // legacy
  'service-account-tokens-mounted-only-where-necessary': 'fail', // legacy/agent
  'psa-policy-enforced-in-every-namespace': 'fail', // legacy is privileged
  'pods-no-privileged-containers': 'fail', 'pods-no-host-pid': 'fail', 'pods-no-host-network': 'fail', 'pods-no-privilege-escalation': 'fail',
  'pods-run-as-non-root': 'fail', 'pods-drop-net-raw': 'fail', 'pods-no-added-capabilities': 'fail', 'pods-drop-all-capabilities': 'fail',
  'pods-no-hostpath-volumes': 'fail', 'pods-no-host-ports': 'fail', 'pods-seccomp-profile-set': 'fail', 'pods-security-context-restricted': 'fail',
  'namespaces-have-network-policies': 'fail', // legacy
  'secrets-not-in-env-vars': 'fail',
  'default-namespace-not-used': 'fail', // pod default/debug
};

/** Every benchmark control bound to a cluster check reports that check's verdict. */
function expectControls(run: ScanRun, expected: Verdicts): void {
  const bound = run.results.filter((r) => r.checkId && r.checkId in expected);
  const mismatches = bound.filter((r) => r.status !== expected[r.checkId!]).map((r) => `${r.controlId} ${r.checkId}: ${r.status}`);
  expect(mismatches).toEqual([]);
}

/** Section-5 titles no API check can decide (judgement or outside the cluster's objects). */
const MANUAL_TITLES = [
  'Consider external secret storage',
  'Configure Image Provenance using ImagePolicyWebhook admission controller',
  'Create administrative boundaries between resources using namespaces',
];

async function audit(kubeconfig: string, extra: Partial<AuditClusterOptions> = {}) {
  return auditCluster({ kubeconfig, distro: 'rke2', ...extra });
}

describe('audit cluster: a default cluster', () => {
  let cp: ControlPlane;
  let result: Awaited<ReturnType<typeof audit>>;
  beforeAll(async () => {
    cp = await startControlPlane();
    await seedDefault(cp.request);
    result = await audit(cp.kubeconfigPath);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('has the expected verdict for every cluster check', () => {
    expect(verdicts(result.snapshot)).toEqual(DEFAULT);
  });

  it('reports the controls of the benchmark the server version selects', () => {
    expect(result.run.benchmark.id).toBe('rke2-cis-1.12');
    expect(result.run.targets[0]).toMatchObject({ kind: 'cluster', k8sVersion: cp.version.gitVersion });
    expectControls(result.run, DEFAULT);
  });

  it('binds every section-5 control the API can decide to a cluster check', () => {
    const unbound = result.run.results
      .filter((r) => r.section.startsWith('5.') && !r.checkId && r.status !== 'notApplicable' && !MANUAL_TITLES.includes(r.title))
      .map((r) => `${r.controlId} ${r.title}`);
    expect(unbound, 'regenerate the benchmarks: npx tsx scripts/import-benchmarks.ts').toEqual([]);
  });

  it('names the objects in the evidence', () => {
    const tokens = evaluateCheck(catalog.checks.get('service-account-tokens-mounted-only-where-necessary')!, result.snapshot);
    expect(tokens.evidence[0]!.observed).toMatch(/app\/web \(ServiceAccount default\)/);
    const sas = evaluateCheck(catalog.checks.get('default-service-accounts-not-used')!, result.snapshot);
    expect(sas.evidence[0]!.observed).toMatch(/token automounted in: .*app/);
    expect(sas.evidence.some((e) => /kube-system \(exempt: rke2 list for v1\./.test(e.observed ?? ''))).toBe(true);
  });

  it('saved with its snapshot, the audit replays offline to the same report (the facts pass their schemas read back)', () => {
    const file = join(tempTree({}), 'cluster.snapshot.json');
    writeSnapshotFile(result.snapshot, file);
    const replayed = auditSnapshots([file], {}).run;
    expect(replayed.targets).toEqual(result.run.targets);
    expect(replayed.results).toEqual(result.run.results);
    expect(replayed.results.filter((r) => r.status === 'error')).toEqual([]);
  });
});

describe('audit cluster: a hardened cluster', () => {
  let cp: ControlPlane;
  let result: Awaited<ReturnType<typeof audit>>;
  beforeAll(async () => {
    cp = await startControlPlane();
    await seedHardened(cp.request);
    result = await audit(cp.kubeconfigPath);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('passes every cluster check', () => {
    expect(verdicts(result.snapshot)).toEqual(HARDENED);
    expectControls(result.run, HARDENED);
    expect(result.run.summary.error).toBe(0);
  });
});

describe('audit cluster: a mixed cluster, and faults', () => {
  let cp: ControlPlane;
  let proxy: FaultProxy;
  let viaProxy: string;
  let result: Awaited<ReturnType<typeof audit>>;
  const exemptions = ['rke2', 'rancher-restricted'];

  beforeAll(async () => {
    cp = await startControlPlane();
    await seedMixed(cp.request);
    result = await audit(cp.kubeconfigPath, { exemptions });
    proxy = await startFaultProxy({
      upstream: cp.server,
      upstreamTls: { ca: cp.pki.ca.cert, cert: cp.pki.admin.cert, key: cp.pki.admin.key },
      tls: { cert: cp.pki.apiServer.cert, key: cp.pki.apiServer.key },
    });
    viaProxy = await writeKubeconfig(join(cp.dir, 'proxy.kubeconfig'), { server: proxy.url, caFile: cp.pki.ca.cert, certFile: cp.pki.admin.cert, keyFile: cp.pki.admin.key, name: 'via-proxy' });
  });
  afterAll(async () => {
    await proxy?.close();
    await cp?.stop();
  });
  const reset = () => {
    proxy.clearRules();
    proxy.requests.length = 0;
  };

  it('has the expected verdict for every cluster check', () => {
    expect(verdicts(result.snapshot)).toEqual(MIXED);
    expectControls(result.run, MIXED);
  });

  it('reports exempt namespaces in the evidence instead of skipping them', () => {
    const privileged = evaluateCheck(catalog.checks.get('pods-no-privileged-containers')!, result.snapshot);
    expect(privileged.evidence[0]!.observed).toBe('legacy/agent (container agent: privileged)');
    expect(privileged.evidence[1]!.observed).toMatch(/^cattle-system \(exempt: rancher-restricted list\): cattle-node-agent/);
  });

  it('retries 429 (honouring Retry-After), 500, resets, truncated and slow responses without changing a verdict', async () => {
    reset();
    proxy.addRule({ match: '/api/v1/pods', fault: { kind: 'status', status: 429, retryAfter: 1 }, times: 2 });
    proxy.addRule({ match: '/apis/rbac.authorization.k8s.io/v1/clusterroles', fault: { kind: 'status', status: 500 }, times: 2 });
    proxy.addRule({ match: '/api/v1/namespaces', fault: { kind: 'reset' }, times: 1 });
    proxy.addRule({ match: '/api/v1/serviceaccounts', fault: { kind: 'truncate' }, times: 1 });
    proxy.addRule({ match: '/apis/rbac.authorization.k8s.io/v1/rolebindings', fault: { kind: 'delay', ms: 4_000 }, times: 1 });
    const retried: string[] = [];
    const t0 = Date.now();
    const faulty = await audit(viaProxy, { exemptions, requestTimeout: 1, progress: (l) => l.startsWith('retrying') && retried.push(l) });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
    expect(verdicts(faulty.snapshot)).toEqual(MIXED);
    expect(faulty.snapshot.errors).toEqual({});
    expect(proxy.requestsTo('/api/v1/pods').map((r) => r.status)).toEqual([429, 429, 200]);
    expect(proxy.requestsTo('/apis/rbac.authorization.k8s.io/v1/clusterroles').map((r) => r.status)).toEqual([500, 500, 200]);
    expect(proxy.requestsTo('/api/v1/namespaces').filter((r) => !r.url.includes('/namespaces/')).map((r) => r.fault ?? r.status)).toEqual(['reset', 200]);
    expect(proxy.requestsTo('/api/v1/serviceaccounts').map((r) => r.fault ?? r.status)).toEqual(['truncate', 200]);
    expect(proxy.requestsTo('/apis/rbac.authorization.k8s.io/v1/rolebindings').map((r) => r.fault ?? r.status)).toEqual(['delay', 200]);
    expect(retried.length).toBe(7);
    expect(retried.join('\n')).toMatch(/retrying list v1 pods in 1000 ms \(attempt 1 failed: HTTP 429\)/);
  });

  it('pages through every list with limit and continue', async () => {
    reset();
    const paged = await audit(viaProxy, { exemptions, pageSize: 5 });
    expect(verdicts(paged.snapshot)).toEqual(MIXED);
    const clusterRoles = proxy.requestsTo('/apis/rbac.authorization.k8s.io/v1/clusterroles');
    expect(clusterRoles.length).toBeGreaterThan(10);
    expect(clusterRoles.every((r) => r.url.includes('limit=5'))).toBe(true);
    expect(clusterRoles.slice(1).every((r) => r.url.includes('continue='))).toBe(true);
  });

  it('turns a list that keeps failing into error results, never a pass', async () => {
    reset();
    proxy.addRule({ match: '/api/v1/pods', fault: { kind: 'status', status: 500 } });
    const broken = await audit(viaProxy, { exemptions, timeout: 60 });
    expect(proxy.requestsTo('/api/v1/pods')).toHaveLength(6);
    expect(broken.snapshot.errors['cluster.pods']).toMatch(/^could not list pods \(verb list, resource pods, all namespaces\): .*HTTP 500.*gave up; 6 attempts/);
    const v = verdicts(broken.snapshot);
    const podChecks = CLUSTER_CHECKS.filter((c) => ['pods-', 'secrets-not', 'service-account-tokens', 'default-namespace'].some((p) => c.id.startsWith(p)));
    for (const c of podChecks) expect(v[c.id], c.id).toBe('error');
    for (const [id, status] of Object.entries(v)) if (status !== 'error') expect(status, id).toBe(MIXED[id]);
    expect(broken.run.results.filter((r) => r.checkId?.startsWith('pods-')).every((r) => r.status === 'error')).toBe(true);
    expect(exitCodeFor(broken.run, 'fail')).toBe(3);
  });

  it('reports a real RBAC 403 as error results naming the verb and resource', async () => {
    // An auditor that may list everything the audit reads but pods.
    await clusterRole(cp.request, 'auditor-without-pods', [
      { apiGroups: [''], resources: ['namespaces', 'serviceaccounts', 'services', 'configmaps'], verbs: ['list'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'], verbs: ['list'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['list'] },
      { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'statefulsets'], verbs: ['list'] },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['list'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['list'] },
    ]);
    await create(cp.request, '/api/v1/namespaces/kube-system/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'auditor' } });
    await bind(cp.request, { name: 'auditor-without-pods', role: 'auditor-without-pods', subjects: [{ kind: 'ServiceAccount', namespace: 'kube-system', name: 'auditor' }] });
    const tokenResponse = await cp.request('POST', '/api/v1/namespaces/kube-system/serviceaccounts/auditor/token', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 },
    });
    expect(tokenResponse.status, tokenResponse.body).toBe(201);
    const token = tokenResponse.json<{ status: { token: string } }>().status.token;
    const kubeconfig = join(cp.dir, 'auditor.kubeconfig');
    await writeFile(kubeconfig, [
      'apiVersion: v1', 'kind: Config',
      'clusters:', '- name: c', '  cluster:', `    server: ${JSON.stringify(cp.server)}`, `    certificate-authority: ${JSON.stringify(cp.pki.ca.cert)}`,
      'users:', '- name: auditor', '  user:', `    token: ${JSON.stringify(token)}`,
      'contexts:', '- name: auditor', '  context: {cluster: c, user: auditor}', 'current-context: auditor', '',
    ].join('\n'), { mode: 0o600 });

    const denied = await audit(kubeconfig, { exemptions });
    expect(Object.keys(denied.snapshot.errors)).toEqual(['cluster.pods']);
    expect(denied.snapshot.errors['cluster.pods']).toMatch(
      /^forbidden: cannot list pods \(verb list, resource pods, all namespaces\); the server said: .*system:serviceaccount:kube-system:auditor.* cannot list resource "pods"/,
    );
    const privileged = denied.run.results.find((r) => r.checkId === 'pods-no-privileged-containers');
    if (privileged) expect(privileged.status).toBe('error');
    const v = verdicts(denied.snapshot);
    expect(v['pods-no-privileged-containers']).toBe('error');
    expect(v['rbac-wildcards-minimized']).toBe('fail');
    expect(Object.values(v).filter((s) => s === 'error')).toHaveLength(17);
  });
});
