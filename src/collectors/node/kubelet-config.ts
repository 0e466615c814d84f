import path from 'node:path';
import { ArgMap, type Provenance } from '../../engine/effective/arg-map.js';
import { flagItems, mapItem } from '../../engine/effective/flag-items.js';
import type { FlagOccurrence } from './argv.js';
import { isMap, readHostYaml, scalarText } from './host-yaml.js';
import { HostNotFound, HostReadError, type HostFs } from './ports.js';

/** KubeletConfiguration fields → the kubelet flag that sets the same thing. */
export const KUBELET_CONFIG_FIELDS: { field: string[]; flag: string }[] = [
  { field: ['authentication', 'anonymous', 'enabled'], flag: 'anonymous-auth' },
  { field: ['authentication', 'webhook', 'enabled'], flag: 'authentication-token-webhook' },
  { field: ['authentication', 'x509', 'clientCAFile'], flag: 'client-ca-file' },
  { field: ['authorization', 'mode'], flag: 'authorization-mode' },
  { field: ['readOnlyPort'], flag: 'read-only-port' },
  { field: ['streamingConnectionIdleTimeout'], flag: 'streaming-connection-idle-timeout' },
  { field: ['protectKernelDefaults'], flag: 'protect-kernel-defaults' },
  { field: ['makeIPTablesUtilChains'], flag: 'make-iptables-util-chains' },
  { field: ['eventRecordQPS'], flag: 'event-qps' },
  { field: ['eventBurst'], flag: 'event-burst' },
  { field: ['tlsCertFile'], flag: 'tls-cert-file' },
  { field: ['tlsPrivateKeyFile'], flag: 'tls-private-key-file' },
  { field: ['tlsCipherSuites'], flag: 'tls-cipher-suites' },
  { field: ['tlsMinVersion'], flag: 'tls-min-version' },
  { field: ['rotateCertificates'], flag: 'rotate-certificates' },
  { field: ['serverTLSBootstrap'], flag: 'rotate-server-certificates' },
  { field: ['featureGates'], flag: 'feature-gates' },
  { field: ['podPidsLimit'], flag: 'pod-max-pids' },
  { field: ['seccompDefault'], flag: 'seccomp-default' },
  { field: ['address'], flag: 'address' },
  { field: ['staticPodPath'], flag: 'pod-manifest-path' },
  { field: ['clusterDomain'], flag: 'cluster-domain' },
  { field: ['clusterDNS'], flag: 'cluster-dns' },
];

/**
 * Where a `--config` file is in use, these fields default differently from the command-line flags
 * (kubelet applies the v1beta1 defaults to the file, legacy defaults to flags). Drop-ins alone
 * (`--config-dir` without `--config`) keep the legacy flag defaults.
 */
export const CONFIG_FILE_DEFAULTS: Record<string, string> = {
  'anonymous-auth': 'false',
  'authentication-token-webhook': 'true',
  'authorization-mode': 'Webhook',
  'read-only-port': '0',
};

export interface KubeletArgs {
  args: ArgMap;
  /** Config file and drop-ins read, in the order applied. */
  files: string[];
  /** The drop-in directory (--config-dir), when given. */
  configDir?: string;
  /** A config file or drop-in could not be read: kubelet settings are unknown. */
  error?: string;
  warnings: string[];
}

