import fs from 'node:fs';
import path from 'node:path';
import { formatLocation, type Fact, type FactSnapshot } from '../../model/fact.js';
import { CONFIG_FILE_DEFAULTS, gatesOf, readKubeletConfigFile } from '../../collectors/node/kubelet-config.js';
import { admissionFacts, auditPolicyFacts, encryptionFacts, type ApiServerFileFacts } from '../../collectors/node/apiserver-files.js';
import { LocalHostFs } from '../../collectors/node/local-host-fs.js';
import { kubeProxyFileSettings } from '../../collectors/node/kube-proxy-config.js';
import { readComponentConfig } from '../../collectors/node/host-yaml.js';
import type { HostFs } from '../../collectors/node/ports.js';
import type { Provenance } from '../../engine/effective/arg-map.js';
import { InlineHostFs } from './inline-host-fs.js';
import { AUDIT_POLICY_KEY_LAYER } from '../rke2/effective-rke2.js';
import type { DeliveredFile } from './rancher-delivered-files.js';

/** kube-apiserver flags whose value names a file whose content decides checks; parsed as on a node. */
const REFERENCES: { flag: string; read: (fs: HostFs, file: string) => ApiServerFileFacts; covers: string }[] = [
  { flag: 'audit-policy-file', read: auditPolicyFacts, covers: 'audit.policy' },
  { flag: 'admission-control-config-file', read: admissionFacts, covers: 'admission' },
  { flag: 'encryption-provider-config', read: encryptionFacts, covers: 'encryption' },
];

/** Rancher writes inline file content to the node and passes this path to the component. */
const RANCHER_FILES = '/var/lib/rancher/rke2/etc/config-files';

function exists(file: string): boolean {
  try {
    // throwIfNoEntry: false — the usual answer is "absent", and a thrown ENOENT costs more than the stat.
    return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false; // EACCES, ENOTDIR: not readable here
  }
}

/**
 * For files the configuration points at but does not contain: Rancher allows the content inline (a value
 * that is YAML, not a path) or delivers it from a ConfigMap/Secret kept beside the Cluster
 * (machineSelectorFiles, `delivered`); otherwise, when the path exists on this machine (audit run on the server) or
 * under host/ beside the configuration (the layout `harden config --out` writes), it is read with the node
 * collector's parsers; otherwise the report says the file is outside the configuration and `audit node`
 * decides. What cannot be read here is a warning, never an error: the node decides it.
 * Distro-generated files (facts already set by the distro layer) are left alone.
 */
