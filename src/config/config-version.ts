import { detectConfigKind, type ConfigKind } from './detect-config-kind.js';
import type { LocatedYaml } from './read-yaml-file.js';
import { YamlAccess, type YamlPath } from './yaml-access.js';

/**
 * Where a configuration names the Kubernetes version it deploys: RKE1 `kubernetes_version` (inside
 * Rancher's rancher_kubernetes_engine_config when wrapped), a Rancher Cluster's
 * `spec.kubernetesVersion`. RKE2's config.yaml names none.
 */
export function versionFieldPath(kind: ConfigKind, y: LocatedYaml | undefined): YamlPath | undefined {
  if (kind === 'rke1-cluster-yml') {
    const wrapped = y !== undefined && new YamlAccess(y, []).at(['rancher_kubernetes_engine_config']) !== undefined;
    return wrapped ? ['rancher_kubernetes_engine_config', 'kubernetes_version'] : ['kubernetes_version'];
  }
  if (kind === 'rancher-rke2-cluster') return ['spec', 'kubernetesVersion'];
  return undefined;
}

/** The version a configuration file names, with file:line:column and the field, or undefined. */
export function configVersion(y: LocatedYaml): { text: string; where: string } | undefined {
  const kind = detectConfigKind(y);
  const field = kind ? versionFieldPath(kind, y) : undefined;
  if (!field) return undefined;
  const a = new YamlAccess(y, []);
  const text = a.text(field);
  return text === undefined ? undefined : { text, where: `${a.where(field)}: ${field.join('.')}` };
}
