/**
 * How our plain HTTP(S) requests reach the API server of a kubeconfig (KubeTarget): its credentials
 * (client certificates, tokens, exec plugins) and TLS settings, on ONE keep-alive agent. client-node's
 * applyToHTTPSOptions builds a new agent at every call, so each request would open its own TLS
 * connection (a handshake and a certificate parse per page of a LIST, per write of `harden cluster`).
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeTarget } from './kube-target.js';

/** Credentials are re-read this often: tokens of exec plugins expire. */
const OPTIONS_TTL_MS = 10_000;

export class KubeConnection {
  readonly server: string;
  private agent: http.Agent | undefined;
  private cached: { at: number; options: https.RequestOptions } | undefined;

  constructor(
    private readonly kc: KubeTarget,
    private readonly maxSockets = 32,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  /** The URL of a path on the server; a server URL with a path (Rancher's /k8s/clusters/<id> proxy) keeps it. */
  url(path: string): URL {
    return new URL(this.server + path);
  }

  /** Options for one request: the shared agent, the credentials' headers and basic auth, plus `headers`. */
  async requestOptions(method: string, headers: Record<string, string>): Promise<https.RequestOptions> {
    const base = await this.credentials();
    return {
      method,
      agent: this.agent,
      headers: { ...(base.headers ?? {}), ...headers },
      ...(base.auth ? { auth: base.auth } : {}),
    };
  }

  private async credentials(): Promise<https.RequestOptions> {
    if (this.cached && Date.now() - this.cached.at < OPTIONS_TTL_MS) return this.cached.options;
    const options: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(options);
    // A proxy agent from the kubeconfig is kept as it is; otherwise one keep-alive agent for every request.
    this.agent ??= this.kc.getCurrentCluster()?.proxyUrl
      ? (options.agent as http.Agent)
      : this.server.startsWith('http:')
        ? new http.Agent({ keepAlive: true, maxSockets: this.maxSockets })
        : new https.Agent({
            keepAlive: true,
            maxSockets: this.maxSockets,
            ...(options.ca ? { ca: options.ca } : {}),
            ...(options.cert ? { cert: options.cert } : {}),
            ...(options.key ? { key: options.key } : {}),
            ...(options.pfx ? { pfx: options.pfx, passphrase: options.passphrase } : {}),
            ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
            ...(options.servername ? { servername: options.servername } : {}),
          });
    this.cached = { at: Date.now(), options };
    return options;
  }

  /** Close the idle connections (they do not keep the process alive, but a long-lived agent should not hoard them). */
  close(): void {
    this.agent?.destroy();
  }
}
