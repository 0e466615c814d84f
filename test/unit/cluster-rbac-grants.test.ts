import { describe, expect, it } from 'vitest';
import { Exemptions } from '../../src/engine/evaluators/cluster/exemptions.js';
import { classify, grantsOf, ruleAllows, serviceAccountOf, type RbacFacts } from '../../src/engine/evaluators/cluster/rbac-grants.js';

const secrets = { apiGroups: [''], resources: ['secrets'], verbs: ['get'] };

describe('RBAC matching', () => {
  it('matches rules the way the RBAC authorizer does', () => {
    expect(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }, secrets)).toBe(true);
    expect(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, secrets)).toBe(true);
    expect(ruleAllows({ verbs: ['list'], apiGroups: [''], resources: ['secrets'] }, secrets)).toBe(false);
    expect(ruleAllows({ verbs: ['get'], apiGroups: ['apps'], resources: ['secrets'] }, secrets)).toBe(false);
    expect(ruleAllows({ verbs: ['get'], nonResourceURLs: ['*'] }, secrets)).toBe(false);
    const proxy = { apiGroups: [''], resources: ['nodes/proxy'] };
    expect(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }, proxy)).toBe(false);
    expect(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['*/proxy'] }, proxy)).toBe(true);
    expect(ruleAllows({ verbs: ['create'], apiGroups: [''], resources: ['*'] }, proxy)).toBe(true);
  });

  it('resolves RoleBindings to Roles of their namespace or to ClusterRoles', () => {
    const facts: RbacFacts = {
      'cluster.roles': [{ namespace: 'a', name: 'r', rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] }],
      'cluster.clusterroles': [{ name: 'c', rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] }],
      'cluster.rolebindings': [
        { namespace: 'a', name: 'to-role', roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'u1' }] },
        { namespace: 'b', name: 'other-ns-role', roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'u2' }] },
        { namespace: 'b', name: 'to-cluster-role', roleRef: { kind: 'ClusterRole', name: 'c' }, subjects: [{ kind: 'User', name: 'u3' }] },
      ],
      'cluster.clusterrolebindings': [],
    };
    expect(grantsOf(facts, [secrets]).map((g) => `${g.subject.name}@${g.scope}`)).toEqual(['u1@a', 'u3@b']);
  });

  it('classes subjects', () => {
    const ex = new Exemptions({ 'cluster.exemptions.namespaces': { 'kube-system': 'rke2' } });
    const g = (subject: { kind: string; name: string; namespace?: string }, bootstrap = false) =>
      classify({ bindingKind: 'ClusterRoleBinding', binding: { name: 'b', roleRef: { kind: 'ClusterRole', name: 'x' }, subjects: [subject], ...(bootstrap ? { bootstrap } : {}) }, subject, scope: 'cluster' }, ex).kind;
    expect(g({ kind: 'Group', name: 'system:authenticated' }, true)).toBe('broad');
    expect(g({ kind: 'Group', name: 'system:serviceaccounts:team-a' })).toBe('broad');
    expect(g({ kind: 'User', name: 'system:kube-scheduler' })).toBe('system');
    expect(g({ kind: 'User', name: 'alice' }, true)).toBe('system');
    expect(g({ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' })).toBe('exempt');
    expect(g({ kind: 'User', name: 'system:serviceaccount:kube-system:coredns' })).toBe('exempt');
    expect(g({ kind: 'User', name: 'system:serviceaccount:team-a:app' })).toBe('user');
    expect(g({ kind: 'User', name: 'alice' })).toBe('user');
    expect(serviceAccountOf({ kind: 'User', name: 'system:serviceaccount:a:b' })).toEqual({ namespace: 'a', name: 'b' });
  });
});
