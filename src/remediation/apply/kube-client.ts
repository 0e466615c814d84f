/**
 * The writes `harden cluster` and `rollback` make, on @kubernetes/client-node's KubeConfig
 * (credentials, exec plugins, TLS, proxies): GET, create, JSON merge patch and DELETE with
 * a uid precondition. Requests are plain HTTP(S) on one keep-alive agent so that thousands of small
 * writes reuse connections and status codes, Retry-After and `Warning` headers (Pod Security
 * admission's "existing pods violate …") reach us unchanged. Retryable failures go through the
 * cluster collector's retry policy.
 */
import type http from 'node:http';
import type { KubeTarget } from '../../collectors/cluster/kube-target.js';
import { KubeApiError } from '../../collectors/cluster/kube-api.js';
import { KubeConnection } from '../../collectors/cluster/kube-connection.js';
import { sendRequest } from '../../collectors/cluster/send-request.js';
import { parseRetryAfter } from '../../collectors/cluster/http-kube-api.js';
import { DEFAULT_RETRY, withRetry } from '../../collectors/cluster/retry.js';
import type { KubeObject, KubeRef } from '../plan.js';

export const FIELD_MANAGER = 'rke-harden';
export const ROLLBACK_FIELD_MANAGER = 'rke-harden-rollback';

export interface WriteResult {
  object: KubeObject;
  /** Warning headers of the response (text only). */
  warnings: string[];
}

/** API path of the collection an object is created in. */
export function collectionPath(ref: Pick<KubeRef, 'apiVersion' | 'resource' | 'namespace'>): string {
  const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  return `${base}${ns}/${ref.resource}`;
}

/** API path of one object. */
export function objectPath(ref: Pick<KubeRef, 'apiVersion' | 'resource' | 'namespace' | 'name'>): string {
  return `${collectionPath(ref)}/${encodeURIComponent(ref.name)}`;
}

/** `299 - "text"` → text. */
export function parseWarnings(header: string | string[] | undefined): string[] {
  if (!header) return [];
  const values = Array.isArray(header) ? header : [header];
  const out: string[] = [];
  for (const v of values) {
    for (const m of v.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) out.push(m[1]!.replace(/\\(.)/g, '$1'));
  }
  return out;
}

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class KubeClient {
  readonly server: string;
  private readonly connection: KubeConnection;

  constructor(
    kc: KubeTarget,
    private readonly opts: { maxSockets?: number; requestTimeoutMs?: number; retryDeadlineMs?: number } = {},
  ) {
    this.connection = new KubeConnection(kc, opts.maxSockets);
    this.server = this.connection.server;
  }

  private async send(method: string, path: string, body: string | undefined, headers: Record<string, string>, timeoutMs: number): Promise<Response> {
    const url = this.connection.url(path);
    const options = await this.connection.requestOptions(method, {
      accept: 'application/json',
      ...headers,
      ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
    });
    return sendRequest(url, options, body, timeoutMs, `${method} ${url.pathname}`);
  }

  /** One call with retries; a non-2xx status (other than those in `accept`) becomes a KubeApiError. */
  private async call(method: string, path: string, opts: { body?: unknown; contentType?: string; accept?: number[] } = {}): Promise<Response> {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const what = `${method} ${path.split('?')[0]}`;
    return withRetry(
      what,
      async (timeoutMs) => {
        const r = await this.send(method, path, body, opts.contentType ? { 'content-type': opts.contentType } : {}, timeoutMs);
        if ((r.status >= 200 && r.status < 300) || opts.accept?.includes(r.status)) return r;
        let reason: string | undefined;
        let message: string | undefined;
        try {
          ({ reason, message } = JSON.parse(r.body) as { reason?: string; message?: string });
        } catch {
          /* not a Status */
        }
        throw new KubeApiError(`${what}: HTTP ${r.status}${message ? `: ${message}` : ''}`, 'http', {
          status: r.status,
          ...(reason ? { reason } : {}),
          ...(r.headers['retry-after'] !== undefined ? { retryAfterMs: parseRetryAfter(r.headers['retry-after']) } : {}),
        });
      },
      { ...DEFAULT_RETRY, ...(this.opts.requestTimeoutMs ? { requestTimeoutMs: this.opts.requestTimeoutMs } : {}), deadline: Date.now() + (this.opts.retryDeadlineMs ?? 120_000) },
    );
  }

  private static json(r: Response): KubeObject {
    try {
      return JSON.parse(r.body) as KubeObject;
    } catch {
      throw new KubeApiError(`response is not JSON (HTTP ${r.status})`, 'network', { status: r.status, code: 'EBADRESPONSE' });
    }
  }

  /** The object, or undefined when it does not exist. */
  async get(path: string): Promise<KubeObject | undefined> {
    const r = await this.call('GET', path, { accept: [404] });
    return r.status === 404 ? undefined : KubeClient.json(r);
  }

  /**
   * Create the object (POST to its collection). A name already taken is a 409 (AlreadyExists): an
   * object someone else made is never overwritten.
   */
  async create(ref: Pick<KubeRef, 'apiVersion' | 'resource' | 'namespace'>, body: KubeObject, opts: { dryRun?: boolean } = {}): Promise<WriteResult> {
    const q = new URLSearchParams({ fieldManager: FIELD_MANAGER });
    if (opts.dryRun) q.set('dryRun', 'All');
    const r = await this.call('POST', `${collectionPath(ref)}?${q}`, { body, contentType: 'application/json' });
    return { object: KubeClient.json(r), warnings: parseWarnings(r.headers.warning) };
  }

  /**
   * JSON merge patch (null removes a key; nothing the patch leaves out changes). `metadata.resourceVersion`
   * in the patch is a precondition (409 when stale); a missing object is a 404, never created.
   */
  async mergePatch(path: string, patch: KubeObject, opts: { dryRun?: boolean; fieldManager?: string } = {}): Promise<WriteResult> {
    const q = new URLSearchParams({ fieldManager: opts.fieldManager ?? ROLLBACK_FIELD_MANAGER });
    if (opts.dryRun) q.set('dryRun', 'All');
    const r = await this.call('PATCH', `${path}?${q}`, { body: patch, contentType: 'application/merge-patch+json' });
    return { object: KubeClient.json(r), warnings: parseWarnings(r.headers.warning) };
  }

  /** Delete only the object with this uid (409 when another object now has the name); 'absent' when gone already. */
  async delete(path: string, uid: string): Promise<'deleted' | 'absent'> {
    const r = await this.call('DELETE', path, {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid }, propagationPolicy: 'Background' },
      contentType: 'application/json',
      accept: [404],
    });
    return r.status === 404 ? 'absent' : 'deleted';
  }

  close(): void {
    this.connection.close();
  }
}