export function resolveReferencedFiles(snap: FactSnapshot, delivered: Record<string, DeliveredFile> = {}): void {
  kubeletConfigFile(snap, delivered);
  kubeProxyConfigFile(snap, delivered);
  let keys: string[] | undefined; // listed once, when a flag names a file (every audited file pays for this loop)
  for (const ref of REFERENCES) {
    const flag = snap.facts[`kube-apiserver.args.${ref.flag}`];
    if (!flag || flag.source !== 'config' || typeof flag.value !== 'string') continue;
    keys ??= Object.keys(snap.facts);
    const known = keys.some((k) => k.startsWith(ref.covers + '.') && snap.facts[k]!.source !== 'default');
    if (known) continue;
    const value = flag.value;
    // Rancher's planner writes the value of a Cluster's audit-policy-file key to a file and passes that
    // file (its "file params"): the value is the policy itself, also when it looks like a path.
    const rancherWritesIt = ref.flag === 'audit-policy-file' && snap.settingsIn !== undefined && flag.layer === AUDIT_POLICY_KEY_LAYER;
    let found: Found | undefined;
    if (rancherWritesIt || value.includes('\n') || /^\s*apiVersion:/.test(value)) {
      const file = `${RANCHER_FILES}/${ref.flag}`;
      found = { hostFs: new InlineHostFs({ [file]: value }), file };
      snap.facts[flag.key] = { ...flag, value: file };
    } else {
      found = findFile(value, flag.location?.file, delivered);
    }
    const where = flag.location?.line ? `${flag.location.file}:${flag.location.line}:${flag.location.column}` : snap.target.name;
    if (!found) {
      const hint = snap.distro === 'rke2' && ref.flag === 'audit-policy-file' ? ' (if the file is missing when RKE2 starts, RKE2 writes a policy that logs nothing)' : '';
      snap.warnings.push(`${where}: ${ref.flag} points at ${value}, which this configuration does not contain and which is not present here: its content is checked by \`audit node\` on the server${hint}`);
      // Its content is unknown here, not empty: checks that need it are manual, not decided by defaults.
      (snap.elsewhere ??= {})[ref.covers] = `${ref.flag} ${value} is not in this configuration: decided by \`audit node\` on the server`;
      continue;
    }
    const { hostFs, file, via } = found;
    const read = ref.read(hostFs, file);
    if (rancherWritesIt && read.errors[ref.covers]) {
      // Not a policy: kube-apiserver cannot load the file Rancher writes from it (a false PASS if read as a path).
      const fix = value.includes('\n') ? 'write an audit Policy there' : `put the policy itself there, or deliver the file (machineSelectorFiles) and name it with kube-apiserver-arg audit-policy-file=${value}`;
      snap.facts['audit.policy.present'] = { key: 'audit.policy.present', value: 'false', source: 'config', layer: `Rancher writes audit-policy-file's value as the policy file: ${read.errors[ref.covers]}`, ...(flag.location ? { location: flag.location } : {}) };
      snap.warnings.push(`${where}: audit-policy-file: Rancher writes this value as the audit policy file itself, and ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)} is not a Policy: kube-apiserver cannot load it; ${fix}`);
      continue;
    }
    for (const f of read.facts) snap.facts[f.key] = hostFs instanceof InlineHostFs ? { ...f, source: 'config', ...(via ? { layer: via } : {}), ...(flag.location ? { location: flag.location } : {}) } : f;
    for (const [key, reason] of Object.entries(read.errors)) {
      snap.warnings.push(`${where}: ${reason}: checks on ${key} are decided by \`audit node\``);
      for (const k of Object.keys(snap.facts)) if (k.startsWith(`${key}.`) || k === key) delete snap.facts[k];
    }
    snap.warnings.push(...read.warnings);
  }
}

interface Found {
  hostFs: HostFs;
  file: string;
  /** How the content reaches the node when that is not the path itself (Rancher's delivery). */
  via?: string;
}

/**
 * A setting read from a found file, as a fact. Content Rancher delivers is part of the configuration; a
 * file on this machine is a file; a default stays a default.
 */
function settingFact(key: string, value: string, prov: Provenance, found: Found): Fact {
  const layer = found.via ? `${prov.layer} (${found.via})` : prov.layer;
  return { key, value, source: found.via && prov.source !== 'default' ? 'config' : prov.source, ...(layer ? { layer } : {}), ...(prov.location ? { location: prov.location } : {}) };
}

/**
 * A file a flag names, where `audit config` can read it: delivered by Rancher from an object beside the
 * Cluster, the path on this machine (audit run on the server), or host/ beside the file that sets the
 * flag (beside config.yaml for a config.yaml.d drop-in: the layout `harden config --out` writes).
 */
function findFile(value: string, setIn: string | undefined, delivered: Record<string, DeliveredFile>): Found | undefined {
  if (delivered[value]) return { hostFs: new InlineHostFs({ [value]: delivered[value].text }), file: value, via: `delivered by Rancher from ${delivered[value].from}` };
  const root = hostRootOf(value, setIn);
  return root === undefined ? undefined : { hostFs: new LocalHostFs(root), file: value };
}

/** The root under which a node path is found for a configuration file: `/` (this machine), or host/ beside the file. */
function hostRootOf(nodePath: string, setIn: string | undefined): string | undefined {
  if (path.isAbsolute(nodePath) && exists(nodePath)) return '/';
  if (!setIn) return undefined;
  const dir = path.dirname(setIn);
  return [dir, ...(dir.endsWith('.yaml.d') ? [path.dirname(dir)] : [])].map((d) => path.join(d, 'host')).find((h) => exists(path.join(h, nodePath)));
}

/** Where `audit config` of `configFile` reads the node file `nodePath` (this machine, or host/ beside it), if anywhere. */
export function localCopyOf(nodePath: string, configFile: string): string | undefined {
  const root = hostRootOf(nodePath, configFile);
  return root === undefined ? undefined : path.join(root, nodePath);
}

