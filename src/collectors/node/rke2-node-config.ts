/**
 * RKE2's own configuration on a node, as the rke2 process reads it: its command-line flags, and the
 * config file — the one its `--config`/`-c` names, else /etc/rancher/rke2/config.yaml — with the file's
 * drop-ins merged as RKE2 does. Read once per node audit by the profile and the data directory.
 */
import { parseYamlText } from '../../config/read-yaml-file.js';
import { mergeRke2Config, rke2DropInNames, type MergedConfig } from '../../config/rke2/merge-config-files.js';
import { parseFlags, type FlagOccurrence } from './argv.js';
import { HostNotFound, type HostFs, type ProcessInfo } from './ports.js';

export const DEFAULT_RKE2_CONFIG = '/etc/rancher/rke2/config.yaml';

export interface Rke2NodeConfig {
  /** The rke2 processes (server or agent) and their flags (urfave/cli: `-f`/`--f`, `=value` or the next word). */
  processes: { pid: number; flags: FlagOccurrence[] }[];
  /** The config file read, and whether the rke2 process named it. */
  file: string;
  named: boolean;
  merged: MergedConfig;
}

/** The last value of one of the rke2 process's flags (any of its spellings). */
export function rke2Flag(config: Rke2NodeConfig, ...names: string[]): { value: string; pid: number } | undefined {
  let found: { value: string; pid: number } | undefined;
  for (const p of config.processes) for (const f of p.flags) if (names.includes(f.flag)) found = { value: f.value, pid: p.pid };
  return found;
}

/** Unreadable files raise (HostReadError, or an input error naming file:line for bad YAML); missing ones are skipped. */
export function readRke2NodeConfig(fs: HostFs, processes: ProcessInfo[]): Rke2NodeConfig {
  const rke2 = processes.filter((p) => /(^|\/)rke2$/.test(p.argv[0] ?? '')).map((p) => ({ pid: p.pid, flags: parseFlags(p.argv.slice(1), new Set()).flags }));
  const config: Rke2NodeConfig = { processes: rke2, file: DEFAULT_RKE2_CONFIG, named: false, merged: mergeRke2Config([]) };
  const named = rke2Flag(config, 'config', 'c')?.value;
  if (named) Object.assign(config, { file: named, named: true });
  const docs = [];
  for (const file of [config.file, ...dropIns(fs, config.file)]) {
    try {
      // RKE2 reads an empty file (or drop-in) as setting nothing.
      docs.push(parseYamlText(file, fs.readText(file, 1024 * 1024), { allowEmpty: true }));
    } catch (e) {
      if (e instanceof HostNotFound) continue;
      throw e;
    }
  }
  config.merged = mergeRke2Config(docs);
  return config;
}

/** The drop-ins of `main` on the host, as RKE2 finds them (rke2DropInNames). */
function dropIns(fs: HostFs, main: string): string[] {
  try {
    return rke2DropInNames(fs.list(`${main}.d`).map((e) => ({ name: e.name, dir: e.kind === 'dir' }))).map((n) => `${main}.d/${n}`);
  } catch (e) {
    if (e instanceof HostNotFound) return [];
    throw e;
  }
}
