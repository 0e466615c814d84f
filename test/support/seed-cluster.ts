// Seeds a real API server with the objects the `audit cluster` tests and bench need: namespaces,
// ServiceAccounts, pods (never scheduled: the test control plane has no kubelet), NetworkPolicies,
// DaemonSets and RBAC. Scenarios: default (a fresh cluster with one plain app), hardened (what the
// Rancher guides ask for) and mixed (hardened plus typical violations).
import type { ControlPlane } from './control-plane.js';

type Obj = Record<string, unknown>;
type Request = ControlPlane['request'];

const IMAGE = 'registry.k8s.io/pause:3.10';
const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';

async function expectOk(what: string, response: Awaited<ReturnType<Request>>, ok: number[] = [200, 201]): Promise<void> {
  if (!ok.includes(response.status)) throw new Error(`${what}: HTTP ${response.status}: ${response.body.slice(0, 400)}`);
}

/** POST an object to a collection path. */
export async function create(request: Request, path: string, obj: Obj): Promise<void> {
  await expectOk(`POST ${path}`, await request('POST', path, obj));
}

export async function createNamespace(request: Request, name: string, labels: Record<string, string> = {}): Promise<void> {
  await create(request, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
}

export async function labelNamespace(request: Request, name: string, labels: Record<string, string>): Promise<void> {
  const r = await request('PATCH', `/api/v1/namespaces/${name}`, { metadata: { labels } }, { 'content-type': 'application/merge-patch+json' });
  await expectOk(`label namespace ${name}`, r);
}

/**
 * Set automountServiceAccountToken on a ServiceAccount, creating it when the controller has not yet
 * (races with kube-controller-manager are settled by retrying the patch after a 409).
 */
export async function setAutomount(request: Request, namespace: string, name: string, automount: boolean): Promise<void> {
  const path = `/api/v1/namespaces/${namespace}/serviceaccounts`;
  for (let attempt = 0; attempt < 5; attempt++) {
    const patched = await request('PATCH', `${path}/${name}`, { automountServiceAccountToken: automount }, { 'content-type': 'application/merge-patch+json' });
    if (patched.status === 200) return;
    const created = await request('POST', path, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name }, automountServiceAccountToken: automount });
    if (created.status === 201) return;
    if (created.status !== 409) await expectOk(`create ServiceAccount ${namespace}/${name}`, created);
  }
  throw new Error(`could not set automountServiceAccountToken on ${namespace}/${name}`);
}

/** A pod that meets the restricted Pod Security Standard. */
export function restrictedPod(name: string, extra: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'app', image: IMAGE, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      ...extra,
    },
  };
}

/** A pod as people write it: no securityContext at all. */
export function plainPod(name: string): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: IMAGE }] } };
}

export async function createPod(request: Request, namespace: string, pod: Obj): Promise<void> {
  await create(request, `/api/v1/namespaces/${namespace}/pods`, pod);
}

