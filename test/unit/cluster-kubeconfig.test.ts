import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/collectors/cluster/load-kube-config.js';

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
    expect(kc.getCluster('two')!.server).toBe('https://two:6443');
    expect(kc.getCluster('three')!.server).toBe('https://three:6443');
  });

  it('falls back to ~/.kube/config and says what to do when there is nothing', async () => {
    const home = path.join(dir, 'home');
    fs.mkdirSync(path.join(home, '.kube'), { recursive: true });
    await expect(loadKubeConfig({ env: { HOME: home } })).rejects.toThrow(/no kubeconfig/);
    fs.copyFileSync(b, path.join(home, '.kube', 'config'));
    expect((await loadKubeConfig({ env: { HOME: home } })).kc.getCurrentContext()).toBe('three');
  });
});
