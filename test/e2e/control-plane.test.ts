// Proof, on a real kube-apiserver + etcd (+ kube-controller-manager), that the test harness works
// and that the server really applies the configurations the project will generate.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ControlPlaneStartError, startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { findControlPlaneBinaries, pinnedVersions } from '../support/controlplane-bin.js';
import { certificateClient } from '../support/http.js';
import { isAlive } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { dead, startHolder } from './helpers/holder.js';

// No binaries => this file fails here with the message to run scripts/build-controlplane.sh.
findControlPlaneBinaries();

const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;
const within = (ms: number): { deadline: number } => ({ deadline: Date.now() + ms });

async function createNamespace(cp: ControlPlane, name: string, labels: Record<string, string> = {}): Promise<void> {
  const response = await cp.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  expect(response.status, response.body).toBe(201);
}

async function createSecret(cp: ControlPlane, namespace: string, name: string, value: string): Promise<void> {
  const response = await cp.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    stringData: { value },
  });
  expect(response.status, response.body).toBe(201);
}

async function waitForDefaultServiceAccount(cp: ControlPlane, namespace: string): Promise<void> {
  await waitFor(`ServiceAccount ${namespace}/default`, async () => {
    const response = await cp.request('GET', `/api/v1/namespaces/${namespace}/serviceaccounts/default`);
    return response.status === 200 ? true : undefined;
  }, within(60_000));
}

const IMAGE = 'registry.k8s.io/pause:3.10';

function privilegedPod(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: IMAGE, securityContext: { privileged: true } }] },
  };
}

function restrictedPod(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', image: IMAGE, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    },
  };
}

describe('default control plane (etcd, kube-apiserver, kube-controller-manager)', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('reports the Kubernetes version the tool module pins', async () => {
    const expected = pinnedVersions().kubernetes;
    expect(cp.version.gitVersion).toBe(expected);
    expect(`v${cp.version.major}.${cp.version.minor}`).toBe(expected.split('.').slice(0, 2).join('.'));
    const response = await cp.request('GET', '/version');
    expect(response.json<{ gitVersion: string }>().gitVersion).toBe(expected);
  });

  it('writes an admin kubeconfig whose credentials are cluster-admin', async () => {
    const kubeconfig = parseYaml(readFileSync(cp.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority': string } }[];
      users: { user: { 'client-certificate': string; 'client-key': string } }[];
    };
    const cluster = kubeconfig.clusters[0]?.cluster;
    const user = kubeconfig.users[0]?.user;
    expect(cluster?.server).toBe(cp.server);
    const client = certificateClient(cluster?.server ?? '', {
      ca: cluster?.['certificate-authority'] ?? '',
      cert: user?.['client-certificate'] ?? '',
      key: user?.['client-key'] ?? '',
    });
    const review = await client('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: '*', group: '*', resource: '*' } },
    });
    expect(review.status, review.body).toBe(201);
    expect(review.json<{ status: { allowed: boolean } }>().status.allowed).toBe(true);
    // ...while a user outside system:masters (the controller manager's identity) may not do everything.
    const controllerManager = certificateClient(cp.server, { ca: cp.pki.ca.cert, cert: cp.pki.controllerManager.cert, key: cp.pki.controllerManager.key });
    const denied = await controllerManager('DELETE', '/api/v1/namespaces/kube-system');
    expect(denied.status).toBe(403);
  });

  it('gives a new namespace its default ServiceAccount (kube-controller-manager works)', async () => {
    const namespace = unique('e2e-sa');
    await createNamespace(cp, namespace);
    await waitForDefaultServiceAccount(cp, namespace);
    const sa = (await cp.request('GET', `/api/v1/namespaces/${namespace}/serviceaccounts/default`)).json<{ metadata: { namespace: string; uid: string } }>();
    expect(sa.metadata.namespace).toBe(namespace);
    expect(sa.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stores Secrets unencrypted in etcd when no EncryptionConfiguration is given', async () => {
    const name = unique('plain');
    const marker = unique('plaintext-marker');
    await createSecret(cp, 'default', name, marker);
    const raw = await cp.etcdGet(`/registry/secrets/default/${name}`);
    expect(raw).toBeDefined();
    expect(raw?.subarray(0, 4)).toEqual(Buffer.from('k8s\0', 'binary')); // protobuf envelope
    expect(raw?.subarray(0, 8).toString()).not.toBe('k8s:enc:');
    expect(raw?.includes(marker)).toBe(true);
    expect(await cp.etcdGet(`/registry/secrets/default/${unique('absent')}`)).toBeUndefined();
  });

  it('rejects a privileged Pod in a namespace labelled pod-security.kubernetes.io/enforce=restricted', async () => {
    const restricted = unique('e2e-pss-restricted');
    const open = unique('e2e-pss-open');
    await createNamespace(cp, restricted, { 'pod-security.kubernetes.io/enforce': 'restricted' });
    await createNamespace(cp, open);
    await waitForDefaultServiceAccount(cp, restricted);
    await waitForDefaultServiceAccount(cp, open);

    const rejected = await cp.request('POST', `/api/v1/namespaces/${restricted}/pods`, privilegedPod('privileged'));
    expect(rejected.status, rejected.body).toBe(403);
    const message = rejected.json<{ message: string }>().message;
    expect(message).toContain('violates PodSecurity "restricted:latest"');
    expect(message).toContain('privileged');

    // The rejection is the label's doing: a compliant Pod passes there, the privileged one elsewhere.
    const compliant = await cp.request('POST', `/api/v1/namespaces/${restricted}/pods`, restrictedPod('compliant'));
    expect(compliant.status, compliant.body).toBe(201);
    const elsewhere = await cp.request('POST', `/api/v1/namespaces/${open}/pods`, privilegedPod('privileged'));
    expect(elsewhere.status, elsewhere.body).toBe(201);
  });
});