export async function denyAllPolicy(request: Request, namespace: string): Promise<void> {
  await create(request, `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny' },
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  });
}

/** The DaemonSet RKE2's default CNI (canal) runs, so the CNI check has something to recognise. */
export async function canalDaemonSet(request: Request): Promise<void> {
  await create(request, '/apis/apps/v1/namespaces/kube-system/daemonsets', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'rke2-canal' },
    spec: {
      selector: { matchLabels: { k8s: 'canal' } },
      template: {
        metadata: { labels: { k8s: 'canal' } },
        spec: { containers: [{ name: 'calico-node', image: 'rancher/hardened-calico:v3.29.2-build20250306' }, { name: 'kube-flannel', image: 'rancher/hardened-flannel:v0.26.4-build20250218' }] },
      },
    },
  });
}

export async function clusterRole(request: Request, name: string, rules: Obj[]): Promise<void> {
  await create(request, '/apis/rbac.authorization.k8s.io/v1/clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules });
}

export async function bind(
  request: Request,
  binding: { name: string; namespace?: string; role: string; roleKind?: 'ClusterRole' | 'Role'; subjects: Obj[] },
): Promise<void> {
  const kind = binding.namespace ? 'RoleBinding' : 'ClusterRoleBinding';
  const path = binding.namespace
    ? `/apis/rbac.authorization.k8s.io/v1/namespaces/${binding.namespace}/rolebindings`
    : '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings';
  await create(request, path, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name: binding.name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: binding.roleKind ?? 'ClusterRole', name: binding.role },
    subjects: binding.subjects,
  });
}

const user = (name: string): Obj => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name });
const group = (name: string): Obj => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name });
const serviceAccount = (namespace: string, name: string): Obj => ({ kind: 'ServiceAccount', namespace, name });

/** The namespaces every test control plane has besides kube-system (RKE2's lists exempt kube-system). */
export const BUILT_IN_NAMESPACES = ['default', 'kube-public', 'kube-node-lease'];

/** A fresh cluster with one application deployed the usual way. */
export async function seedDefault(request: Request): Promise<void> {
  await createNamespace(request, 'app');
  await createPod(request, 'app', plainPod('web'));
}

/** Harden one namespace the way the guides say: restricted PSA, default SA without token, a NetworkPolicy. */
export async function hardenNamespace(request: Request, namespace: string): Promise<void> {
  await labelNamespace(request, namespace, { [PSA_ENFORCE]: 'restricted' });
  await setAutomount(request, namespace, 'default', false);
  await denyAllPolicy(request, namespace);
}

/** What the Rancher hardening guides ask for, with one compliant application. */
export async function seedHardened(request: Request): Promise<void> {
  await createNamespace(request, 'app');
  for (const ns of [...BUILT_IN_NAMESPACES, 'app']) await hardenNamespace(request, ns);
  await setAutomount(request, 'app', 'web', false);
  await createPod(request, 'app', restrictedPod('web', { serviceAccountName: 'web' }));
  await canalDaemonSet(request);
}

/** Hardened, plus the violations real clusters collect; cattle-system is exempt under rancher-restricted. */
export async function seedMixed(request: Request): Promise<void> {
  await seedHardened(request);
  // A legacy monitoring agent in a namespace nobody hardened.
  await createNamespace(request, 'legacy', { [PSA_ENFORCE]: 'privileged' });
  await createPod(request, 'legacy', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'agent' },
    spec: {
      hostPID: true,
      hostNetwork: true,
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
      containers: [{
        name: 'agent', image: IMAGE,
        ports: [{ containerPort: 9100, hostPort: 9100 }],
        env: [{ name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'agent', key: 'api-key' } } }],
        securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } },
        volumeMounts: [{ name: 'root', mountPath: '/host' }],
      }],
    },
  });
  // Rancher's agent namespace: privileged, but exempt under rancher-restricted.
  await createNamespace(request, 'cattle-system');
  await createPod(request, 'cattle-system', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cattle-node-agent' }, spec: { containers: [{ name: 'agent', image: IMAGE, securityContext: { privileged: true } }] } });
  // Someone debugging in default.
  await createPod(request, 'default', restrictedPod('debug', { automountServiceAccountToken: false }));
  // RBAC: everyone may read Secrets; a hand-written wildcard role; carol may escalate; the CI account is
  // namespace-admin through cluster-admin; bob may create pods in app.
  await clusterRole(request, 'secret-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]);
  await bind(request, { name: 'everyone-reads-secrets', role: 'secret-reader', subjects: [group('system:authenticated')] });
  await clusterRole(request, 'deployer', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }]);
  await clusterRole(request, 'rbac-manager', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['get', 'escalate', 'bind'] }]);
  await bind(request, { name: 'carol-rbac', role: 'rbac-manager', subjects: [user('carol')] });
  await setAutomount(request, 'app', 'ci', false);
  await bind(request, { name: 'ci-admin', namespace: 'app', role: 'cluster-admin', subjects: [serviceAccount('app', 'ci')] });
  await clusterRole(request, 'pod-creator', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }]);
  await bind(request, { name: 'bob-pods', namespace: 'app', role: 'pod-creator', subjects: [user('bob')] });
}

/** N namespaces with a few objects each (bench). */
export async function seedNamespaces(request: Request, count: number, podsPerNamespace = 2, concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const ns = `bench-${String(next++).padStart(5, '0')}`;
      await createNamespace(request, ns, { [PSA_ENFORCE]: 'restricted' });
      await setAutomount(request, ns, 'default', false);
      await denyAllPolicy(request, ns);
      for (let i = 0; i < podsPerNamespace; i++) await createPod(request, ns, restrictedPod(`web-${i}`, { automountServiceAccountToken: false }));
      await bind(request, { name: 'viewers', namespace: ns, role: 'view', subjects: [group(`${ns}-viewers`)] });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
