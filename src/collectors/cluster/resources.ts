/** What the cluster collector lists, into which fact, reduced how. */
import type { FactValue } from '../../model/fact.js';
import type { ClusterFactKey } from '../../engine/evaluators/cluster/cluster-facts.js';
import type { ResourceRef } from './kube-api.js';
import { reduceBinding, reduceRole } from './reduce-rbac.js';
import { reducePod } from './reduce-pod.js';
import {
  reduceDaemonSet, reduceName, reduceNamed, reduceNamespace, reduceNetworkPolicy, reduceServiceAccount, reduceWebhookConfiguration,
} from './reduce-objects.js';

export interface ListSpec {
  fact: ClusterFactKey;
  resource: ResourceRef;
  /** Cluster-scoped resources (namespaces, cluster roles, …): for messages. */
  clusterScoped?: boolean;
  reduce: (raw: unknown) => FactValue | undefined;
  /** Ask for metadata only: used where names suffice (never read Secret or ConfigMap data). */
  metadataOnly?: boolean;
  /** A 404 means the server does not serve this API: the fact is an empty list, not an error. */
  notServedIsEmpty?: boolean;
  /** Only list on Kubernetes minors in this range (inclusive). */
  minors?: { max?: number };
}

const core = (resource: string, namespace?: string): ResourceRef => ({ group: '', version: 'v1', resource, ...(namespace ? { namespace } : {}) });
const api = (group: string, version: string, resource: string, namespace?: string): ResourceRef => ({ group, version, resource, ...(namespace ? { namespace } : {}) });
const RBAC = 'rbac.authorization.k8s.io';

export const LIST_SPECS: ListSpec[] = [
  { fact: 'cluster.namespaces', resource: core('namespaces'), clusterScoped: true, reduce: reduceNamespace },
  { fact: 'cluster.serviceaccounts', resource: core('serviceaccounts'), reduce: reduceServiceAccount },
  { fact: 'cluster.pods', resource: core('pods'), reduce: reducePod },
  { fact: 'cluster.roles', resource: api(RBAC, 'v1', 'roles'), reduce: reduceRole },
  { fact: 'cluster.clusterroles', resource: api(RBAC, 'v1', 'clusterroles'), clusterScoped: true, reduce: reduceRole },
  { fact: 'cluster.rolebindings', resource: api(RBAC, 'v1', 'rolebindings'), reduce: reduceBinding },
  { fact: 'cluster.clusterrolebindings', resource: api(RBAC, 'v1', 'clusterrolebindings'), clusterScoped: true, reduce: reduceBinding },
  { fact: 'cluster.networkpolicies', resource: api('networking.k8s.io', 'v1', 'networkpolicies'), reduce: reduceNetworkPolicy },
  { fact: 'cluster.daemonsets', resource: api('apps', 'v1', 'daemonsets'), reduce: reduceDaemonSet },
  {
    fact: 'cluster.validatingwebhookconfigurations',
    resource: api('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations'),
    clusterScoped: true,
    reduce: reduceWebhookConfiguration,
    notServedIsEmpty: true,
  },
  {
    fact: 'cluster.podsecuritypolicies',
    resource: api('policy', 'v1beta1', 'podsecuritypolicies'),
    clusterScoped: true,
    reduce: reduceNamed,
    notServedIsEmpty: true,
    minors: { max: 24 },
  },
  { fact: 'cluster.defaultNamespace.services', resource: core('services', 'default'), reduce: reduceName, metadataOnly: true },
  { fact: 'cluster.defaultNamespace.configmaps', resource: core('configmaps', 'default'), reduce: reduceName, metadataOnly: true },
  { fact: 'cluster.defaultNamespace.deployments', resource: api('apps', 'v1', 'deployments', 'default'), reduce: reduceName, metadataOnly: true },
  { fact: 'cluster.defaultNamespace.statefulsets', resource: api('apps', 'v1', 'statefulsets', 'default'), reduce: reduceName, metadataOnly: true },
  { fact: 'cluster.defaultNamespace.jobs', resource: api('batch', 'v1', 'jobs', 'default'), reduce: reduceName, metadataOnly: true },
  { fact: 'cluster.defaultNamespace.cronjobs', resource: api('batch', 'v1', 'cronjobs', 'default'), reduce: reduceName, metadataOnly: true },
];
