// Proof on a real kube-apiserver: the configuration `harden config` generates for the newest supported RKE2
// release, translated into API server flags and files, starts and does what it claims.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { hardenConfig, writeHardenedConfig } from '../../src/harden-config/harden-config.js';
import { loadConfigTargets } from '../../src/config/load-config-targets.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { apiServerFlagsFromConfig } from '../support/apiserver-flags-from-config.js';
import { tempTree } from '../support/temp-files.js';
import { waitFor } from '../support/wait.js';

const VERSION = 'v1.36.1+rke2r1';
const unique = (p: string) => `${p}-${randomBytes(3).toString('hex')}`;
const IMAGE = 'registry.k8s.io/pause:3.10';
const privilegedPod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: IMAGE, securityContext: { privileged: true } }] } });

/** RKE2 writes its own aescbc-first encryption config on every server; the test does the same. */
const ENCRYPTION = stringify({
  apiVersion: 'apiserver.config.k8s.io/v1',
  kind: 'EncryptionConfiguration',
  resources: [{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'aescbckey', secret: randomBytes(32).toString('base64') }] } }, { identity: {} }] }],
});

function generated(limits?: { qps: number; burst: number }) {
  const h = hardenConfig({ distro: 'rke2', k8sVersion: VERSION, exemptNamespaces: ['rke-harden-exempt'] });
  const out = tempTree({});
  writeHardenedConfig(h, out);
  const snap = loadConfigTargets([path.join(out, h.fileName)], { k8sVersion: VERSION }).snapshots[0]!;
  const { args, files } = apiServerFlagsFromConfig(snap, h.companions);
  if (limits) {
    // The generated limits are production values (5000/20000); the test lowers them to watch the plugin act.
    for (const [name, text] of Object.entries(files)) {
      if (!text.includes('EventRateLimit')) continue;
      const doc = parse(text);
      for (const p of doc.plugins) if (p.name === 'EventRateLimit') p.configuration.limits = [{ type: 'Server', ...limits }];
      files[name] = stringify(doc);
    }
  }
  files['generated/encryption.yaml'] = ENCRYPTION;
  return { h, snap, args: [...args, '--encryption-provider-config={{dir}}/generated/encryption.yaml'], files };
}

describe(`harden config for RKE2 ${VERSION} on a real kube-apiserver`, () => {
  let cp: ControlPlane;
  let flags: ReturnType<typeof generated>;

  beforeAll(async () => {
    flags = generated();
    // Every security flag of the generated config reaches the server.
    expect(flags.args).toEqual(expect.arrayContaining([
      expect.stringMatching(/^--admission-control-config-file=\{\{dir\}\}\/generated\//),
      expect.stringMatching(/^--audit-policy-file=\{\{dir\}\}\/generated\//),
      '--enable-admission-plugins=NodeRestriction,EventRateLimit',
      '--profiling=false',
      '--anonymous-auth=false',
    ]));
    cp = await startControlPlane({ extraApiServerArgs: flags.args, files: flags.files });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('starts, and loads EventRateLimit and PodSecurity as admission plugins', () => {
    const log = readFileSync(path.join(cp.dir, 'logs', 'kube-apiserver.stderr.log'), 'utf8');
    expect(log).toMatch(/validating admission controller\(s\) successfully in the following order: .*EventRateLimit/);
    expect(log).toMatch(/PodSecurity/);
  });

  it('the audit log records requests', async () => {
    const ns = unique('audited');
    expect((await cp.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status).toBe(201);
    await waitFor('audit event for the namespace', async () => {
      const lines = readFileSync(path.join(cp.dir, 'logs', 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      return lines.some((e) => e.verb === 'create' && e.objectRef?.name === ns && e.level === 'Metadata') ? true : undefined;
    }, { deadline: Date.now() + 20_000 });
  });

  it('a Secret is encrypted at rest (aescbc) and its content is not in the audit log', async () => {
    const value = unique('s3cr3t');
    expect((await cp.request('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'proof' }, stringData: { value } })).status).toBe(201);
    const raw = await cp.etcdGet('/registry/secrets/default/proof');
    expect(raw!.subarray(0, 18).toString()).toBe('k8s:enc:aescbc:v1:');
    expect(raw!.includes(Buffer.from(value))).toBe(false);
    await new Promise((r) => setTimeout(r, 1500));
    expect(readFileSync(path.join(cp.dir, 'logs', 'audit.log'), 'utf8')).not.toContain(value);
  });

  it('PSA rejects a privileged pod in a non-exempt namespace and admits it in an exempt one', async () => {
    const ns = unique('workloads');
    expect((await cp.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status).toBe(201);
    const denied = await cp.request('POST', `/api/v1/namespaces/${ns}/pods`, privilegedPod('priv'));
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body).message).toMatch(/violates PodSecurity "restricted:latest"/);
    expect((await cp.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rke-harden-exempt' } })).status).toBe(201);
    const admitted = await cp.request('POST', '/api/v1/namespaces/rke-harden-exempt/pods', privilegedPod('priv'));
    expect(admitted.status, admitted.body).toBe(201);
  });
});

describe('EventRateLimit from the generated admission configuration is enforced', () => {
  let cp: ControlPlane;
  afterAll(async () => {
    await cp?.stop();
  });

  it('events beyond the burst are refused with 429', async () => {
    const flags = generated({ qps: 1, burst: 3 });
    cp = await startControlPlane({ extraApiServerArgs: flags.args, files: flags.files, controllerManager: false });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await cp.request('POST', '/api/v1/namespaces/default/events', {
        apiVersion: 'v1', kind: 'Event', metadata: { name: `e-${i}` },
        involvedObject: { kind: 'Namespace', name: 'default', apiVersion: 'v1' }, reason: 'Proof', message: 'x', type: 'Normal',
      });
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(3);
    expect(statuses).toContain(429);
  });
});
