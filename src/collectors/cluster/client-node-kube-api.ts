/**
 * The KubeApi adapter on @kubernetes/client-node: its KubeConfig resolves the cluster, credentials
 * (client certificates, tokens, exec and auth-provider plugins, in-cluster service account) and TLS
 * settings; the request itself is a plain GET so that status codes, Retry-After and connection errors
 * reach our retry policy unchanged and each page is parsed, reduced and dropped.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
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

export class ClientNodeKubeApi implements KubeApi {
  readonly server: string;

  constructor(private readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
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
    // The server URL may carry a path (Rancher's /k8s/clusters/<id> proxy): append, never resolve.
    const url = new URL(this.server + path);
    const options: https.RequestOptions = { method: 'GET', headers: { accept } };
    await this.kc.applyToHTTPSOptions(options);
    const transport = url.protocol === 'http:' ? http : https;
    const what = `GET ${url.pathname}${url.search}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(value);
      };
      const request = transport.request(url, options, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (e: NodeJS.ErrnoException) => finish(networkError(what, e)));
        response.on('aborted', () => finish(networkError(what, Object.assign(new Error('response aborted'), { code: 'ECONNRESET' }))));
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              finish(undefined, JSON.parse(body));
            } catch {
              finish(new KubeApiError(`${what}: response is not JSON`, 'network', { status, code: 'EBADRESPONSE' }));
            }
            return;
          }
          const { reason, message } = statusReason(body);
          finish(
            new KubeApiError(`${what}: HTTP ${status}${message ? `: ${message}` : ''}`, 'http', {
              status,
              ...(reason ? { reason } : {}),
              ...(response.headers['retry-after'] !== undefined ? { retryAfterMs: parseRetryAfter(response.headers['retry-after']) } : {}),
            }),
          );
        });
      });
      const timer = setTimeout(() => {
        finish(new KubeApiError(`${what}: no complete response within ${timeoutMs} ms`, 'timeout', { code: 'ETIMEDOUT' }));
        request.destroy();
      }, timeoutMs);
      request.on('error', (e: NodeJS.ErrnoException) => finish(networkError(what, e)));
      request.end();
    });
  }
}

function networkError(what: string, e: NodeJS.ErrnoException): KubeApiError {
  return new KubeApiError(`${what}: ${e.code ?? e.message}${e.code && e.message && !e.message.includes(e.code) ? ` (${e.message})` : ''}`, 'network', {
    ...(e.code ? { code: e.code } : {}),
  });
}
