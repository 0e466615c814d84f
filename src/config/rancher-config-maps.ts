import { isRecord, valueAtPath, type YamlPath } from './yaml-access.js';

export const MACHINE_GLOBAL_CONFIG: YamlPath = ['spec', 'rkeConfig', 'machineGlobalConfig'];
export const MACHINE_SELECTOR_CONFIG: YamlPath = ['spec', 'rkeConfig', 'machineSelectorConfig'];

/**
 * The RKE2 config maps of a Rancher provisioning Cluster, as Rancher merges them into each machine's
 * config.yaml.d/50-rancher.yaml (Rancher's planner, addUserConfig): machineGlobalConfig first (when it
 * is a map), then every machineSelectorConfig entry that matches the machine, in list order, a later
 * map replacing a key (lists included). Entries without a machineLabelSelector match every machine
 * (`unselected`); the others some machines only (`scoped`, by index). `forScoped(i)` is the merge for
 * a machine that entry i matches (and no other scoped one); `all` is every map, in that order.
 * `audit config` and `harden config` both read this order.
 */
export function rancherConfigMaps(cluster: unknown): { global: boolean; unselected: YamlPath[]; scoped: number[]; forScoped: (i: number) => YamlPath[]; all: YamlPath[] } {
  const spec = isRecord(cluster) && isRecord(cluster.spec) ? cluster.spec : {};
  const rke = isRecord(spec.rkeConfig) ? spec.rkeConfig : {};
  const entries: { i: number; selected: boolean }[] = [];
  (Array.isArray(rke.machineSelectorConfig) ? rke.machineSelectorConfig : []).forEach((s: unknown, i) => {
    if (isRecord(s) && isRecord(s.config)) entries.push({ i, selected: Boolean(s.machineLabelSelector) });
  });
  const at = (i: number): YamlPath => [...MACHINE_SELECTOR_CONFIG, i, 'config'];
  const global = isRecord(rke.machineGlobalConfig);
  return {
    global,
    unselected: entries.filter((e) => !e.selected).map((e) => at(e.i)),
    scoped: entries.filter((e) => e.selected).map((e) => e.i),
    forScoped: (i) => [...(global ? [MACHINE_GLOBAL_CONFIG] : []), ...entries.filter((e) => !e.selected || e.i === i).map((e) => at(e.i))],
    all: [...(global ? [MACHINE_GLOBAL_CONFIG] : []), ...entries.map((e) => at(e.i))],
  };
}

/**
 * Why Rancher leaves a key of its config maps out of every machine's 50-rancher.yaml, or undefined.
 * Rancher writes only the keys the RKE2 release lists as agent or server arguments (its
 * filterConfigData), so RKE2's own `key+` form never reaches a machine, and it sets disable-etcd
 * itself from each machine's roles.
 */
export function droppedByRancher(key: string): string | undefined {
  if (key.endsWith('+')) return `Rancher writes only the keys RKE2 lists as arguments (filterConfigData), so ${key} never reaches a machine: give the whole list under ${key.slice(0, -1)}`;
  if (key === 'disable-etcd') return 'Rancher sets disable-etcd itself from each machine\'s roles and drops this one';
  return undefined;
}

/** Every key of a Cluster's config maps that Rancher drops (droppedByRancher), with its path and why. */
export function keysRancherDrops(cluster: unknown): { path: YamlPath; why: string }[] {
  const out: { path: YamlPath; why: string }[] = [];
  for (const at of rancherConfigMaps(cluster).all) {
    const map = valueAtPath(cluster, at);
    for (const key of isRecord(map) ? Object.keys(map) : []) {
      const why = droppedByRancher(key);
      if (why) out.push({ path: [...at, key], why });
    }
  }
  return out;
}