function at(v: unknown, p: string[]): unknown {
  let cur = v;
  for (const k of p) {
    if (!isMap(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** A --feature-gates value as [gate, value] pairs (`Gate` alone means true). */
export function gatesOf(text: string): [string, string][] {
  return flagItems(text).map((s) => {
    const { key, value } = mapItem(s);
    return [key, value ?? 'true'];
  });
}

/** One KubeletConfiguration setting, as the flag that sets the same thing. */
export interface KubeletFileSetting {
  flag: string;
  value: string;
  /** featureGates: the gates the file sets (merged by the caller). */
  gates?: Map<string, string>;
  prov: Provenance;
}

/** The settings a KubeletConfiguration file holds, by the flags they correspond to; or why it could not be read. */
export function readKubeletConfigFile(fs: HostFs, p: string, what: string): { settings: KubeletFileSetting[]; warnings: string[] } | { error: string } {
  const read = readHostYaml(fs, p);
  if (read.kind === 'missing') return { error: `kubelet ${what} ${p} does not exist on the host (kubelet would not start with it): kubelet settings unknown` };
  if (read.kind === 'error') return { error: `kubelet ${what}: ${read.reason}` };
  const doc = read.y.value;
  if (!isMap(doc)) return { error: `kubelet ${what} ${p}: not a KubeletConfiguration (not a map)` };
  const warnings = doc.kind !== undefined && doc.kind !== 'KubeletConfiguration' ? [`kubelet ${what} ${p}: kind ${String(doc.kind)}, expected KubeletConfiguration`] : [];
  const settings: KubeletFileSetting[] = [];
  for (const { field, flag } of KUBELET_CONFIG_FIELDS) {
    const v = at(doc, field);
    if (v === undefined || v === null) continue;
    const prov: Provenance = { source: 'file', layer: `kubelet ${what} ${p}`, location: read.y.locate(field) };
    if (flag === 'feature-gates') {
      if (!isMap(v)) continue;
      const gates = new Map(Object.entries(v).map(([k, g]) => [k, scalarText(g) ?? String(g)] as [string, string]));
      settings.push({ flag, value: [...gates].map(([k, g]) => `${k}=${g}`).join(','), gates, prov });
      continue;
    }
    const text = Array.isArray(v) ? v.map((x) => scalarText(x) ?? '').join(',') : scalarText(v);
    if (text !== undefined) settings.push({ flag, value: text, prov });
  }
  return { settings, warnings };
}

/**
 * The `*.conf` drop-ins of a --config-dir in the order kubelet applies them. It walks the directory with
 * Go's filepath.WalkDir: names in byte order, a subdirectory's files where the subdirectory sorts, and
 * symbolic links not followed (a link is read as a file when its name ends in .conf; without following
 * links the walk cannot loop).
 */
export function kubeletDropIns(fs: HostFs, dir: string): string[] {
  const entries = fs.list(dir).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.flatMap((e) => {
    const p = path.posix.join(dir, e.name);
    if (e.kind === 'dir' && !e.link) return kubeletDropIns(fs, p);
    return e.name.endsWith('.conf') ? [p] : [];
  });
}

/**
 * The kubelet's effective flags: the `--config` file (with its defaults), then the `--config-dir`
 * drop-ins (`*.conf`, subdirectories too, in kubelet's walk order; maps merge, other values replace), then the command line,
 * which wins (feature gates merge, the command line winning per gate), as kubelet does.
 */
export function kubeletArgs(fs: HostFs, flags: FlagOccurrence[], argvProvenance: Provenance): KubeletArgs {
  const m = new ArgMap('kubelet');
  const warnings: string[] = [];
  const files: string[] = [];
  const configFile = flags.filter((f) => f.flag === 'config').at(-1)?.value;
  const configDir = flags.filter((f) => f.flag === 'config-dir').at(-1)?.value;
  const fileGates = new Map<string, string>();
  let gatesProvenance: Provenance | undefined;

  const apply = (p: string, what: string): string | undefined => {
    const read = readKubeletConfigFile(fs, p, what);
    if ('error' in read) return read.error;
    warnings.push(...read.warnings);
    files.push(p);
    for (const { flag, value, gates, prov } of read.settings) {
      if (gates) {
        for (const [k, g] of gates) fileGates.set(k, g);
        gatesProvenance = prov;
        m.set(flag, [...fileGates].map(([k, g]) => `${k}=${g}`).join(','), prov);
      } else {
        m.set(flag, value, prov);
      }
    }
    return undefined;
  };

  if (configFile !== undefined) {
    for (const [flag, value] of Object.entries(CONFIG_FILE_DEFAULTS)) {
      m.set(flag, value, { source: 'default', layer: `KubeletConfiguration default (kubelet reads --config ${configFile})` });
    }
    const err = apply(configFile, 'config file');
    if (err) return { args: m, files, ...(configDir ? { configDir } : {}), error: err, warnings };
  }
  if (configDir !== undefined) {
    let dropIns: string[];
    try {
      dropIns = kubeletDropIns(fs, configDir);
    } catch (e) {
      const reason = e instanceof HostNotFound ? `kubelet --config-dir ${configDir} does not exist on the host` : e instanceof HostReadError ? `kubelet --config-dir: ${e.message}` : undefined;
      if (!reason) throw e;
      return { args: m, files, configDir, error: `${reason}: kubelet settings unknown`, warnings };
    }
    for (const file of dropIns) {
      const err = apply(file, 'drop-in');
      if (err) return { args: m, files, configDir, error: err, warnings };
    }
  }

  // The command line wins over the files.
  const seen = new Set<string>();
  const cliGates: [string, string][] = [];
  for (const { flag, value } of flags) {
    if (flag === 'config' || flag === 'config-dir') {
      m.set(flag, value, argvProvenance);
      continue;
    }
    if (flag === 'feature-gates' && fileGates.size > 0) {
      cliGates.push(...gatesOf(value));
      continue;
    }
    if (seen.has(flag)) m.append(flag, value, argvProvenance);
    else m.set(flag, value, argvProvenance);
    seen.add(flag);
  }
  if (cliGates.length > 0) {
    const merged = new Map(fileGates);
    for (const [k, v] of cliGates) merged.set(k, v);
    m.set('feature-gates', [...merged].map(([k, v]) => `${k}=${v}`).join(','), {
      ...argvProvenance,
      layer: `${argvProvenance.layer} over ${gatesProvenance?.layer ?? 'kubelet config'}`,
    });
  }
  return { args: m, files, ...(configDir ? { configDir } : {}), warnings };
}
