import { ArgMap, type Provenance } from '../../engine/effective/arg-map.js';
import { isMap, readComponentConfig, scalarText } from './host-yaml.js';
import type { FlagOccurrence } from './argv.js';
import type { HostFs } from './ports.js';
import type { LocatedYaml } from '../../config/read-yaml-file.js';

/**
 * The KubeProxyConfiguration fields CIS reads and the flags they stand for. With --config, kube-proxy
 * ignores --metrics-bind-address ("This parameter is ignored if a config file is specified by
 * --config"): the file's field or its default (v1alpha1: 127.0.0.1:10249) decides. Whether a
 * --kubeconfig flag still counts beside the file has changed between releases, so the file's
 * clientConnection.kubeconfig is taken only where it sets one.
 */
const FIELDS: { path: string[]; flag: string; dflt?: string }[] = [
  { path: ['metricsBindAddress'], flag: 'metrics-bind-address', dflt: '127.0.0.1:10249' },
  { path: ['clientConnection', 'kubeconfig'], flag: 'kubeconfig' },
];

export interface KubeProxyArgs {
  args: ArgMap;
  /** The --config file kube-proxy reads (the last one given). */
  file: string;
  error?: string;
  warnings: string[];
}

/** A flag a KubeProxyConfiguration file decides in its place: the file's field, or its default. */
export interface KubeProxyFileSetting {
  flag: string;
  /** The field's path in the file, for a message. */
  field: string;
  value: string;
  prov: Provenance;
}

/** What a kube-proxy --config file decides of the flags CIS reads (the node and `audit config` read it so). */
export function kubeProxyFileSettings(read: { y: LocatedYaml; doc: Record<string, unknown> }, file: string): KubeProxyFileSetting[] {
  const out: KubeProxyFileSetting[] = [];
  for (const { path, flag, dflt } of FIELDS) {
    let v: unknown = read.doc;
    for (const k of path) v = isMap(v) ? v[k] : undefined;
    const text = scalarText(v);
    const field = path.join('.');
    if (text !== undefined && text !== '') out.push({ flag, field, value: text, prov: { source: 'file', layer: `kube-proxy config file ${file}`, location: read.y.locate(path) } });
    else if (dflt !== undefined) out.push({ flag, field, value: dflt, prov: { source: 'default', layer: `KubeProxyConfiguration default (${field} not set in ${file})` } });
  }
  return out;
}

/** kube-proxy's flags as it runs with its --config file: the file's fields (or their defaults) in place of the flags they replace. */
export function kubeProxyArgs(fs: HostFs, flags: FlagOccurrence[], argv: Provenance, pid: number): KubeProxyArgs {
  const args = new ArgMap('kube-proxy');
  for (const { flag, value } of flags) args.append(flag, value, argv);
  const file = flags.filter((f) => f.flag === 'config').at(-1)!.value;
  const read = readComponentConfig(fs, 'kube-proxy', 'config', file);
  if ('error' in read) return { args, file, warnings: [], error: read.error };
  const warnings: string[] = [];
  for (const { flag, field, value, prov } of kubeProxyFileSettings(read, file)) {
    if (args.has(flag)) warnings.push(`kube-proxy (pid ${pid}) has --config and --${flag}: ${field} of ${file} is audited in its place`);
    args.set(flag, value, prov);
  }
  return { args, file, warnings };
}
