/**
 * The text recorded in snapshot.errors when a list fails: it names the verb and the resource, so an
 * operator can grant exactly what is missing (design: a 403 is an `error` result, never a pass).
 */
import { KubeApiError } from './kube-api.js';
import type { ListSpec } from './resources.js';

function scope(spec: ListSpec): string {
  if (spec.resource.namespace) return `namespace ${spec.resource.namespace}`;
  return spec.clusterScoped ? 'cluster-scoped' : 'all namespaces';
}

export function describeListError(spec: ListSpec, e: unknown): string {
  const r = spec.resource;
  const resource = r.group ? `${r.resource}.${r.group}` : r.resource;
  const target = `(verb list, resource ${resource}, ${scope(spec)})`;
  if (!(e instanceof KubeApiError)) return `could not list ${r.resource} ${target}: ${(e as Error)?.message ?? String(e)}`;
  switch (e.status) {
    case 403:
      return `forbidden: cannot list ${r.resource} ${target}; the server said: ${e.message.replace(/^GET \S+: HTTP 403: ?/, '')}`;
    case 401:
      return `unauthorized: the API server rejected the credentials listing ${r.resource} ${target}`;
    case 404:
      return `not served: the API server has no ${r.group ? `${r.group}/` : ''}${r.version} ${r.resource} ${target}`;
    default:
      return `could not list ${r.resource} ${target}: ${e.message}`;
  }
}