describe('control plane started with an audit policy and an EncryptionConfiguration (no controller manager)', () => {
  const auditPolicy = [
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    'omitStages: [RequestReceived]',
    'rules:',
    '  - level: Metadata',
    '    resources: [{ group: "", resources: [secrets] }]',
    '  - level: None',
    '',
  ].join('\n');
  const encryptionConfig = [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources: [secrets]',
    '    providers:',
    '      - aescbc:',
    '          keys:',
    `            - { name: key1, secret: ${randomBytes(32).toString('base64')} }`,
    '      - identity: {}',
    '',
  ].join('\n');
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({
      controllerManager: false,
      files: { 'config/audit-policy.yaml': auditPolicy, 'config/encryption.yaml': encryptionConfig },
      extraApiServerArgs: [
        '--audit-policy-file={{dir}}/config/audit-policy.yaml',
        '--audit-log-path={{dir}}/audit.log',
        '--audit-log-maxage=30',
        '--audit-log-maxbackup=10',
        '--audit-log-maxsize=100',
        '--encryption-provider-config={{dir}}/config/encryption.yaml',
        '--authorization-mode=RBAC',
      ],
    });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('lets an extra flag replace the harness default of the same name', () => {
    const authz = cp.apiServerArgs.filter((arg) => arg.startsWith('--authorization-mode='));
    expect(authz).toEqual(['--authorization-mode=RBAC']);
    expect(cp.apiServerArgs).toContain(`--audit-log-path=${cp.dir}/audit.log`);
    expect(readFileSync(`${cp.dir}/config/audit-policy.yaml`, 'utf8')).toBe(auditPolicy);
  });

  it('records a request in the audit log, at the level the policy gives', async () => {
    const namespace = unique('e2e-audit');
    await createNamespace(cp, namespace); // level None: must not be logged
    const name = unique('audited');
    await createSecret(cp, namespace, name, 'audited-value');

    interface AuditEvent {
      kind: string;
      apiVersion: string;
      level: string;
      verb: string;
      stage: string;
      user: { username: string; groups?: string[] };
      objectRef?: { resource?: string; namespace?: string; name?: string };
      responseStatus?: { code?: number };
      requestObject?: unknown;
    }
    const event = await waitFor('the audit event of the Secret create', async () => {
      if (!existsSync(`${cp.dir}/audit.log`)) return undefined;
      const events = readFileSync(`${cp.dir}/audit.log`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as AuditEvent);
      return events.find((e) => e.verb === 'create' && e.objectRef?.resource === 'secrets' && e.objectRef.name === name);
    }, within(20_000));
    expect(event).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      stage: 'ResponseComplete',
      user: { username: 'kube-admin' },
      objectRef: { namespace },
      responseStatus: { code: 201 },
    });
    expect(event.user.groups).toContain('system:masters');
    expect(event.requestObject).toBeUndefined(); // Metadata level: no bodies

    // Everything else, such as the namespace create and the harness's own probes, is level None.
    const all = readFileSync(`${cp.dir}/audit.log`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as AuditEvent);
    expect(all.map((e) => e.objectRef?.resource)).toEqual(all.map(() => 'secrets'));
    expect(all.every((e) => e.level === 'Metadata')).toBe(true);
  });

  it('encrypts Secrets at rest: the raw etcd value starts with k8s:enc:aescbc:v1:key1:', async () => {
    const name = unique('encrypted');
    const marker = unique('secret-marker');
    await createSecret(cp, 'default', name, marker);
    const raw = await cp.etcdGet(`/registry/secrets/default/${name}`);
    expect(raw).toBeDefined();
    expect(raw?.subarray(0, 8).toString()).toBe('k8s:enc:');
    expect(raw?.subarray(0, 23).toString()).toBe('k8s:enc:aescbc:v1:key1:');
    expect(raw?.includes(marker)).toBe(false);
    // ...and the API still serves it decrypted.
    const secret = (await cp.request('GET', `/api/v1/namespaces/default/secrets/${name}`)).json<{ data: { value: string } }>();
    expect(Buffer.from(secret.data.value, 'base64').toString()).toBe(marker);
  });

  it('creates no default ServiceAccount without the controller manager', async () => {
    const namespace = unique('e2e-no-kcm');
    await createNamespace(cp, namespace);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const response = await cp.request('GET', `/api/v1/namespaces/${namespace}/serviceaccounts/default`);
    expect(response.status).toBe(404);
  });
});

