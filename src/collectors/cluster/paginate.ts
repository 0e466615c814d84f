/**
 * Read a whole list page by page (limit + continue) and reduce each item as it arrives: only the
 * reduced objects are kept, so memory follows the reduced size, not the API objects.
 */
import { describeResource, KubeApiError, type KubeApi, type ListPage, type ResourceRef } from './kube-api.js';
import { withRetry, type RetryPolicy } from './retry.js';

export interface ListAllOptions {
  pageSize: number;
  metadataOnly?: boolean;
  retry: RetryPolicy;
}

/** How often an expired continue token (410 Gone) restarts the list from the beginning. */
const MAX_RESTARTS = 2;

export async function listAll<T>(
  api: KubeApi,
  resource: ResourceRef,
  reduce: (item: unknown) => T | undefined,
  opts: ListAllOptions,
): Promise<{ items: T[]; pages: number }> {
  const what = `list ${describeResource(resource)}`;
  const fetchPage = (cont: string | undefined, page: number): Promise<ListPage> => {
    const pending = withRetry(
      cont ? `${what} (page ${page})` : what,
      (timeoutMs) => api.list(resource, { limit: opts.pageSize, timeoutMs, ...(cont ? { continue: cont } : {}), ...(opts.metadataOnly ? { metadataOnly: true } : {}) }),
      opts.retry,
    );
    pending.catch(() => undefined); // awaited below; a failure while the previous page is reduced is not "unhandled"
    return pending;
  };
  for (let restarts = 0; ; restarts++) {
    const items: T[] = [];
    let token: string | undefined;
    let pages = 0;
    let expired = false;
    let next = fetchPage(undefined, 1);
    for (;;) {
      const cont = token;
      let page: ListPage;
      try {
        page = await next;
      } catch (e) {
        // The continue token outlived etcd's compaction window: start over (the list must be consistent).
        if (cont && e instanceof KubeApiError && e.status === 410 && restarts < MAX_RESTARTS) {
          expired = true;
          break;
        }
        throw e;
      }
      pages++;
      if (page.continue !== undefined && page.continue === cont) {
        throw new KubeApiError(`${what}: the server returned the same continue token twice`, 'http', { status: 200 });
      }
      token = page.continue;
      // The next page is requested before this one is reduced: the server prepares it meanwhile.
      if (token) next = fetchPage(token, pages + 1);
      for (const raw of page.items) {
        const reduced = reduce(raw);
        if (reduced !== undefined) items.push(reduced);
      }
      if (!token) break;
    }
    if (!expired) return { items, pages };
  }
}
