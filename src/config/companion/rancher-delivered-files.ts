import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isRecord } from '../yaml-access.js';
import { noteFileRead } from '../../files-read.js';
import type { LocatedYaml } from '../read-yaml-file.js';

/** A file Rancher puts on the machines from a ConfigMap or Secret (`rkeConfig.machineSelectorFiles`). */
export interface DeliveredFile {
  text: string;
  /** Where the content was found, e.g. `cm.yaml: ConfigMap fleet-default/prod-files key audit-policy.yaml`. */
  from: string;
}

interface Source {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  items: { key: string; path: string }[];
}

const AUTHORISED = 'rke.cattle.io/object-authorized-for-clusters';

function sourcesOf(cluster: Record<string, unknown>): Source[] {
  const spec = isRecord(cluster.spec) ? cluster.spec : {};
  const rke = isRecord(spec.rkeConfig) ? spec.rkeConfig : {};
  const out: Source[] = [];
  for (const entry of Array.isArray(rke.machineSelectorFiles) ? rke.machineSelectorFiles : []) {
    if (!isRecord(entry) || !Array.isArray(entry.fileSources)) continue;
    for (const fileSource of entry.fileSources) {
      if (!isRecord(fileSource)) continue;
      for (const [field, kind] of [['configMap', 'ConfigMap'], ['secret', 'Secret']] as const) {
        const s = fileSource[field];
        if (!isRecord(s) || typeof s.name !== 'string' || s.name === '' || !Array.isArray(s.items)) continue;
        const items = s.items.filter(isRecord).filter((i) => typeof i.key === 'string' && typeof i.path === 'string') as { key: string; path: string }[];
        out.push({ kind, name: s.name, items });
      }
    }
  }
  return out;
}

export type SourceObjects = Map<string, { obj: Record<string, unknown>; file: string }>;

/** Objects a Rancher Cluster refers to by name: file sources, and Pod Security templates (cluster-scoped). */
const KINDS = ['ConfigMap', 'Secret', 'PodSecurityAdmissionConfigurationTemplate'];

/** Those objects in the YAML files of a directory, by kind/namespace/name (a GitOps folder keeps them beside the Cluster). */
export function sourceObjectsIn(dir: string): SourceObjects {
  const found = new Map<string, { obj: Record<string, unknown>; file: string }>();
  for (const name of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = path.join(dir, name);
    let docs;
    try {
      docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
      noteFileRead(file);
    } catch {
      continue; // unreadable: not a source; the walk reports it if it is a configuration
    }
    for (const d of Array.isArray(docs) ? docs : [docs]) {
      const o = d.errors.length ? undefined : (d.toJS() as unknown);
      if (!isRecord(o) || !KINDS.includes(o.kind as string) || !isRecord(o.metadata) || typeof o.metadata.name !== 'string') continue;
      found.set(`${o.kind}/${typeof o.metadata.namespace === 'string' ? o.metadata.namespace : ''}/${o.metadata.name}`, { obj: o, file });
    }
  }
  return found;
}

function valueOf(obj: Record<string, unknown>, key: string): string | undefined {
  const str = (m: unknown) => (isRecord(m) && typeof m[key] === 'string' ? (m[key] as string) : undefined);
  if (obj.kind === 'ConfigMap') return str(obj.data);
  const plain = str(obj.stringData);
  if (plain !== undefined) return plain;
  const b64 = str(obj.data);
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

/**
 * The files a Rancher Cluster's machineSelectorFiles deliver, by node path, read from the ConfigMaps
 * and Secrets found in the YAML files beside the Cluster file. Rancher only hands an object to a
 * cluster its annotation authorises: an unauthorised one is a warning, and its content is not used.
 */
export function rancherDeliveredFiles(y: LocatedYaml, warnings: string[], objects: (dir: string) => SourceObjects = sourceObjectsIn): Record<string, DeliveredFile> {
  if (!isRecord(y.value)) return {};
  const sources = sourcesOf(y.value);
  if (sources.length === 0) return {};
  const meta = isRecord(y.value.metadata) ? y.value.metadata : {};
  const cluster = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'fleet-default';
  const beside = objects(path.dirname(y.file));
  const out: Record<string, DeliveredFile> = {};
  for (const s of sources) {
    const hit = beside.get(`${s.kind}/${namespace}/${s.name}`) ?? beside.get(`${s.kind}//${s.name}`);
    if (!hit) continue;
    const metadata = isRecord(hit.obj.metadata) ? hit.obj.metadata : {};
    const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
    const allowed = String(annotations[AUTHORISED] ?? '').split(',').map((c) => c.trim());
    if (!allowed.includes(cluster)) {
      warnings.push(`${hit.file}: ${s.kind} ${namespace}/${s.name} lacks the annotation ${AUTHORISED}: ${cluster}, so Rancher will not deliver its files to ${cluster}'s machines`);
      continue;
    }
    for (const item of s.items) {
      const text = valueOf(hit.obj, item.key);
      if (text !== undefined) out[item.path] = { text, from: `${hit.file}: ${s.kind} ${namespace}/${s.name} key ${item.key}` };
    }
  }
  return out;
}


/** A custom PodSecurityAdmissionConfigurationTemplate (management.cattle.io/v3) kept beside the Cluster: what it enforces and exempts. */
export function rancherPsaTemplateBeside(y: LocatedYaml, name: string, objects: (dir: string) => SourceObjects = sourceObjectsIn): { enforce?: string; namespaces?: string[]; file: string } | undefined {
  const hit = objects(path.dirname(y.file)).get(`PodSecurityAdmissionConfigurationTemplate//${name}`);
  if (!hit) return undefined;
  const conf = isRecord(hit.obj.configuration) ? hit.obj.configuration : {};
  const defaults = isRecord(conf.defaults) ? conf.defaults : {};
  const exemptions = isRecord(conf.exemptions) ? conf.exemptions : {};
  return {
    file: hit.file,
    // Pod Security admission's own default when the template leaves enforce out.
    enforce: typeof defaults.enforce === 'string' ? defaults.enforce : 'privileged',
    namespaces: Array.isArray(exemptions.namespaces) ? exemptions.namespaces.map(String) : [],
  };
}
