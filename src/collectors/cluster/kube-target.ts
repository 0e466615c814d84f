import type https from 'node:https';

/**
 * What our requests need from a kubeconfig: the server of the current context and the TLS settings and
 * credentials of its user. Both @kubernetes/client-node's KubeConfig (every kind of kubeconfig) and
 * PlainKubeConfig (the common kinds, without loading client-node) have this shape.
 */
export interface KubeTarget {
  getCurrentContext(): string;
  getCurrentCluster(): { server: string; proxyUrl?: string | undefined } | null;
  /** Set ca, cert, key, rejectUnauthorized, servername, the Authorization header, basic auth. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}
