import fs from 'node:fs';
import { stringify } from 'yaml';

/** A kubeconfig for a bearer token (a ServiceAccount's, from a TokenRequest) on a test control plane. */
export function writeTokenKubeconfig(file: string, server: string, caFile: string, token: string): string {
  fs.writeFileSync(file, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
    clusters: [{ name: 'c', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'u', user: { token } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
  }), { mode: 0o600 });
  return file;
}
