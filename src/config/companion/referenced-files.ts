import fs from 'node:fs';
import path from 'node:path';
import type { FactSnapshot } from '../../model/fact.js';
import { admissionFacts, auditPolicyFacts, encryptionFacts, type ApiServerFileFacts } from '../../collectors/node/apiserver-files.js';
import { LocalHostFs } from '../../collectors/node/local-host-fs.js';
import type { HostFs } from '../../collectors/node/ports.js';
import { InlineHostFs } from './inline-host-fs.js';
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
  kubeletFilesElsewhere(snap);
  for (const ref of REFERENCES) {
    const flag = snap.facts[`kube-apiserver.args.${ref.flag}`];
    if (!flag || flag.source !== 'config' || typeof flag.value !== 'string') continue;
    const known = Object.keys(snap.facts).some((k) => k.startsWith(ref.covers + '.') && snap.facts[k]!.source !== 'default');
    if (known) continue;
    const value = flag.value;
    let hostFs: HostFs | undefined;
    let file = value;
    let via: string | undefined;
    if (value.includes('\n') || /^\s*apiVersion:/.test(value)) {
      file = `${RANCHER_FILES}/${ref.flag}`;
      hostFs = new InlineHostFs({ [file]: value });
      snap.facts[flag.key] = { ...flag, value: file };
    } else if (delivered[value]) {
      // Rancher puts it on the machines (machineSelectorFiles) from an object kept beside the Cluster.
      hostFs = new InlineHostFs({ [value]: delivered[value].text });
      via = `delivered by Rancher from ${delivered[value].from}`;
    } else if (path.isAbsolute(value) && exists(value)) {
      hostFs = new LocalHostFs('/');
    } else if (flag.location) {
      // host/ beside the file that sets the flag, or beside config.yaml for a config.yaml.d drop-in.
      const dir = path.dirname(flag.location.file);
      const root = [dir, ...(dir.endsWith('.yaml.d') ? [path.dirname(dir)] : [])].map((d) => path.join(d, 'host')).find((h) => exists(path.join(h, value)));
      if (root) hostFs = new LocalHostFs(root);
    }
    const where = flag.location?.line ? `${flag.location.file}:${flag.location.line}:${flag.location.column}` : snap.target.name;
    if (!hostFs) {
      const hint = snap.distro === 'rke2' && ref.flag === 'audit-policy-file' ? ' (if the file is missing when RKE2 starts, RKE2 writes a policy that logs nothing)' : '';
      snap.warnings.push(`${where}: ${ref.flag} points at ${value}, which this configuration does not contain and which is not present here: its content is checked by \`audit node\` on the server${hint}`);
      // Its content is unknown here, not empty: checks that need it are manual, not decided by defaults.
      (snap.elsewhere ??= {})[ref.covers] = `${ref.flag} ${value} is not in this configuration: decided by \`audit node\` on the server`;
      continue;
    }
    const read = ref.read(hostFs, file);
    for (const f of read.facts) snap.facts[f.key] = hostFs instanceof InlineHostFs ? { ...f, source: 'config', ...(via ? { layer: via } : {}), ...(flag.location ? { location: flag.location } : {}) } : f;
    for (const [key, reason] of Object.entries(read.errors)) {
      snap.warnings.push(`${where}: ${reason}: checks on ${key} are decided by \`audit node\``);
      for (const k of Object.keys(snap.facts)) if (k.startsWith(`${key}.`) || k === key) delete snap.facts[k];
    }
    snap.warnings.push(...read.warnings);
  }
}

/**
 * A kubelet --config file or --config-dir the user's configuration names holds settings `audit config`
 * does not read: a kubelet setting not given as a flag may be set there, so its built-in default does
 * not decide anything here (flags still do: they win over the file). The node decides the rest.
 */
function kubeletFilesElsewhere(snap: FactSnapshot): void {
  for (const f of ['config', 'config-dir']) {
    const flag = snap.facts[`kubelet.args.${f}`];
    if (flag?.source !== 'config' || typeof flag.value !== 'string') continue;
    (snap.elsewhere ??= {})['kubelet.args'] = `kubelet settings not given as flags may come from --${f} ${flag.value}, which \`audit config\` does not read: decided by \`audit node\``;
    return;
  }
}
