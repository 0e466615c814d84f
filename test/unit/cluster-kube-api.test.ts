// The client-node KubeApi adapter, pagination and retries over real HTTP: a stub API server serves
// paginated lists, the fault proxy in front of it injects 403, 429 + Retry-After, 500, resets,
// truncated and slow responses. (The same against a real kube-apiserver: test/e2e/audit-cluster.test.ts.)
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpKubeApi } from '../../src/collectors/cluster/http-kube-api.js';
import { collectCluster } from '../../src/collectors/cluster/collect-cluster.js';
import { KubeApiError, type ResourceRef } from '../../src/collectors/cluster/kube-api.js';
import { loadKubeConfig } from '../../src/collectors/cluster/load-kube-config.js';
import { listAll } from '../../src/collectors/cluster/paginate.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../../src/collectors/cluster/retry.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

const NAMESPACES = ['default', 'kube-system', 'kube-public', 'team-a', 'team-b', 'team-c', 'team-d'];

/** A stub of the list API: namespaces are paginated by offset; every other list is empty. */
function stubApiServer(): Promise<{ url: string; close: () => Promise<void>; expireTokens: () => void }> {
  let generation = 1;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/version') return send(200, { gitVersion: 'v1.31.4+rke2r1' });
    if (url.pathname === '/api/v1/namespaces') {
      const limit = Number(url.searchParams.get('limit') ?? 500);
      const token = url.searchParams.get('continue');
      let offset = 0;
      if (token) {
        const [gen, off] = token.split(':').map(Number);
        if (gen !== generation) return send(410, { kind: 'Status', code: 410, reason: 'Expired', message: 'continue token expired' });
        offset = off!;
      }
      const items = NAMESPACES.slice(offset, offset + limit).map((name) => ({ metadata: { name, labels: { team: 'x' } } }));
      const next = offset + limit < NAMESPACES.length ? `${generation}:${offset + limit}` : undefined;
      return send(200, { kind: 'NamespaceList', metadata: next ? { continue: next } : {}, items });
    }
    if (/^\/apis?\//.test(url.pathname)) return send(200, { kind: 'List', metadata: {}, items: [] });
    return send(404, { kind: 'Status', code: 404, reason: 'NotFound' });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((r) => server.close(() => r())),
        expireTokens: () => void generation++,
      }),
    ),
  );
}

const tempDirs: string[] = [];

function kubeconfigFor(server: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-kc-'));
  tempDirs.push(dir);
  const file = path.join(dir, 'config');
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1', 'kind: Config',
      'clusters:', '- name: stub', '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true',
      'users:', '- name: stub', '  user:', '    token: stub-token',
      'contexts:', '- name: stub', '  context: {cluster: stub, user: stub}',
      'current-context: stub', '',
    ].join('\n'),
  );
  return file;
}

const NS: ResourceRef = { group: '', version: 'v1', resource: 'namespaces' };
const fastRetry = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({
  ...DEFAULT_RETRY, baseDelayMs: 5, maxDelayMs: 20, requestTimeoutMs: 2_000, deadline: Date.now() + 20_000, ...over,
});
const names = (raw: unknown) => (raw as { metadata: { name: string } }).metadata.name;

