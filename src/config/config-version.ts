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
  // `kubernetes_version: ""` is how `rke config` writes a version left to RKE's default: none named.
  return text === undefined || text.trim() === '' ? undefined : { text, where: `${a.where(field)}: ${field.join('.')}` };
}

/**
 * The version a configuration is evaluated at: the one it names, unless `overrideVersion` (upgrade-check
 * evaluates a file at another version); else --k8s-version. A --k8s-version that contradicts the named
 * version is not used for that file, and a warning says so (a directory audit may mix files).
 */
export function evaluatedVersion(given: string | undefined, where: string, opts: { k8sVersion?: string; overrideVersion?: boolean }, warnings: string[]): string | undefined {
  const named = given?.trim() ? given : undefined; // `kubernetes_version: ""` (rke config) names none
  if (opts.overrideVersion && opts.k8sVersion) return opts.k8sVersion;
  if (named !== undefined && opts.k8sVersion !== undefined && opts.k8sVersion !== named) {
    warnings.push(`${where}: ${named} is the version this file names; --k8s-version ${opts.k8sVersion} is not used for it`);
  }
  return named ?? opts.k8sVersion;
}
