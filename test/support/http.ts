// Minimal HTTP(S) clients on node built-ins: the API server with a client certificate, and etcd's
// v3 HTTP/JSON gateway for raw values.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON (throws with the body in the message when it is not JSON). */
  json<T = unknown>(): T;
}

export interface ClientCertificate {
  /** PEM file paths. */
  ca: string;
  cert: string;
  key: string;
}

export type RequestBody = string | Buffer | object;

const TIMEOUT_MS = 30_000;

function toResponse(status: number, headers: http.IncomingHttpHeaders, body: string): HttpResponse {
  return {
    status,
    headers,
    body,
    json<T>() {
      try {
        return JSON.parse(body) as T;
      } catch {
        throw new Error(`HTTP ${status}: body is not JSON: ${body.slice(0, 500)}`);
      }
    },
  };
}

function send(
  transport: typeof http | typeof https,
  url: URL,
  options: https.RequestOptions & { method: string },
  body: RequestBody | undefined,
  extraHeaders: http.OutgoingHttpHeaders = {},
): Promise<HttpResponse> {
  const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = { accept: 'application/json', ...extraHeaders };
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { ...options, headers, agent: false, timeout: TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(toResponse(response.statusCode ?? 0, response.headers, Buffer.concat(chunks).toString('utf8'))));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${options.method} ${url.href} timed out after ${TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(payload);
  });
}

/** A client for one HTTPS server that authenticates with a client certificate. */
export function certificateClient(server: string, credentials: ClientCertificate) {
  const tls = { ca: readFileSync(credentials.ca), cert: readFileSync(credentials.cert), key: readFileSync(credentials.key) };
  return (method: string, path: string, body?: RequestBody, headers?: http.OutgoingHttpHeaders): Promise<HttpResponse> =>
    send(https, new URL(path, server), { method, ...tls }, body, headers);
}

/** Plain HTTP request (etcd's client URL in tests has no TLS). */
export function plainRequest(url: string, method: string, body?: RequestBody): Promise<HttpResponse> {
  return send(http, new URL(url), { method }, body);
}

/**
 * The raw stored bytes of `key` in etcd, through the v3 JSON gateway (POST /v3/kv/range, keys and
 * values base64), or undefined when the key does not exist.
 */
export async function etcdGet(endpoint: string, key: string): Promise<Buffer | undefined> {
  const response = await plainRequest(`${endpoint}/v3/kv/range`, 'POST', { key: Buffer.from(key).toString('base64') });
  if (response.status !== 200) throw new Error(`etcd range ${key}: HTTP ${response.status}: ${response.body}`);
  const { kvs } = response.json<{ kvs?: { value?: string }[] }>();
  const value = kvs?.[0]?.value;
  if (kvs === undefined || kvs.length === 0) return undefined;
  return Buffer.from(value ?? '', 'base64');
}
