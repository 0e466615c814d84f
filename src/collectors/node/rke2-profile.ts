import type { Fact } from '../../model/fact.js';
import { rke2Env, rke2Flag, type Rke2NodeConfig } from './rke2-node-config.js';

/**
 * The `profile` RKE2 runs with on this node: a `--profile` on the rke2 process wins (CLI flags come after
 * config), else the config file the rke2 process reads (readRke2NodeConfig), else RKE2_CIS_PROFILE in
 * its environment; none is absent.
 */
export function rke2ProfileFact(config: Rke2NodeConfig): Fact | undefined {
  const flag = rke2Flag(config, 'profile');
  if (flag) return { key: 'rke2.profile', value: flag.value, source: 'process', layer: `rke2 process ${flag.pid} ${flag.how}` };
  const item = config.merged.settings.get('profile')?.items.at(-1);
  const how = config.namedBy ? ` (${config.namedBy})` : '';
  if (item) return { key: 'rke2.profile', value: item.value, source: 'file', layer: `${item.file}${how} profile`, location: item.location };
  const env = rke2Env(config, 'RKE2_CIS_PROFILE');
  return env ? { key: 'rke2.profile', value: env.value, source: 'process', layer: `rke2 process ${env.pid} ${env.how}` } : undefined;
}
