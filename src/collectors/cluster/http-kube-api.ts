/**
 * The KubeApi adapter over a kubeconfig (KubeTarget: PlainKubeConfig, or @kubernetes/client-node's
 * KubeConfig for exec and auth-provider plugins, proxies and the in-cluster service account), which
 * resolves the cluster, credentials and TLS settings; the request itself is a plain GET so that status codes, Retry-After and connection errors
 * reach our retry policy unchanged and each page is parsed, reduced and dropped.
 */
import type { KubeTarget } from './kube-target.js';
import { KubeConnection } from './kube-connection.js';
import { sendRequest } from './send-request.js';
import { KubeApiError, listPath, type KubeApi, type ListOptions, type ListPage, type ResourceRef } from './kube-api.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/** Retry-After is either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function statusReason(body: string): { reason?: string; message?: string } {
  try {
    const s = JSON.parse(body) as { reason?: string; message?: string };
    return { reason: s.reason, message: s.message };
  } catch {
    return {};
  }
}

export class HttpKubeApi implements KubeApi {
  readonly server: string;
  private readonly connection: KubeConnection;

  constructor(kc: KubeTarget) {
    this.connection = new KubeConnection(kc);
    this.server = this.connection.server;
  }

  async version(opts: { timeoutMs?: number } = {}): Promise<{ gitVersion: string }> {
    const body = (await this.get('/version', 'application/json', opts.timeoutMs)) as { gitVersion?: unknown };
    if (typeof body.gitVersion !== 'string') throw new KubeApiError('GET /version: no gitVersion in the response', 'http', { status: 200 });
    return { gitVersion: body.gitVersion };
  }

  async list(resource: ResourceRef, opts: ListOptions): Promise<ListPage> {
    const query = new URLSearchParams({ limit: String(opts.limit) });
    if (opts.continue) query.set('continue', opts.continue);
    const body = (await this.get(`${listPath(resource)}?${query}`, opts.metadataOnly ? METADATA_ONLY : 'application/json', opts.timeoutMs)) as {
      items?: unknown[];
      metadata?: { continue?: string };
    };
    const next = body.metadata?.continue;
    return { items: body.items ?? [], ...(next ? { continue: next } : {}) };
  }

  private async get(path: string, accept: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<unknown> {
    const url = this.connection.url(path);
    const options = await this.connection.requestOptions('GET', { accept });
    const what = `GET ${url.pathname}${url.search}`;
    const response = await sendRequest(url, options, undefined, timeoutMs, what);
    const status = response.status;
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(response.body);
      } catch {
        throw new KubeApiError(`${what}: response is not JSON`, 'network', { status, code: 'EBADRESPONSE' });
      }
    }
    const { reason, message } = statusReason(response.body);
    throw new KubeApiError(`${what}: HTTP ${status}${message ? `: ${message}` : ''}`, 'http', {
      status,
      ...(reason ? { reason } : {}),
      ...(response.headers['retry-after'] !== undefined ? { retryAfterMs: parseRetryAfter(response.headers['retry-after']) } : {}),
    });
  }

  close(): void {
    this.connection.close();
  }
}