/**
 * A kube-proxy --config file the user's configuration names: kube-proxy then ignores the flags the file
 * stands for (--metrics-bind-address): the file's field, or its default, decides, read where the file can
 * be found (as above). A file not found here leaves those settings to `audit node`.
 */
function kubeProxyConfigFile(snap: FactSnapshot, delivered: Record<string, DeliveredFile>): void {
  const flag = snap.facts['kube-proxy.args.config'];
  if (flag?.source !== 'config' || typeof flag.value !== 'string') return;
  const found = findFile(flag.value, flag.location?.file, delivered);
  const read = found ? readComponentConfig(found.hostFs, 'kube-proxy', 'config', found.file) : undefined;
  if (!found || !read || 'error' in read) {
    if (read && 'error' in read) snap.warnings.push(`${flag.location?.file ?? snap.target.name}: ${read.error}`);
    // The flags given beside --config are not what kube-proxy runs with: the file decides, on the node.
    for (const key of Object.keys(snap.facts)) if (key.startsWith('kube-proxy.args.') && key !== 'kube-proxy.args.config') delete snap.facts[key];
    (snap.elsewhere ??= {})['kube-proxy.args'] = `kube-proxy reads its settings from --config ${flag.value}, which \`audit config\` cannot read here: decided by \`audit node\``;
    return;
  }
  for (const s of kubeProxyFileSettings(read, found.file)) {
    const key = `kube-proxy.args.${s.flag}`;
    const given = snap.facts[key];
    if (given?.source === 'config') snap.warnings.push(`${formatLocation(given.location) || snap.target.name}: kube-proxy --${s.flag} is ignored beside --config ${flag.value}: its ${s.field} is audited in its place`);
    snap.facts[key] = settingFact(key, s.value, s.prov, found);
  }
}

/**
 * A kubelet --config file the user's configuration names: read where it can be found (as above), its
 * settings applied where no command-line flag gives them (flags win, feature gates merge per gate),
 * with KubeletConfiguration's own defaults for what it leaves out, as the kubelet does. A file that
 * cannot be read here, or a --config-dir, keeps the settings not given as flags elsewhere: their
 * built-in defaults decide nothing here, the node does.
 */
function kubeletConfigFile(snap: FactSnapshot, delivered: Record<string, DeliveredFile>): void {
  const defer = (why: string) => ((snap.elsewhere ??= {})['kubelet.args'] = `kubelet settings not given as flags may come from ${why}: decided by \`audit node\``);
  const dir = snap.facts['kubelet.args.config-dir'];
  if (dir?.source === 'config' && typeof dir.value === 'string') return void defer(`--config-dir ${dir.value}, which \`audit config\` does not read`);
  const flag = snap.facts['kubelet.args.config'];
  if (flag?.source !== 'config' || typeof flag.value !== 'string') return;
  const found = findFile(flag.value, flag.location?.file, delivered);
  if (!found) return void defer(`--config ${flag.value}, which is not in this configuration`);
  const read = readKubeletConfigFile(found.hostFs, found.file, 'config file');
  if ('error' in read) {
    snap.warnings.push(`${flag.location?.file ?? snap.target.name}: ${read.error}`);
    return void defer(`--config ${flag.value}`);
  }
  snap.warnings.push(...read.warnings);
  const put = (flagName: string, value: string, from: Omit<Fact, 'key' | 'value'>) => {
    const key = `kubelet.args.${flagName}`;
    snap.facts[key] = { key, value, ...from };
  };
  for (const s of read.settings) {
    const cli = snap.facts[`kubelet.args.${s.flag}`];
    if (s.gates && cli && typeof cli.value === 'string') {
      const merged = new Map([...s.gates, ...gatesOf(cli.value)]);
      put(s.flag, [...merged].map(([k, v]) => `${k}=${v}`).join(','), { source: cli.source, layer: `${cli.layer ?? 'command line'} over kubelet config file ${found.file}` });
      continue;
    }
    if (cli) continue; // the command line wins
    const key = `kubelet.args.${s.flag}`;
    snap.facts[key] = settingFact(key, s.value, s.prov, found);
  }
  for (const [flagName, value] of Object.entries(CONFIG_FILE_DEFAULTS)) {
    if (!snap.facts[`kubelet.args.${flagName}`]) put(flagName, value, { source: 'default', layer: `KubeletConfiguration default (kubelet reads --config ${flag.value})` });
  }
}