describe('KubeApi adapter through the fault proxy', () => {
  let stub: Awaited<ReturnType<typeof stubApiServer>>;
  let proxy: FaultProxy;
  let api: HttpKubeApi;

  beforeAll(async () => {
    stub = await stubApiServer();
    proxy = await startFaultProxy({ upstream: stub.url });
    api = new HttpKubeApi((await loadKubeConfig({ kubeconfig: kubeconfigFor(proxy.url) })).kc);
  });
  afterEach(() => {
    proxy.clearRules();
    proxy.requests.length = 0;
  });
  afterAll(async () => {
    await proxy.close();
    await stub.close();
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the version and pages through a list with limit + continue', async () => {
    expect((await api.version()).gitVersion).toBe('v1.31.4+rke2r1');
    const { items, pages } = await listAll(api, NS, names, { pageSize: 3, retry: fastRetry() });
    expect(items).toEqual(NAMESPACES);
    expect(pages).toBe(3);
    const urls = proxy.requestsTo('/api/v1/namespaces').map((r) => r.url);
    expect(urls).toEqual(['/api/v1/namespaces?limit=3', '/api/v1/namespaces?limit=3&continue=1%3A3', '/api/v1/namespaces?limit=3&continue=1%3A6']);
  });

  it('waits as long as Retry-After says on 429, then succeeds', async () => {
    proxy.addRule({ match: '/api/v1/namespaces', fault: { kind: 'status', status: 429, retryAfter: 1 }, times: 1 });
    const t0 = Date.now();
    const { items } = await listAll(api, NS, names, { pageSize: 500, retry: fastRetry() });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(items).toHaveLength(NAMESPACES.length);
    expect(proxy.requestsTo('/api/v1/namespaces').map((r) => r.status)).toEqual([429, 200]);
  });

  it('retries 500s with backoff', async () => {
    proxy.addRule({ match: '/api/v1/namespaces', fault: { kind: 'status', status: 500 }, times: 2 });
    const retries: number[] = [];
    const { items } = await listAll(api, NS, names, { pageSize: 500, retry: fastRetry({ onRetry: (e) => retries.push(e.attempt) }) });
    expect(items).toHaveLength(NAMESPACES.length);
    expect(retries).toEqual([1, 2]);
  });

  it('retries a connection reset on a later page with the same continue token', async () => {
    proxy.addRule({ match: /continue=1%3A3/, fault: { kind: 'reset' }, times: 1 });
    const { items } = await listAll(api, NS, names, { pageSize: 3, retry: fastRetry() });
    expect(items).toEqual(NAMESPACES);
    const second = proxy.requestsTo('/api/v1/namespaces').filter((r) => r.url.includes('continue=1%3A3'));
    expect(second.map((r) => r.fault ?? r.status)).toEqual(['reset', 200]);
  });

  it('retries a response cut off in the middle of the body', async () => {
    proxy.addRule({ match: '/api/v1/namespaces', fault: { kind: 'truncate' }, times: 1 });
    const { items } = await listAll(api, NS, names, { pageSize: 500, retry: fastRetry() });
    expect(items).toHaveLength(NAMESPACES.length);
  });

  it('times out a slow response and retries it', async () => {
    proxy.addRule({ match: '/api/v1/namespaces', fault: { kind: 'delay', ms: 1_500 }, times: 1 });
    const errors: string[] = [];
    const { items } = await listAll(api, NS, names, { pageSize: 500, retry: fastRetry({ requestTimeoutMs: 300, onRetry: (e) => errors.push(e.error.kind) }) });
    expect(items).toHaveLength(NAMESPACES.length);
    expect(errors).toEqual(['timeout']);
  });

  it('does not retry a 403 and names the verb and resource', async () => {
    proxy.addRule({ match: '/api/v1/pods', fault: { kind: 'status', status: 403 } });
    const snapshot = await collectCluster({ api, retry: { baseDelayMs: 5 } });
    expect(proxy.requestsTo('/api/v1/pods')).toHaveLength(1);
    expect(snapshot.errors['cluster.pods']).toMatch(/^forbidden: cannot list pods \(verb list, resource pods, all namespaces\)/);
    expect(snapshot.facts['cluster.pods']).toBeUndefined();
    expect(snapshot.facts['cluster.namespaces']?.value).toHaveLength(NAMESPACES.length);
  });

  it('gives up after the attempts allowed, with the count in the error', async () => {
    proxy.addRule({ match: '/api/v1/namespaces', fault: { kind: 'status', status: 503 } });
    const error = await listAll(api, NS, names, { pageSize: 500, retry: fastRetry({ maxAttempts: 3 }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).details.attempts).toBe(3);
    expect(proxy.requestsTo('/api/v1/namespaces')).toHaveLength(3);
  });

  it('gives up at once when Retry-After would pass the deadline', async () => {
    proxy.addRule({ match: '/api/v1/namespaces', fault: { kind: 'status', status: 429, retryAfter: 60 } });
    const t0 = Date.now();
    const error = await listAll(api, NS, names, { pageSize: 500, retry: fastRetry({ deadline: Date.now() + 5_000 }) }).catch((e: unknown) => e);
    expect((error as KubeApiError).status).toBe(429);
    expect((error as Error).message).toMatch(/deadline/);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('restarts the list when the continue token expired (410)', async () => {
    // Expire the tokens once the first page was served, as etcd compaction would.
    const original = api.list.bind(api);
    let calls = 0;
    const spy = Object.assign(Object.create(api) as HttpKubeApi, {
      list: async (...args: Parameters<HttpKubeApi['list']>) => {
        const page = await original(...args);
        if (++calls === 1) stub.expireTokens();
        return page;
      },
    });
    const { items } = await listAll(spy, NS, names, { pageSize: 3, retry: fastRetry() });
    expect(items).toEqual(NAMESPACES);
    expect(proxy.requestsTo('/api/v1/namespaces').map((r) => r.status)).toEqual([200, 410, 200, 200, 200]);
  });
});
