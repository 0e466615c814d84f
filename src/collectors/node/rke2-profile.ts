import type { Fact } from '../../model/fact.js';
import { parseYamlText } from '../../config/read-yaml-file.js';
import { mergeRke2Config } from '../../config/rke2/merge-config-files.js';
import { HostNotFound, type HostFs, type ProcessInfo } from './ports.js';

const CONFIG = '/etc/rancher/rke2/config.yaml';

/**
 * The `profile` RKE2 runs with on this node: a `--profile` on the rke2 process wins (CLI flags come after
 * config), else config.yaml and its drop-ins merged as RKE2 does. Unreadable files raise; none is absent.
 */
export function rke2ProfileFact(fs: HostFs, processes: ProcessInfo[]): Fact | undefined {
  for (const p of processes) {
    const i = p.argv.findIndex((a, n) => n > 0 && (a === '--profile' || a.startsWith('--profile=')));
    if (/(^|\/)rke2$/.test(p.argv[0] ?? '') && i > 0) {
      const value = p.argv[i]!.includes('=') ? p.argv[i]!.slice('--profile='.length) : p.argv[i + 1] ?? '';
      return { key: 'rke2.profile', value, source: 'process', layer: `rke2 process ${p.pid} --profile` };
    }
  }
  const docs = [];
  for (const file of [CONFIG, ...dropIns(fs)]) {
    try {
      docs.push(parseYamlText(file, fs.readText(file, 1024 * 1024)));
    } catch (e) {
      if (e instanceof HostNotFound) continue;
      throw e;
    }
  }
  const item = mergeRke2Config(docs).settings.get('profile')?.items.at(-1);
  return item ? { key: 'rke2.profile', value: item.value, source: 'file', layer: `${item.file} profile`, location: item.location } : undefined;
}

function dropIns(fs: HostFs): string[] {
  try {
    return fs.list(`${CONFIG}.d`).filter((e) => /\.ya?ml$/.test(e.name)).map((e) => `${CONFIG}.d/${e.name}`).sort();
  } catch (e) {
    if (e instanceof HostNotFound) return [];
    throw e;
  }
}
