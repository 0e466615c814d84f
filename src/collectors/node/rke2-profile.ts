import type { Fact } from '../../model/fact.js';
import { parseYamlText } from '../../config/read-yaml-file.js';
import { mergeRke2Config } from '../../config/rke2/merge-config-files.js';
import { parseFlags, type FlagOccurrence } from './argv.js';
import { HostNotFound, type HostFs, type ProcessInfo } from './ports.js';

const CONFIG = '/etc/rancher/rke2/config.yaml';

/** The rke2 process's own flags (urfave/cli: `-f`/`--f`, `=value` or the next word); none when rke2 is not running. */
function rke2Processes(processes: ProcessInfo[]): { pid: number; flags: FlagOccurrence[] }[] {
  return processes.filter((p) => /(^|\/)rke2$/.test(p.argv[0] ?? '')).map((p) => ({ pid: p.pid, flags: parseFlags(p.argv.slice(1), new Set()).flags }));
}

/**
 * The `profile` RKE2 runs with on this node: a `--profile` on the rke2 process wins (CLI flags come after
 * config), else the config file — `--config`/`-c` of the rke2 process, or /etc/rancher/rke2/config.yaml —
 * and its drop-ins merged as RKE2 does. Unreadable files raise; none is absent.
 */
export function rke2ProfileFact(fs: HostFs, processes: ProcessInfo[]): Fact | undefined {
  const rke2 = rke2Processes(processes);
  for (const p of rke2) {
    const profile = p.flags.filter((f) => f.flag === 'profile').at(-1);
    if (profile) return { key: 'rke2.profile', value: profile.value, source: 'process', layer: `rke2 process ${p.pid} --profile` };
  }
  const named = rke2.flatMap((p) => p.flags.filter((f) => f.flag === 'config' || f.flag === 'c')).at(-1)?.value;
  const main = named ?? CONFIG;
  const docs = [];
  for (const file of [main, ...dropIns(fs, main)]) {
    try {
      docs.push(parseYamlText(file, fs.readText(file, 1024 * 1024)));
    } catch (e) {
      if (e instanceof HostNotFound) continue;
      throw e;
    }
  }
  const item = mergeRke2Config(docs).settings.get('profile')?.items.at(-1);
  const how = named ? ` (the rke2 process's --config)` : '';
  return item ? { key: 'rke2.profile', value: item.value, source: 'file', layer: `${item.file}${how} profile`, location: item.location } : undefined;
}

/** Drop-ins as RKE2 finds them (k3s dotDFiles): *.yaml / *.yml in any letter case, in name order. */
function dropIns(fs: HostFs, main: string): string[] {
  try {
    return fs.list(`${main}.d`).filter((e) => e.kind !== 'dir' && /\.ya?ml$/i.test(e.name)).map((e) => `${main}.d/${e.name}`).sort();
  } catch (e) {
    if (e instanceof HostNotFound) return [];
    throw e;
  }
}
