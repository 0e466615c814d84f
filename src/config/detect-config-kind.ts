import path from 'node:path';
import type { LocatedYaml } from './read-yaml-file.js';
import { isRecord } from './yaml-access.js';
import { ARG_KEYS, RKE2_KEYS } from './rke2/rke2-keys.js';

export type ConfigKind = 'rke1-cluster-yml' | 'rke2-config' | 'rancher-rke2-cluster';

/**
 * A Kubernetes object that is no cluster configuration (an audit Policy, an AdmissionConfiguration, a
 * ConfigMap): its `kind (apiVersion)`, else undefined. --distro says which configuration a file is; it
 * does not make such an object one (RKE and RKE2 configurations have no apiVersion and kind).
 */
export function otherKubernetesObject(y: LocatedYaml): string | undefined {
  const v = y.value;
  if (!isRecord(v) || typeof v.kind !== 'string' || typeof v.apiVersion !== 'string') return undefined;
  return v.apiVersion === 'provisioning.cattle.io/v1' && v.kind === 'Cluster' ? undefined : `${v.kind} (${v.apiVersion})`;
}

/** What kind of cluster configuration a YAML document is, or undefined when it is none of ours. */
export function detectConfigKind(y: LocatedYaml): ConfigKind | undefined {
  const v = y.value;
  if (!isRecord(v)) return undefined;
  if (v.apiVersion === 'provisioning.cattle.io/v1' && v.kind === 'Cluster') return 'rancher-rke2-cluster';
  if (otherKubernetesObject(y)) return undefined;
  if ('rancher_kubernetes_engine_config' in v || 'services' in v || 'nodes' in v || 'kubernetes_version' in v) return 'rke1-cluster-yml';
  const keys = Object.keys(v).map((k) => k.replace(/\+$/, ''));
  if (keys.some((k) => k in ARG_KEYS || k === 'profile') || (keys.length > 0 && keys.every((k) => RKE2_KEYS.includes(k)))) return 'rke2-config';
  if (path.basename(y.file) === 'config.yaml' || path.basename(path.dirname(y.file)) === 'config.yaml.d') return 'rke2-config';
  return undefined;
}
