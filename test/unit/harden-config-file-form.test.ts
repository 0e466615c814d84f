import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hardenConfig, writeHardenedConfig } from '../../src/harden-config/harden-config.js';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';

const V = 'v1.31.4+rke2r1';

describe('harden config keeps the form of the user\'s file: only what the hardening changes differs', () => {
  const LF = 'node-name: a\nkube-apiserver-arg:\n  - anonymous-auth=true # mine\n';

  for (const [name, text] of [['CRLF line ends', LF.replace(/\n/g, '\r\n')], ['a byte order mark', `\uFEFF${LF}`], ['both', `\uFEFF${LF.replace(/\n/g, '\r\n')}`]] as const) {
    it(`${name}: written back the same way; once hardened, --check finds nothing to change`, async () => {
      const dir = tempTree({ 'config.yaml': text });
      const h = hardenConfig({ distro: 'rke2', k8sVersion: V, from: path.join(dir, 'config.yaml') });
      expect(h.after.startsWith('\uFEFF')).toBe(text.startsWith('\uFEFF'));
      const ends = h.after.match(/\r?\n/g)!;
      expect(new Set(ends)).toEqual(new Set([text.includes('\r\n') ? '\r\n' : '\n']));
      expect(h.after).toContain('  - anonymous-auth=false # mine');
      expect(h.diff.split('\n').filter((l) => /^[-+](?![-+])/.test(l) && l.includes('node-name'))).toEqual([]);
      const out = tempTree({});
      writeHardenedConfig(h, out);
      const check = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', V, '--from', path.join(out, 'config.yaml'), '--check']);
      expect(check.stdout).toMatch(/^No change to config\.yaml\.$/m);
      expect(check.code).toBe(0);
    });
  }

  it('a flow list spread over lines (trailing comma included) stays as written', () => {
    const text = 'tls-san: [\n  a.example.com,\n  b.example.com,\n]\nnode-label: [ "x=y" ]\nkube-apiserver-arg:\n  - anonymous-auth=true\n';
    const dir = tempTree({ 'config.yaml': text });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: V, from: path.join(dir, 'config.yaml') });
    expect(h.after.startsWith('tls-san: [\n  a.example.com,\n  b.example.com,\n]\nnode-label: [ "x=y" ]\n')).toBe(true);
    expect(h.diff).not.toMatch(/^[-+]tls-san/m);
    expect(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8')).toBe(text);
  });

  it('values written with leading zeros stay as written (RKE2 reads YAML 1.1: 0600 is octal, a token is text)', () => {
    const text = 'token: 00123456\nwrite-kubeconfig-mode: 0600   # octal\netcd-snapshot-retention: 010\nnode-label:\n  - rack=007\nkube-apiserver-arg:\n  - anonymous-auth=true\n';
    const dir = tempTree({ 'config.yaml': text });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: V, from: path.join(dir, 'config.yaml') });
    expect(h.after.startsWith('token: 00123456\nwrite-kubeconfig-mode: 0600   # octal\netcd-snapshot-retention: 010\nnode-label:\n  - rack=007\n')).toBe(true);
    expect(h.diff).not.toMatch(/^[-+](token|write-kubeconfig-mode|etcd-snapshot-retention):/m);
  });

  for (const [style, item] of [['level with their key', '- '], ['indented under their key', '  - ']] as const) {
    it(`block lists ${style} stay so, and new lists follow the file's style`, () => {
      const text = `tls-san:\n${item}a.example.com  #VIP\n${item}b.example.com\nkube-apiserver-arg:\n${item}anonymous-auth=true\n`;
      const dir = tempTree({ 'config.yaml': text });
      const h = hardenConfig({ distro: 'rke2', k8sVersion: V, from: path.join(dir, 'config.yaml') });
      expect(h.after.startsWith(`tls-san:\n${item}a.example.com  #VIP\n${item}b.example.com\nkube-apiserver-arg:\n${item}anonymous-auth=false\n`)).toBe(true);
      expect(h.after).toMatch(new RegExp(`^kubelet-arg:\\n${item}tls-cipher-suites=`, 'm'));
      expect(h.diff.split('\n').filter((l) => /^[-+](?![-+])/.test(l) && /example\.com/.test(l))).toEqual([]);
    });
  }

  it('RKE1: four-space indentation and lists as written stay so; an empty flow section filled by the hardening becomes a block', () => {
    const text = 'kubernetes_version: v1.28.15-rancher1-1\nnodes:\n    - address: 10.0.0.1\n      role: [controlplane,worker,etcd]\n      user: ubuntu\nservices:\n    kube-api: {}\n    kubelet:\n        extra_args:\n            max-pods: "200"   # more pods\n';
    const dir = tempTree({ 'cluster.yml': text });
    const h = hardenConfig({ distro: 'rke1', from: path.join(dir, 'cluster.yml') });
    expect(h.after.startsWith('kubernetes_version: v1.28.15-rancher1-1\nnodes:\n    - address: 10.0.0.1\n      role: [controlplane,worker,etcd]\n      user: ubuntu\nservices:\n    kube-api:\n        secrets_encryption_config:\n            enabled: true\n')).toBe(true);
    expect(h.after).toContain('    kubelet:\n        extra_args:\n            max-pods: "200"   # more pods\n');
    expect(h.diff.split('\n').filter((l) => /^[-+](?![-+])/.test(l) && /address: 10|role:|user: ubuntu|max-pods/.test(l))).toEqual([]);
  });

  it('--out into the file\'s own folder keeps its mode; a new file is 0600', async () => {
    const dir = tempTree({ 'config.yaml': LF });
    fs.chmodSync(path.join(dir, 'config.yaml'), 0o640);
    const r = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', V, '--from', path.join(dir, 'config.yaml'), '--out', dir]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8')).toContain('anonymous-auth=false');
    expect(fs.statSync(path.join(dir, 'config.yaml')).mode & 0o777).toBe(0o640);
    expect(fs.statSync(path.join(dir, 'host/etc/rancher/rke2/audit-policy.yaml')).mode & 0o777).toBe(0o600);
  });

  it('--out is one change: a companion that cannot be written leaves the configuration unwritten too (exit 2, no temporary file)', async () => {
    const dir = tempTree({ 'config.yaml': LF, 'out/host': 'a file where a folder must be\n' });
    const out = path.join(dir, 'out');
    const r = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', V, '--from', path.join(dir, 'config.yaml'), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^rke-harden: .*out\/host\/etc\/\S+: cannot write: /);
    expect(fs.readdirSync(out)).toEqual(['host']);
  });
});
