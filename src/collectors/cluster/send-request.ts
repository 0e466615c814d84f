import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { KubeApiError } from './kube-api.js';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function networkError(what: string, e: NodeJS.ErrnoException): KubeApiError {
  return new KubeApiError(`${what}: ${e.code ?? e.message}${e.code && e.message && !e.message.includes(e.code) ? ` (${e.message})` : ''}`, 'network', {
    ...(e.code ? { code: e.code } : {}),
  });
}

/**
 * One HTTP(S) request whose whole response must arrive within timeoutMs. Resets, aborted responses and
 * timeouts become KubeApiError (network / timeout) so the retry policy can tell them apart; any status is
 * returned for the caller to judge.
 */
export function sendRequest(url: URL, options: https.RequestOptions, body: string | undefined, timeoutMs: number, what: string): Promise<RawResponse> {
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, value?: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value!);
    };
    const request = transport.request(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (e: NodeJS.ErrnoException) => finish(networkError(what, e)));
      response.on('aborted', () => finish(networkError(what, Object.assign(new Error('response aborted'), { code: 'ECONNRESET' }))));
      response.on('end', () => finish(undefined, { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    const timer = setTimeout(() => {
      finish(new KubeApiError(`${what}: no complete response within ${timeoutMs} ms`, 'timeout', { code: 'ETIMEDOUT' }));
      request.destroy();
    }, timeoutMs);
    request.on('error', (e: NodeJS.ErrnoException) => finish(networkError(what, e)));
    request.end(body);
  });
}
