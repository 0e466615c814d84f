import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../src/collectors/cluster/load-kube-config.js';
import { PlainKubeConfig } from '../../src/collectors/cluster/plain-kube-config.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-kubeconfig-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, clusters: [string, string][], current: string): string {
  const file = path.join(dir, name);
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const [n, server] of clusters) lines.push(`- name: ${n}`, '  cluster:', `    server: ${server}`);
  lines.push('users:', ...clusters.flatMap(([n]) => [`- name: ${n}`, '  user:', `    token: t-${n}`]));
  lines.push('contexts:', ...clusters.flatMap(([n]) => [`- name: ${n}`, `  context: {cluster: ${n}, user: ${n}}`]));
  lines.push(`current-context: ${current}`, '');
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

const a = write('a', [['one', 'https://one:6443'], ['two', 'https://two:6443']], 'one');
const b = write('b', [['two', 'https://other-two:6443'], ['three', 'https://three:6443']], 'three');

describe('kubeconfig resolution', () => {
  it('--kubeconfig, then --context', async () => {
    expect((await loadKubeConfig({ kubeconfig: a, env: {} })).kc.getCurrentCluster()!.server).toBe('https://one:6443');
    expect((await loadKubeConfig({ kubeconfig: a, context: 'two', env: {} })).kc.getCurrentCluster()!.server).toBe('https://two:6443');
    await expect(loadKubeConfig({ kubeconfig: a, context: 'nope', env: {} })).rejects.toThrow(/--context nope: not in .*contexts: one, two/);
    await expect(loadKubeConfig({ kubeconfig: path.join(dir, 'missing'), env: {} })).rejects.toThrow(/no such file/);
  });

  it('KUBECONFIG merges files, the first definition and current-context win', async () => {
    const { kc, source } = await loadKubeConfig({ env: { KUBECONFIG: [a, b].join(path.delimiter) } });
    expect(source).toMatch(/^KUBECONFIG/);
    expect(kc.getCurrentContext()).toBe('one');
    const merged = { KUBECONFIG: [a, b].join(path.delimiter) };
    expect((await loadKubeConfig({ env: merged, context: 'two' })).kc.getCurrentCluster()!.server).toBe('https://two:6443');
    expect((await loadKubeConfig({ env: merged, context: 'three' })).kc.getCurrentCluster()!.server).toBe('https://three:6443');
  });

  it('falls back to ~/.kube/config and says what to do when there is nothing', async () => {
    const home = path.join(dir, 'home');
    fs.mkdirSync(path.join(home, '.kube'), { recursive: true });
    await expect(loadKubeConfig({ env: { HOME: home } })).rejects.toThrow(/no kubeconfig/);
    fs.copyFileSync(b, path.join(home, '.kube', 'config'));
    expect((await loadKubeConfig({ env: { HOME: home } })).kc.getCurrentContext()).toBe('three');
  });
});

/** A kubeconfig with one context whose cluster and user carry the given settings (YAML lines). */
function single(name: string, cluster: string[], user: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: c', '  cluster:', '    server: https://10.0.0.1:6443/', ...cluster.map((l) => `    ${l}`),
    'users:', '- name: u', `  user:${user.length ? '' : ' {}'}`, ...user.map((l) => `    ${l}`),
    'contexts:', '- name: ctx', '  context: {cluster: c, user: u}',
    'current-context: ctx', '',
  ].join('\n'));
  return file;
}

/** What a kubeconfig's loader puts on the request options. */
async function applied(kc: { applyToHTTPSOptions(o: https.RequestOptions): Promise<void> }) {
  const o: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(o);
  const headers = (o.headers ?? {}) as Record<string, string>;
  return { ca: o.ca?.toString(), cert: o.cert?.toString(), key: o.key?.toString(), rejectUnauthorized: o.rejectUnauthorized, servername: o.servername, authorization: headers.Authorization, auth: o.auth };
}

describe('kubeconfigs read without client-node (PlainKubeConfig)', () => {
  const pem = (what: string) => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;
  fs.mkdirSync(path.join(dir, 'pki'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'pki', 'ca.crt'), pem('CERTIFICATE'));
  fs.writeFileSync(path.join(dir, 'pki', 'admin.crt'), pem('CERTIFICATE'));
  fs.writeFileSync(path.join(dir, 'pki', 'admin.key'), pem('PRIVATE KEY'));
  fs.writeFileSync(path.join(dir, 'token'), 'from-a-file');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const cases: Record<string, [string[], string[]]> = {
    'certificate files, relative to the kubeconfig': [['certificate-authority: pki/ca.crt'], ['client-certificate: pki/admin.crt', 'client-key: pki/admin.key']],
    'inline data': [[`certificate-authority-data: ${b64('ca')}`], [`client-certificate-data: ${b64('cert')}`, `client-key-data: ${b64('key')}`]],
    'bearer token, insecure': [['insecure-skip-tls-verify: true'], ['token: abc.def']],
    'token file, TLS server name': [['tls-server-name: kubernetes', `certificate-authority: ${path.join(dir, 'pki', 'ca.crt')}`], [`token-file: ${path.join(dir, 'token')}`]],
    'basic auth': [[], ['username: admin', 'password: s3cret']],
  };
  it.each(Object.entries(cases))('%s: the options client-node would set', async (name, [cluster, user]) => {
    const file = single(`plain-${name.replace(/\W+/g, '-')}`, cluster, user);
    const { kc } = await loadKubeConfig({ kubeconfig: file, env: {} });
    expect(kc).toBeInstanceOf(PlainKubeConfig);
    expect(kc.getCurrentContext()).toBe('ctx');
    expect(kc.getCurrentCluster()!.server).toBe('https://10.0.0.1:6443');
    const reference = new KubeConfig();
    reference.loadFromFile(file);
    expect(await applied(kc)).toEqual(await applied(reference));
  });

  it.each([
    ['an exec plugin', [], ['exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token}']],
    ['an auth-provider', [], ['auth-provider: {name: oidc, config: {id-token: x}}']],
    ['impersonation', [], ['token: t', 'as: someone']],
    ['a proxy', ['proxy-url: http://proxy:3128'], ['token: t']],
  ] as const)('%s: left to client-node', async (name, cluster, user) => {
    const file = single(`client-node-${name.replace(/\W+/g, '-')}`, [...cluster], [...user]);
    const { kc } = await loadKubeConfig({ kubeconfig: file, env: {} });
    expect(kc).toBeInstanceOf(KubeConfig);
  });
});
