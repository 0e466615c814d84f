import { isRecord, type YamlPath } from './yaml-access.js';

export const MACHINE_GLOBAL_CONFIG: YamlPath = ['spec', 'rkeConfig', 'machineGlobalConfig'];
export const MACHINE_SELECTOR_CONFIG: YamlPath = ['spec', 'rkeConfig', 'machineSelectorConfig'];

/**
 * The RKE2 config maps of a Rancher provisioning Cluster, as Rancher merges them into each machine's
 * config.yaml.d/50-rancher.yaml: machineGlobalConfig first (when it is a map), then the
 * machineSelectorConfig entries without a machineLabelSelector, in order (`unselected`); entries with
 * a selector apply to some machines only (`scoped`, by index). `audit config` and `harden config` both
 * read this order.
 */
export function rancherConfigMaps(cluster: unknown): { global: boolean; unselected: YamlPath[]; scoped: number[] } {
  const spec = isRecord(cluster) && isRecord(cluster.spec) ? cluster.spec : {};
  const rke = isRecord(spec.rkeConfig) ? spec.rkeConfig : {};
  const unselected: YamlPath[] = [];
  const scoped: number[] = [];
  (Array.isArray(rke.machineSelectorConfig) ? rke.machineSelectorConfig : []).forEach((s: unknown, i) => {
    if (!isRecord(s) || !isRecord(s.config)) return;
    if (s.machineLabelSelector) scoped.push(i);
    else unselected.push([...MACHINE_SELECTOR_CONFIG, i, 'config']);
  });
  return { global: isRecord(rke.machineGlobalConfig), unselected, scoped };
}
