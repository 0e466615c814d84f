import path from 'node:path';
import { dataDir } from '../../catalog/paths.js';
import { readPackageYaml } from '../../catalog/package-yaml.js';

export type FlagTable = Record<string, Record<string, string>>;

export interface Rke1Defaults {
  planBaseArgs: FlagTable;
  kdmServiceOptions: Record<string, FlagTable>;
  /** Minors RKE shipped whose options are not in the data => the minor whose options stand in. */
  kdmServiceOptionsAssumed: Record<string, string>;
  k8sMinorSupport: Record<string, { min_rke: string; max_rke?: string }>;
}

export interface Rke2Defaults {
  /** Component flags k3s/RKE2 set before user args, per version range (first match wins). */
  components: Record<string, { flags: Record<string, string>; byVersion?: { range: string; set?: Record<string, string>; unset?: string[] }[] }>;
}

const cache = new Map<string, unknown>();

/** Read one data file of distros/, e.g. "rke1/defaults.yaml" (cached; data is immutable at runtime). */
export function distroData<T>(relPath: string): T {
  let data = cache.get(relPath);
  if (data === undefined) cache.set(relPath, (data = readPackageYaml(path.join(dataDir('distros'), relPath))));
  return data as T;
}
