/** The RBAC "minimize access" evaluators: each is the shared policy applied to one permission. */
import { registerEvaluator } from '../registry.js';
import { accessEvaluator } from './rbac-access.js';
import { grantsOf, grantsWhere, type ResourcePermission } from './rbac-grants.js';

const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];

const byPermission = (id: string, what: string, permissions: ResourcePermission[]) =>
  registerEvaluator(id, accessEvaluator((facts) => grantsOf(facts, permissions), what));

// 5.1.1: bindings to cluster-admin.
registerEvaluator(
  'rbac-cluster-admin-only-where-required',
  accessEvaluator(
    (facts) => grantsWhere(facts, (b) => b.roleRef.kind === 'ClusterRole' && b.roleRef.name === 'cluster-admin'),
    'the cluster-admin role',
  ),
);

// 5.1.2
byPermission('rbac-secrets-access-minimized', 'get/list/watch on secrets', [
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
]);

// 5.1.4
byPermission('rbac-pod-create-minimized', 'create on pods', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }]);

// 5.1.8: bind/escalate on roles, impersonate on identities.
byPermission('rbac-bind-escalate-impersonate-minimized', 'bind, escalate or impersonate', [
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['bind', 'escalate'] },
  // bind on a ClusterRole is checked in the namespace of the RoleBinding being made: a RoleBinding grants it there.
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate'], clusterScoped: true },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
  { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'], clusterScoped: true },
  { apiGroups: ['authentication.k8s.io'], resources: ['userextras/*', 'uids'], verbs: ['impersonate'], clusterScoped: true },
]);

// 5.1.9
byPermission('rbac-pv-create-minimized', 'create on persistentvolumes', [
  { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['create'], clusterScoped: true },
]);

// 5.1.10: any verb on nodes/proxy reaches the kubelet API (exec, logs) on every node.
byPermission('rbac-node-proxy-minimized', 'access to nodes/proxy', [{ apiGroups: [''], resources: ['nodes/proxy'], clusterScoped: true }]);

// 5.1.11
byPermission('rbac-csr-approval-minimized', 'update/patch on certificatesigningrequests/approval', [
  { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update', 'patch'], clusterScoped: true },
]);

// 5.1.12: changing admission webhooks can intercept or silence every write to the API.
byPermission('rbac-webhook-config-access-minimized', 'write access to admission webhook configurations', [
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'],
    verbs: WRITE,
    clusterScoped: true,
  },
]);

// 5.1.13
byPermission('rbac-sa-token-create-minimized', 'create on serviceaccounts/token', [
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
]);
