import type { Fact } from '../../model/fact.js';
import { rke2Flag, type Rke2NodeConfig } from './rke2-node-config.js';

/**
 * The `profile` RKE2 runs with on this node: a `--profile` on the rke2 process wins (CLI flags come after
 * config), else the config file the rke2 process reads (readRke2NodeConfig); none is absent.
 */
export function rke2ProfileFact(config: Rke2NodeConfig): Fact | undefined {
  const flag = rke2Flag(config, 'profile');
  if (flag) return { key: 'rke2.profile', value: flag.value, source: 'process', layer: `rke2 process ${flag.pid} --profile` };
  const item = config.merged.settings.get('profile')?.items.at(-1);
  const how = config.named ? ` (the rke2 process's --config)` : '';
  return item ? { key: 'rke2.profile', value: item.value, source: 'file', layer: `${item.file}${how} profile`, location: item.location } : undefined;
}
