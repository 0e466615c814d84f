import { describe, expect, it } from 'vitest';
import { exemptionList, inRange, resolveNamespaceExemptions } from '../../src/collectors/cluster/namespace-exemptions.js';
import { rbacExemptions } from '../../src/collectors/cluster/rbac-exemptions.js';

const rke2 = (v: string) => exemptionList('rke2', v).namespaces;

describe('namespace exemption lists', () => {
  it('RKE2 built-in list follows the release', () => {
    expect(rke2('v1.24.17+rke2r1')).toEqual(['kube-system']);
    expect(rke2('v1.25.0+rke2r1')).toEqual(['kube-system', 'cis-operator-system']);
    expect(rke2('v1.28.9+rke2r1')).toEqual(['kube-system', 'cis-operator-system', 'tigera-operator']);
    expect(rke2('v1.32.13+rke2r1')).toEqual(['kube-system', 'cis-operator-system', 'tigera-operator']);
    expect(rke2('v1.32.13+rke2r2')).toEqual(['kube-system', 'cis-operator-system', 'compliance-operator-system', 'tigera-operator']);
    expect(rke2('v1.33.9+rke2r1')).toEqual(['kube-system', 'cis-operator-system', 'tigera-operator']);
    expect(rke2('v1.33.10+rke2r1')).toEqual(['kube-system', 'compliance-operator-system', 'tigera-operator']);
    expect(rke2('v1.35.2+rke2r1')).toEqual(['kube-system', 'cis-operator-system', 'tigera-operator']);
    expect(rke2('v1.37.2')).toEqual(['kube-system', 'compliance-operator-system', 'tigera-operator']);
  });

  it('version ranges are inclusive and may be open-ended', () => {
    expect(inRange('v1.25.2', 'v1.25.2 .. v1.25.9')).toBe(true);
    expect(inRange('v1.25.10', 'v1.25.2 .. v1.25.9')).toBe(false);
    expect(inRange('v1.40.0', 'v1.36.0 ..')).toBe(true);
  });

  it('has the fixed lists of RKE1, Rancher and the docs', () => {
    expect(exemptionList('rke1', 'v1.26.8-rancher1').namespaces).toEqual(['ingress-nginx', 'kube-system']);
    expect(exemptionList('rancher-restricted', 'v1.30.0').namespaces).toHaveLength(22);
    expect(exemptionList('docs-sample', 'v1.30.0').namespaces).toHaveLength(40);
  });

  it('combines lists and user namespaces, keeping every reason', () => {
    const r = resolveNamespaceExemptions(['rke1,rancher-restricted'], 'v1.28.0', ['legacy']);
    expect(r['kube-system']).toBe('rke1 list; rancher-restricted list');
    expect(r['cattle-system']).toBe('rancher-restricted list');
    expect(r.legacy).toBe('--exempt-namespace');
    expect(resolveNamespaceExemptions(['none'], 'v1.28.0')).toEqual({});
    expect(() => resolveNamespaceExemptions(['rke3'], 'v1.28.0')).toThrow(/unknown list/);
  });

  it('loads the distros\' own RBAC exemptions', () => {
    expect(rbacExemptions('rke2').bindings.map((b) => b.name)).toContain('helm-kube-system-*');
    expect(rbacExemptions('rke1').bindings.map((b) => b.name)).toContain('job-deployer');
  });
});