describe('a server that cannot start', () => {
  async function startFailure(extraApiServerArgs: string[], files?: Record<string, string>): Promise<ControlPlaneStartError> {
    const failure = await startControlPlane({ controllerManager: false, extraApiServerArgs, files }).then(
      (cp) => cp.stop().then(() => new Error('the control plane started')),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ControlPlaneStartError);
    const error = failure as ControlPlaneStartError;
    expect(error.component).toBe('kube-apiserver');
    // etcd had been started before the API server: nothing may be left running.
    expect(error.pids).toHaveLength(2);
    for (const pid of error.pids) expect(isAlive(pid)).toBe(false);
    return error;
  }

  it('reports the server\'s own error line for an unknown flag', async () => {
    const error = await startFailure(['--no-such-flag=1']);
    expect(error.message).toContain('Error: unknown flag: --no-such-flag');
    expect(error.serverErrorLines).toContain('Error: unknown flag: --no-such-flag');
  });

  it('reports the server\'s own error line for a removed flag (--insecure-port, removed in 1.24)', async () => {
    const error = await startFailure(['--insecure-port=8080']);
    expect(error.message).toContain('Error: unknown flag: --insecure-port');
  });

  it('reports the server\'s own error for a removed admission plugin (PodSecurityPolicy)', async () => {
    const error = await startFailure(['--enable-admission-plugins=NodeRestriction,PodSecurityPolicy']);
    expect(error.message).toContain('"command failed" err="enable-admission-plugins plugin \\"PodSecurityPolicy\\" is unknown"');
  });

  it('reports the server\'s own error for an audit policy of a removed apiVersion', async () => {
    const error = await startFailure(['--audit-policy-file={{dir}}/policy.yaml', '--audit-log-path={{dir}}/audit.log'], {
      'policy.yaml': 'apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n  - level: Metadata\n',
    });
    expect(error.message).toContain('loading audit policy file: failed decoding: no kind \\"Policy\\" is registered for version \\"audit.k8s.io/v1beta1\\"');
  });
});

describe('teardown', () => {
  it('stop() ends every process group and removes the directory', async () => {
    const cp = await startControlPlane();
    const pids = [cp.processes.etcd.pid, cp.processes.apiServer.pid, cp.processes.controllerManager?.pid ?? -1];
    expect(pids.every(isAlive)).toBe(true);
    await cp.stop();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(existsSync(cp.dir)).toBe(false);
    await cp.stop(); // idempotent
  });

  it('kills the servers when the runner gets SIGTERM', async () => {
    const holder = await startHolder('fixture');
    holder.child.kill('SIGTERM');
    const exit = await holder.exitWithin(10_000);
    expect(exit.signal).toBe('SIGTERM');
    await dead(holder.pids, 2_000);
    expect(existsSync(holder.dir)).toBe(false);
  });

  it('kills the servers when the runner is SIGKILLed (watchdog)', async () => {
    const holder = await startHolder('fixture');
    holder.child.kill('SIGKILL');
    await holder.exitWithin(10_000);
    await dead(holder.pids, 10_000);
    holder.removeDir();
  });

  it('kills the servers when the process that started the runner dies', async () => {
    const holder = await startHolder('fixture-via-bash');
    const runner = Number(/^\s*runner:\s+(\d+)$/m.exec(holder.stdout)?.[1]);
    expect(isAlive(runner)).toBe(true);
    holder.child.kill('SIGKILL'); // the bash in between; the runner notices it is orphaned
    await holder.exitWithin(10_000);
    await dead([runner, ...holder.pids], 10_000);
    expect(existsSync(holder.dir)).toBe(false);
  });

  it('npm run controlplane (scripts/controlplane.ts) prints the kubeconfig and tears down on Ctrl-C', async () => {
    const holder = await startHolder('script');
    expect(holder.stdout).toMatch(new RegExp(`^export KUBECONFIG=${holder.kubeconfig}$`, 'm'));
    expect(existsSync(holder.kubeconfig)).toBe(true);
    holder.child.kill('SIGINT');
    const exit = await holder.exitWithin(30_000);
    expect(exit.code).toBe(0);
    await dead(holder.pids, 2_000);
    expect(existsSync(holder.dir)).toBe(false);
  });
});
