/**
 * Our port to the Kubernetes API: the only calls the cluster collector makes. The production adapter
 * (http-kube-api.ts) sends plain requests with a kubeconfig's credentials (KubeTarget); tests can supply their own.
 */

/** A list endpoint: core resources have group "", e.g. {group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles'}. */
export interface ResourceRef {
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
  /** Restrict the list to one namespace; all namespaces (or cluster-scoped) when absent. */
  namespace?: string;
}

export interface ListOptions {
  limit: number;
  continue?: string;
  /** Ask for metadata only (PartialObjectMetadataList): names without specs or data. */
  metadataOnly?: boolean;
  /** Abort the request after this many milliseconds. */
  timeoutMs?: number;
}

export interface ListPage {
  items: unknown[];
  /** Token for the next page; absent on the last page. */
  continue?: string;
}

export interface KubeApi {
  /** Where the API is (for the report's target name). */
  readonly server: string;
  /** GET /version: the server's gitVersion, e.g. v1.31.4+rke2r1. */
  version(opts?: { timeoutMs?: number }): Promise<{ gitVersion: string }>;
  list(resource: ResourceRef, opts: ListOptions): Promise<ListPage>;
}

export type KubeApiErrorKind = 'http' | 'network' | 'timeout';

/** A failed API call: an HTTP status, a network failure (ECONNRESET, …) or a timeout. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    message: string,
    readonly kind: KubeApiErrorKind,
    readonly details: {
      status?: number;
      /** Network error code, e.g. ECONNRESET. */
      code?: string;
      /** Retry-After of a 429/503, in milliseconds. */
      retryAfterMs?: number;
      /** The Status reason of the response body, e.g. Forbidden, Expired. */
      reason?: string;
      /** How many attempts were made before giving up (set by the retry policy). */
      attempts?: number;
    } = {},
  ) {
    super(message);
  }

  get status(): number | undefined {
    return this.details.status;
  }
}

/** "rbac.authorization.k8s.io/v1 roles" or "v1 pods" (with the namespace when set), for messages. */
export function describeResource(r: ResourceRef): string {
  const gv = r.group ? `${r.group}/${r.version}` : r.version;
  return `${gv} ${r.resource}${r.namespace ? ` in namespace ${r.namespace}` : ''}`;
}

/** The API path of a list endpoint. */
export function listPath(r: ResourceRef): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespace ? `/namespaces/${encodeURIComponent(r.namespace)}` : '';
  return `${base}${ns}/${r.resource}`;
}
