/**
 * The agent's few calls to the Kubernetes API, behind a port (AgentKube) so that the node agent and
 * the aggregator can be tested without a cluster. The adapter speaks plain HTTP(S) on the
 * credentials and TLS settings of @kubernetes/client-node's KubeConfig (in a pod: the service
 * account), with the cluster collector's retry policy (429/5xx/resets retried with backoff).
 *
 * Writes are server-side apply (field manager `rke-harden-agent`): one idempotent request creates
 * or updates the object, whoever else touched it.
 */
import type http from 'node:http';
import type { KubeTarget } from '../collectors/cluster/kube-target.js';
import { KubeConnection } from '../collectors/cluster/kube-connection.js';
import { sendRequest } from '../collectors/cluster/send-request.js';
import { KubeApiError } from '../collectors/cluster/kube-api.js';
import { parseRetryAfter } from '../collectors/cluster/http-kube-api.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../collectors/cluster/retry.js';
import type { ConfigMapObject } from './snapshot-envelope.js';

export const AGENT_FIELD_MANAGER = 'rke-harden-agent';

export interface AgentKube {
  readonly server: string;
  /** Server-side apply of a ConfigMap (created or updated). */
  applyConfigMap(cm: ConfigMapObject): Promise<void>;
  /** Every ConfigMap in the namespace matching the label selector (paginated). */
  listConfigMaps(namespace: string, labelSelector: string): Promise<ConfigMapObject[]>;
  /** Delete; absent is fine. */
  deleteConfigMap(namespace: string, name: string): Promise<void>;
  /** The node's uid, or undefined when there is no such node. */
  getNodeUid(name: string): Promise<string | undefined>;
  /** Names of every Node, or of those matching a label selector. */
  listNodeNames(labelSelector?: string): Promise<string[]>;
}

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

const PAGE = 200;

export class RestAgentKube implements AgentKube {
  readonly server: string;
  private readonly connection: KubeConnection;

  constructor(
    kc: KubeTarget,
    private readonly opts: { requestTimeoutMs?: number; retryBudgetMs?: number } = {},
  ) {
    this.connection = new KubeConnection(kc, 8);
    this.server = this.connection.server;
  }

  private policy(): RetryPolicy {
    return {
      ...DEFAULT_RETRY,
      requestTimeoutMs: this.opts.requestTimeoutMs ?? DEFAULT_RETRY.requestTimeoutMs,
      deadline: Date.now() + (this.opts.retryBudgetMs ?? 60_000),
    };
  }

  private async once(method: string, path: string, body: string | undefined, contentType: string | undefined, timeoutMs: number): Promise<Reply> {
    const url = this.connection.url(path);
    const options = await this.connection.requestOptions(method, { accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}) });
    return sendRequest(url, options, body, timeoutMs, `${method} ${url.pathname}`);
  }

  /** One call with retries; statuses in `accept` are answers, others throw KubeApiError. */
  private async call(method: string, path: string, opts: { body?: unknown; contentType?: string; accept?: number[] } = {}): Promise<{ status: number; json: unknown }> {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const accept = new Set(opts.accept ?? []);
    return withRetry(`${method} ${path.split('?')[0]}`, async (timeoutMs) => {
      const r = await this.once(method, path, body, opts.contentType ?? (body ? 'application/json' : undefined), timeoutMs);
      let json: unknown;
      try {
        json = r.body ? JSON.parse(r.body) : undefined;
      } catch {
        json = undefined;
      }
      if ((r.status >= 200 && r.status < 300) || accept.has(r.status)) return { status: r.status, json };
      const s = (json ?? {}) as { reason?: string; message?: string };
      throw new KubeApiError(`${method} ${path.split('?')[0]}: HTTP ${r.status}${s.message ? `: ${s.message}` : ''}`, 'http', {
        status: r.status,
        ...(s.reason ? { reason: s.reason } : {}),
        ...(r.headers['retry-after'] !== undefined ? { retryAfterMs: parseRetryAfter(r.headers['retry-after']) } : {}),
      });
    }, this.policy());
  }

  async applyConfigMap(cm: ConfigMapObject): Promise<void> {
    const ns = cm.metadata.namespace;
    if (!ns) throw new Error(`ConfigMap ${cm.metadata.name}: no namespace`);
    const q = new URLSearchParams({ fieldManager: AGENT_FIELD_MANAGER, force: 'true' });
    await this.call('PATCH', `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps/${encodeURIComponent(cm.metadata.name)}?${q}`, {
      body: cm,
      contentType: 'application/apply-patch+yaml',
    });
  }

  async listConfigMaps(namespace: string, labelSelector: string): Promise<ConfigMapObject[]> {
    const out: ConfigMapObject[] = [];
    let cont: string | undefined;
    do {
      const q = new URLSearchParams({ labelSelector, limit: String(PAGE), ...(cont ? { continue: cont } : {}) });
      const { json } = await this.call('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps?${q}`);
      const list = json as { items?: ConfigMapObject[]; metadata?: { continue?: string } };
      out.push(...(list.items ?? []));
      cont = list.metadata?.continue || undefined;
    } while (cont);
    return out;
  }

  async deleteConfigMap(namespace: string, name: string): Promise<void> {
    await this.call('DELETE', `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`, { accept: [404] });
  }

  async getNodeUid(name: string): Promise<string | undefined> {
    const { status, json } = await this.call('GET', `/api/v1/nodes/${encodeURIComponent(name)}`, { accept: [404] });
    if (status === 404) return undefined;
    return (json as { metadata?: { uid?: string } }).metadata?.uid;
  }

  async listNodeNames(labelSelector?: string): Promise<string[]> {
    const out: string[] = [];
    let cont: string | undefined;
    do {
      const q = new URLSearchParams({ limit: '500', ...(labelSelector ? { labelSelector } : {}), ...(cont ? { continue: cont } : {}) });
      const { json } = await this.call('GET', `/api/v1/nodes?${q}`);
      const list = json as { items?: { metadata?: { name?: string } }[]; metadata?: { continue?: string } };
      for (const n of list.items ?? []) if (n.metadata?.name) out.push(n.metadata.name);
      cont = list.metadata?.continue || undefined;
    } while (cont);
    return out.sort();
  }

  close(): void {
    this.connection.close();
  }
}
