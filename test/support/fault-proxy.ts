// A small fault-injecting HTTP(S) reverse proxy for tests: it forwards requests to an upstream (a real
// kube-apiserver, or a stub) and, for requests matching a rule, answers with an injected status (403,
// 429 + Retry-After, 500, …), resets the connection, truncates the response, or delays it.
//
//   const proxy = await startFaultProxy({ upstream: cp.server, upstreamTls: {...}, tls: {...} });
//   proxy.addRule({ match: '/api/v1/pods', fault: { kind: 'status', status: 429, retryAfter: 1 }, times: 2 });
//   ... point a kubeconfig at proxy.url ...; proxy.requests lists what happened; await proxy.close();
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number | string; reason?: string }
  | { kind: 'reset' }
  /** Forward, send the status line and half the body, then cut the connection. */
  | { kind: 'truncate' }
  | { kind: 'delay'; ms: number };

export interface FaultRule {
  /** A path prefix (query excluded), a RegExp tested on path+query, or a predicate. */
  match: string | RegExp | ((req: { method: string; url: string }) => boolean);
  fault: Fault;
  /** Apply to this many matching requests, then let them through (default: all). */
  times?: number;
}

export interface ProxiedRequest {
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  /** The fault applied, if any. */
  fault?: Fault['kind'];
  /** Status sent to the client (undefined for a reset). */
  status?: number;
}

export interface FaultProxy {
  url: string;
  requests: ProxiedRequest[];
  addRule(rule: FaultRule): void;
  clearRules(): void;
  /** Requests whose path (query excluded) starts with the prefix. */
  requestsTo(prefix: string): ProxiedRequest[];
  close(): Promise<void>;
}

type Pem = string | Buffer;
const pem = (x: Pem | undefined): Buffer | undefined => (x === undefined ? undefined : Buffer.isBuffer(x) ? x : readFileSync(x));

export interface FaultProxyOptions {
  upstream: string;
  /** PEM files (paths) or contents: the upstream's CA and, optionally, the client certificate the proxy presents. */
  upstreamTls?: { ca?: Pem; cert?: Pem; key?: Pem };
  /** Serve HTTPS with this certificate (PEM paths or contents); plain HTTP when absent. */
  tls?: { cert: Pem; key: Pem };
  /** Headers added to every upstream request (e.g. Impersonate-User). */
  headers?: Record<string, string>;
  rules?: FaultRule[];
}

const pathOf = (url: string): string => url.split('?')[0]!;

function matches(rule: FaultRule, req: { method: string; url: string }): boolean {
  if (typeof rule.match === 'string') return pathOf(req.url).startsWith(rule.match);
  if (rule.match instanceof RegExp) return rule.match.test(req.url);
  return rule.match(req);
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(opts.upstream);
  const transport = upstream.protocol === 'https:' ? https : http;
  const upstreamTls = { ca: pem(opts.upstreamTls?.ca), cert: pem(opts.upstreamTls?.cert), key: pem(opts.upstreamTls?.key) };
  const rules: { rule: FaultRule; left: number }[] = (opts.rules ?? []).map((rule) => ({ rule, left: rule.times ?? Infinity }));
  const requests: ProxiedRequest[] = [];

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, record: ProxiedRequest, truncate: boolean) => {
    const headers = { ...req.headers, ...opts.headers, host: upstream.host };
    const out = transport.request(
      { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, ...upstreamTls, agent: false },
      (up) => {
        record.status = up.statusCode;
        if (!truncate) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.concat(chunks);
          const { 'content-length': _len, 'transfer-encoding': _te, ...rest } = up.headers;
          res.writeHead(up.statusCode ?? 502, { ...rest, 'content-length': body.length });
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
        });
      },
    );
    out.on('error', (e) => {
      record.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: upstream error: ${e.message}`);
    });
    req.pipe(out);
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const info = { method: req.method ?? 'GET', url: req.url ?? '/' };
    const record: ProxiedRequest = { ...info };
    requests.push(record);
    const hit = rules.find((r) => r.left > 0 && matches(r.rule, info));
    if (!hit) return forward(req, res, record, false);
    hit.left--;
    const fault = hit.rule.fault;
    record.fault = fault.kind;
    switch (fault.kind) {
      case 'status': {
        record.status = fault.status;
        const body = JSON.stringify({
          kind: 'Status', apiVersion: 'v1', status: 'Failure', code: fault.status,
          reason: fault.reason ?? (fault.status === 429 ? 'TooManyRequests' : fault.status === 403 ? 'Forbidden' : 'InternalError'),
          message: `injected by the fault proxy: HTTP ${fault.status}`,
        });
        const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        res.writeHead(fault.status, headers);
        res.end(body);
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'truncate':
        return forward(req, res, record, true);
      case 'delay': {
        const timer = setTimeout(() => {
          if (!req.socket.destroyed) forward(req, res, record, false);
        }, fault.ms);
        req.socket.on('close', () => clearTimeout(timer));
        return;
      }
    }
  };

  const server = opts.tls
    ? https.createServer({ cert: pem(opts.tls.cert), key: pem(opts.tls.key) }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    addRule: (rule) => rules.push({ rule, left: rule.times ?? Infinity }),
    clearRules: () => void rules.splice(0),
    requestsTo: (prefix) => requests.filter((r) => pathOf(r.url).startsWith(prefix)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
