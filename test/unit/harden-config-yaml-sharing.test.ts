import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hardenConfig, writeHardenedConfig } from '../../src/harden-config/harden-config.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { tempTree } from '../support/temp-files.js';

/** The file as RKE's and RKE2's Go YAML reads it: aliases resolved, merge keys applied. */
const asGoReadsIt = (text: string) => parse(text, { merge: true }) as Record<string, Record<string, Record<string, unknown>>>;

function harden(distro: 'rke1' | 'rke2', file: string, text: string, k8sVersion?: string) {
  const dir = tempTree({ [file]: text });
  return hardenConfig({ distro, from: path.join(dir, file), ...(k8sVersion ? { k8sVersion } : {}) });
}

function scoredFails(h: ReturnType<typeof hardenConfig>, opts: { k8sVersion?: string }) {
  const out = tempTree({});
  writeHardenedConfig(h, out);
  return auditConfig([path.join(out, h.fileName)], opts).run.results.filter((r) => r.status === 'fail' && r.scored).map((r) => r.controlId);
}

describe('harden config: anchors, aliases and merge keys — an edit changes only the place it names', () => {
  const SHARED_RKE1 = `kubernetes_version: v1.28.15-rancher1-1
nodes: []
services:
  kube-controller: &common # shared flags
    extra_args:
      feature-gates: CustomGate=true
  scheduler: *common
  kubelet:
    <<: *common
    fail_swap_on: false
`;

  it('RKE1: the controller-manager\'s hardening does not reach the scheduler and kubelet that shared its map; theirs does not reach it', () => {
    const h = harden('rke1', 'cluster.yml', SHARED_RKE1);
    const s = asGoReadsIt(h.after).services!;
    expect(s['kube-controller']!.extra_args).toEqual({ 'feature-gates': 'CustomGate=true,RotateKubeletServerCertificate=true', 'bind-address': '127.0.0.1' });
    expect(s.scheduler!.extra_args).toEqual({ 'feature-gates': 'CustomGate=true', 'bind-address': '127.0.0.1' });
    // The kubelet keeps what it inherited and gets its own flags, never the controller-manager's bind-address.
    const kubelet = s.kubelet!.extra_args as Record<string, string>;
    expect(kubelet['feature-gates']).toBe('CustomGate=true,RotateKubeletServerCertificate=true');
    expect(kubelet['protect-kernel-defaults']).toBe('true');
    expect(kubelet).not.toHaveProperty('bind-address');
    expect(s.kubelet!.fail_swap_on).toBe(false);
    expect(h.after).not.toMatch(/[&*]common/); // no use is left of the anchor: it goes
    expect(h.after).toMatch(/^ {4}# shared flags\n {4}extra_args:/m); // its comment stays
    expect(h.notes).toContainEqual(expect.stringMatching(/^services\.kube-controller was anchored as &common and used 2 more times: those uses now hold a copy of it as it was/));
    expect(scoredFails(h, {}).filter((c) => c !== '2.7')).toEqual([]);
  });

  it('RKE1: a value inherited through a merge key is edited as an own copy (the source map keeps its settings)', () => {
    const text = `kubernetes_version: v1.28.15-rancher1-1
nodes: []
kubelet_defaults: &kd
  extra_args:
    max-pods: "150"
    read-only-port: "10255"
services:
  kubelet:
    <<: *kd
`;
    const h = harden('rke1', 'cluster.yml', text);
    const doc = asGoReadsIt(h.after);
    expect(doc.services!.kubelet!.extra_args).toMatchObject({ 'max-pods': '150', 'read-only-port': '0', 'protect-kernel-defaults': 'true' });
    expect(doc.kubelet_defaults!.extra_args).toEqual({ 'max-pods': '150', 'read-only-port': '10255' });
    expect(h.after).toContain('    <<: *kd\n'); // the merge stays: the edited key is an own copy beside it
  });

  it('RKE1: a stray bind-address brought in by a merge key is removed: the merge is written out as own keys first', () => {
    const text = `kubernetes_version: v1.28.15-rancher1-1
nodes: []
services:
  scheduler: &sched
    bind-address: 0.0.0.0
    extra_args:
      v: "2"
  kube-controller:
    <<: *sched
`;
    const h = harden('rke1', 'cluster.yml', text);
    const s = asGoReadsIt(h.after).services!;
    for (const svc of ['scheduler', 'kube-controller']) {
      expect(s[svc]).not.toHaveProperty('bind-address');
      expect(s[svc]!.extra_args).toMatchObject({ v: '2', 'bind-address': '127.0.0.1' });
    }
    expect(h.after).not.toContain('<<');
  });

  it('RKE2: an aliased *-arg list is edited as an own copy; the anchored one keeps its items for its other users', () => {
    const text = `kube-apiserver-arg: &apiargs
  - anonymous-auth=true
  - audit-log-maxage=30
kube-controller-manager-arg:
  - bind-address=127.0.0.1
kube-scheduler-arg: *apiargs
`;
    const V = 'v1.31.4+rke2r1';
    const h = harden('rke2', 'config.yaml', text, V);
    const doc = parse(h.after, { merge: true }) as Record<string, string[]>;
    expect(doc['kube-apiserver-arg']).toContain('anonymous-auth=false');
    expect(doc['kube-scheduler-arg']).toEqual(['anonymous-auth=true', 'audit-log-maxage=30']);
    expect(scoredFails(h, { k8sVersion: V })).toEqual([]);
  });

  it('is idempotent on a file with sharing', () => {
    const first = harden('rke1', 'cluster.yml', SHARED_RKE1);
    const dir = tempTree({ 'cluster.yml': first.after });
    const second = hardenConfig({ distro: 'rke1', from: path.join(dir, 'cluster.yml') });
    expect(second.after).toBe(first.after);
    expect(fs.readFileSync(path.join(dir, 'cluster.yml'), 'utf8')).toBe(first.after);
  });
});
