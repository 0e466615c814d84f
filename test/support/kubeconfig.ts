// A kubeconfig with one cluster, one client-certificate user and one context, referring to the
// PEM files by path. JSON string literals are valid YAML double-quoted scalars, so paths are safe.
import { writeFile } from 'node:fs/promises';

export interface KubeconfigSpec {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Name used for the cluster, user and context. */
  name?: string;
}

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const q = (value: string): string => JSON.stringify(value);
  const name = q(spec.name ?? 'rke-harden-test');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${q(spec.server)}`,
    `    certificate-authority: ${q(spec.caFile)}`,
    'users:',
    `- name: ${name}`,
    '  user:',
    `    client-certificate: ${q(spec.certFile)}`,
    `    client-key: ${q(spec.keyFile)}`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}

export async function writeKubeconfig(path: string, spec: KubeconfigSpec): Promise<string> {
  await writeFile(path, renderKubeconfig(spec), { mode: 0o600 });
  return path;
}
