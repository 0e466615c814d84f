/**
 * RKE2's own configuration on a node, as the rke2 process reads it: its command-line flags, the
 * RKE2_* variables of its environment (systemd's EnvironmentFile, /etc/default/rke2-server…), and the
 * config file with its drop-ins merged as RKE2 does. Read once per node audit by the profile and the
 * data directory.
 *
 * Which config file: RKE2_CONFIG_FILE in the environment, else `--config`/`-c`, else
 * /etc/rancher/rke2/config.yaml (k3s configfilearg checks the variable first). A setting: the command
 * line, else the config file (RKE2 passes its values as flags before the command line's), else the
 * setting's variable (urfave/cli applies it only to a flag not given).
 *
 * The environment is /proc/<pid>/environ. Reading it takes the rights to trace the process (the agent's
 * container lacks them): then the variables are read from the files RKE2's systemd unit loads
 * (EnvironmentFile=-/etc/default/%N, -/etc/sysconfig/%N, -<prefix>/lib/systemd/system/%N.env, later
 * ones overriding), and each setting names the file it came from.
 */
import path from 'node:path';
import { parseYamlText } from '../../config/read-yaml-file.js';
import { mergeRke2Config, rke2DropInNames, type MergedConfig } from '../../config/rke2/merge-config-files.js';
import { parseFlags, type FlagOccurrence } from './argv.js';
import { HostNotFound, HostReadError, type HostFs, type ProcessInfo, type ProcTable } from './ports.js';

export const DEFAULT_RKE2_CONFIG = '/etc/rancher/rke2/config.yaml';

/** The variables rke2 reads that move what the audit reads: the config file, the data directory, the profile. */
export const RKE2_ENV = ['RKE2_CONFIG_FILE', 'RKE2_DATA_DIR', 'RKE2_CIS_PROFILE'] as const;
type Rke2Env = (typeof RKE2_ENV)[number];

/** An RKE2_ENV variable and where it was read: `the environment`, or an EnvironmentFile of the unit. */
type EnvValue = { value: string; from: string };

export interface Rke2NodeConfig {
  /** The rke2 processes (server or agent), their flags (urfave/cli: `-f`/`--f`, `=value` or the next word) and RKE2_ENV variables. */
  processes: { pid: number; flags: FlagOccurrence[]; env: Partial<Record<Rke2Env, EnvValue>> }[];
  /** The config file read, and what named it when not the default ("the rke2 process's --config"). */
  file: string;
  namedBy?: string;
  merged: MergedConfig;
}

/** Where a setting of the rke2 process came from: the process's command line or its environment. */
export interface Rke2ProcessSetting {
  value: string;
  pid: number;
  /** `--profile` or `RKE2_CIS_PROFILE in the environment`. */
  how: string;
}

/** The last value of one of the rke2 process's flags (any of its spellings). */
export function rke2Flag(config: Rke2NodeConfig, ...names: string[]): Rke2ProcessSetting | undefined {
  let found: Rke2ProcessSetting | undefined;
  for (const p of config.processes) for (const f of p.flags) if (names.includes(f.flag)) found = { value: f.value, pid: p.pid, how: `${f.flag.length === 1 ? '-' : '--'}${f.flag}` };
  return found;
}

/** A variable of the rke2 process's environment (an empty one is unset, as urfave/cli reads it). */
export function rke2Env(config: Rke2NodeConfig, name: Rke2Env): Rke2ProcessSetting | undefined {
  for (const p of config.processes) {
    const env = p.env[name];
    if (env?.value) return { value: env.value, pid: p.pid, how: `${name} in ${env.from}` };
  }
  return undefined;
}

/** Unreadable files raise (HostReadError, or an input error naming file:line for bad YAML); missing ones are skipped. */
export function readRke2NodeConfig(fs: HostFs, processes: ProcessInfo[], proc: Pick<ProcTable, 'environ'>): Rke2NodeConfig {
  const rke2 = processes.filter((p) => /(^|\/)rke2$/.test(p.argv[0] ?? '')).map((p) => ({
    pid: p.pid,
    flags: parseFlags(p.argv.slice(1), new Set()).flags,
    env: rke2Environment(fs, proc, p),
  }));
  const config: Rke2NodeConfig = { processes: rke2, file: DEFAULT_RKE2_CONFIG, merged: mergeRke2Config([]) };
  const named = rke2Env(config, 'RKE2_CONFIG_FILE') ?? rke2Flag(config, 'config', 'c');
  if (named) Object.assign(config, { file: named.value, namedBy: `the rke2 process's ${named.how}` });
  const docs = [];
  for (const file of [config.file, ...dropIns(fs, config.file)]) {
    try {
      // RKE2 reads an empty file (or drop-in) as setting nothing.
      docs.push(parseYamlText(file, fs.readText(file, 1024 * 1024), { allowEmpty: true, duplicateKeys: 'lastWins' }));
    } catch (e) {
      if (e instanceof HostNotFound) continue;
      throw e;
    }
  }
  config.merged = mergeRke2Config(docs);
  return config;
}

function rke2Environment(fs: HostFs, proc: Pick<ProcTable, 'environ'>, p: ProcessInfo): Partial<Record<Rke2Env, EnvValue>> {
  try {
    const env = proc.environ(p.pid, RKE2_ENV);
    return Object.fromEntries(Object.entries(env).map(([k, value]) => [k, { value, from: 'the environment' }]));
  } catch (e) {
    if (e instanceof HostNotFound) return {}; // the process exited meanwhile
    if (!(e instanceof HostReadError)) throw e;
    return unitEnvironment(fs, p.argv);
  }
}

/** The RKE2_ENV variables of the files the rke2-server/rke2-agent unit loads (install.sh's unit files). */
function unitEnvironment(fs: HostFs, argv: string[]): Partial<Record<Rke2Env, EnvValue>> {
  const unit = `rke2-${argv.slice(1).find((a) => a === 'server' || a === 'agent') ?? 'server'}`;
  // The unit's .env sits under the install prefix: /usr/local/bin/rke2 → /usr/local/lib/systemd/system.
  const prefix = path.posix.dirname(path.posix.dirname(argv[0]!.startsWith('/') ? argv[0]! : '/usr/local/bin/rke2'));
  const out: Partial<Record<Rke2Env, EnvValue>> = {};
  for (const file of [`/etc/default/${unit}`, `/etc/sysconfig/${unit}`, path.posix.join(prefix, 'lib/systemd/system', `${unit}.env`)]) {
    let text: string;
    try {
      text = fs.readText(file, 1024 * 1024);
    } catch (e) {
      if (e instanceof HostNotFound || e instanceof HostReadError) continue; // `-`: a missing file is fine
      throw e;
    }
    for (const [name, value] of Object.entries(environmentFileVariables(text, RKE2_ENV))) {
      out[name as Rke2Env] = { value, from: `${file} (EnvironmentFile of ${unit}; the process's own environment is not readable)` };
    }
  }
  return out;
}

/** systemd EnvironmentFile lines `NAME=value` (`#`/`;` comments, one level of quotes), the names asked for. */
export function environmentFileVariables(text: string, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || !names.includes(m[1]!)) continue;
    const raw = m[2]!;
    out[m[1]!] = /^(["']).*\1$/.test(raw) && raw.length >= 2 ? raw.slice(1, -1) : raw;
  }
  return out;
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
