import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hardenConfig, writeHardenedConfig } from '../../src/harden-config/harden-config.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { tempTree } from '../support/temp-files.js';

const TEMPLATES = 'test/fixtures/rancher-templates';

/** A file of the RKE1 hardening guide for Kubernetes ≤ 1.24, carried over to a 1.25+ release. */
function carriedOver(fixture: string, release: string): string {
  const dir = tempTree({ [fixture]: fs.readFileSync(path.join(TEMPLATES, fixture), 'utf8').replace(/v1\.24\.17-rancher1-1/, release) });
  return path.join(dir, fixture);
}

function warningsOf(file: string, opts: { k8sVersion?: string } = {}): string[] {
  return auditConfig([file], opts).run.warnings;
}

describe('RKE1 from Kubernetes 1.25: the PodSecurityPolicy pieces of a file hardened for 1.24 are named and taken out', () => {
  it('addons: the policy, its role and binding are removed; the other documents stay as written; audit config warned before, not after', () => {
    const from = carriedOver('rke1-cluster-hardened-k8s-1.24-and-older.yml', 'v1.26.15-rancher1-1');
    expect(warningsOf(from)).toContainEqual(expect.stringMatching(/:25:9: addons hold PodSecurityPolicy restricted-noroot, ClusterRole psp:restricted-noroot, ClusterRoleBinding psp:restricted-noroot: the policy\/v1beta1 API was removed/));
    const h = hardenConfig({ distro: 'rke1', from });
    const addons = (parse(h.after) as { addons: string }).addons;
    const before = (parse(fs.readFileSync(from, 'utf8')) as { addons: string }).addons;
    expect(addons).toBe(before.slice(before.indexOf('apiVersion: networking.k8s.io/v1')));
    expect(h.notes).toContainEqual('addons: PodSecurityPolicy restricted-noroot, ClusterRole psp:restricted-noroot, ClusterRoleBinding psp:restricted-noroot removed (the policy/v1beta1 API is gone in Kubernetes 1.25: RKE\'s addon job would fail on them)');
    const out = tempTree({});
    writeHardenedConfig(h, out);
    expect(warningsOf(path.join(out, h.fileName)).filter((w) => /PodSecurityPolicy|policy\/v1beta1/.test(w))).toEqual([]);
  });

  it('addons of PodSecurityPolicy objects only: the key goes', () => {
    const text = 'kubernetes_version: v1.28.15-rancher1-1\nnodes: []\naddons: |-\n  apiVersion: policy/v1beta1\n  kind: PodSecurityPolicy\n  metadata:\n    name: p\n  spec: {}\n  ---\n  kind: Role\n  apiVersion: rbac.authorization.k8s.io/v1\n  metadata: {name: use-p, namespace: x}\n  rules:\n  - {apiGroups: [policy], resources: [podsecuritypolicies], verbs: [use], resourceNames: [p]}\n  ---\n  kind: RoleBinding\n  apiVersion: rbac.authorization.k8s.io/v1\n  metadata: {name: use-p, namespace: x}\n  roleRef: {kind: Role, name: use-p, apiGroup: rbac.authorization.k8s.io}\n  subjects: []\n';
    const dir = tempTree({ 'cluster.yml': text });
    const h = hardenConfig({ distro: 'rke1', from: path.join(dir, 'cluster.yml') });
    expect(parse(h.after)).not.toHaveProperty('addons');
    expect(h.notes).toContainEqual(expect.stringMatching(/^addons: PodSecurityPolicy p, Role use-p, RoleBinding use-p removed/));
  });

  it('a role that grants more than the use of a policy is not touched', () => {
    const text = 'kubernetes_version: v1.28.15-rancher1-1\nnodes: []\naddons: |\n  kind: ClusterRole\n  apiVersion: rbac.authorization.k8s.io/v1\n  metadata: {name: mixed}\n  rules:\n  - {apiGroups: [policy], resources: [podsecuritypolicies], verbs: [use]}\n  - {apiGroups: [""], resources: [pods], verbs: [get]}\n';
    const dir = tempTree({ 'cluster.yml': text });
    const h = hardenConfig({ distro: 'rke1', from: path.join(dir, 'cluster.yml') });
    expect((parse(h.after) as { addons: string }).addons).toBe((parse(text) as { addons: string }).addons);
    expect(h.notes.filter((n) => n.startsWith('addons:'))).toEqual([]);
  });

  it('Rancher cluster template: default_pod_security_policy_template_id is removed from 1.25 (Rancher refuses it), set to restricted-noroot before', () => {
    const fixture = 'rke1-rancher-cluster-template-hardened-k8s-1.24-and-older.yml';
    const h = hardenConfig({ distro: 'rke1', k8sVersion: 'v1.26.15-rancher1-1', from: path.join(TEMPLATES, fixture) });
    expect(parse(h.after)).not.toHaveProperty('default_pod_security_policy_template_id');
    expect(h.notes).toContainEqual(expect.stringMatching(/^default_pod_security_policy_template_id removed: PodSecurityPolicy was removed in Kubernetes 1\.25/));
    const dir = tempTree({ [fixture]: fs.readFileSync(path.join(TEMPLATES, fixture), 'utf8') });
    expect(warningsOf(path.join(dir, fixture), { k8sVersion: 'v1.26.15-rancher1-1' })).toContainEqual(expect.stringMatching(/:4:\d+: a PodSecurityPolicy template is refused by Rancher on Kubernetes 1\.25 and later$/));

    const without = tempTree({ 'cluster.yml': fs.readFileSync(path.join(TEMPLATES, fixture), 'utf8').replace(/^default_pod_security_policy_template_id: .*\n/m, '') });
    const old = hardenConfig({ distro: 'rke1', k8sVersion: 'v1.24.17-rancher1-1', from: path.join(without, 'cluster.yml') });
    expect(parse(old.after)).toMatchObject({ default_pod_security_policy_template_id: 'restricted-noroot' });
  });
});
