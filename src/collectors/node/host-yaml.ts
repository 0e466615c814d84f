import { parseYamlText, type LocatedYaml } from '../../config/read-yaml-file.js';
import { RkeHardenError } from '../../errors/rke-harden-error.js';
import { HostNotFound, HostReadError, type HostFs } from './ports.js';

export type HostYaml =
  | { kind: 'ok'; y: LocatedYaml }
  | { kind: 'missing'; path: string }
  | { kind: 'error'; path: string; reason: string };

/**
 * Read and parse a YAML or JSON file of the host (JSON is YAML). An empty file is an empty map.
 * Problems come back as values: the caller decides whether they are an error fact.
 */
export function readHostYaml(fs: HostFs, p: string): HostYaml {
  let text: string;
  try {
    text = fs.readText(p);
  } catch (e) {
    if (e instanceof HostNotFound) return { kind: 'missing', path: p };
    if (e instanceof HostReadError) return { kind: 'error', path: p, reason: e.message };
    throw e;
  }
  if (text.trim() === '') text = '{}';
  try {
    // The components read these files with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1): `seccompDefault: on`
    // and `client-cert-auth: yes` are booleans to them, and only the first document counts.
    return { kind: 'ok', y: parseYamlText(p, text, { asGo: true }) };
  } catch (e) {
    if (e instanceof RkeHardenError) return { kind: 'error', path: p, reason: e.message };
    throw e;
  }
}

/**
 * A component's own YAML config file (`etcd --config-file`, `kube-proxy --config`) as a map, or why its
 * settings are unknown: the file missing, unreadable, not YAML, or not a map.
 */
export function readComponentConfig(fs: HostFs, component: string, flag: string, file: string): { y: LocatedYaml; doc: Record<string, unknown> } | { error: string } {
  const read = readHostYaml(fs, file);
  if (read.kind === 'missing') return { error: `${component} --${flag} ${file} does not exist on the host: ${component} settings unknown` };
  if (read.kind === 'error') return { error: `${component} config file: ${read.reason}` };
  if (!isMap(read.y.value)) return { error: `${component} config file ${file}: not a map` };
  return { y: read.y, doc: read.y.value };
}

/** Scalar YAML values as flag text: booleans and numbers as written by Go (`true`, `0`). */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
