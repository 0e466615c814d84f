import { ArgMap, type Provenance } from '../../engine/effective/arg-map.js';
import { isMap, readComponentConfig, scalarText } from './host-yaml.js';
import type { FlagOccurrence } from './argv.js';
import type { HostFs } from './ports.js';

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

/** kube-proxy's flags as it runs with its --config file: the file's fields (or their defaults) in place of the flags they replace. */
export function kubeProxyArgs(fs: HostFs, flags: FlagOccurrence[], argv: Provenance, pid: number): KubeProxyArgs {
  const args = new ArgMap('kube-proxy');
  for (const { flag, value } of flags) args.append(flag, value, argv);
  const file = flags.filter((f) => f.flag === 'config').at(-1)!.value;
  const read = readComponentConfig(fs, 'kube-proxy', 'config', file);
  if ('error' in read) return { args, file, warnings: [], error: read.error };
  const { doc } = read;
  const warnings: string[] = [];
  const layer = `kube-proxy config file ${file}`;
  for (const { path, flag, dflt } of FIELDS) {
    let v: unknown = doc;
    for (const k of path) v = isMap(v) ? v[k] : undefined;
    const text = scalarText(v);
    const fromFile = text !== undefined && text !== '';
    if (args.has(flag) && (fromFile || dflt !== undefined)) warnings.push(`kube-proxy (pid ${pid}) has --config and --${flag}: ${path.join('.')} of ${file} is audited in its place`);
    if (fromFile) args.set(flag, text, { source: 'file', layer, location: read.y.locate(path) });
    else if (dflt !== undefined) args.set(flag, dflt, { source: 'default', layer: `KubeProxyConfiguration default (${path.join('.')} not set in ${file})` });
  }
  return { args, file, warnings };
}
