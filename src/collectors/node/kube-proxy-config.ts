import { ArgMap, type Provenance } from '../../engine/effective/arg-map.js';
import { isMap, readHostYaml, scalarText } from './host-yaml.js';
import type { FlagOccurrence } from './argv.js';
import type { HostFs } from './ports.js';

/**
 * The KubeProxyConfiguration fields CIS reads, the flags they stand for, and their defaults
 * (kube-proxy's v1alpha1 defaults). With --config, kube-proxy ignores those flags on its command line
 * ("This parameter is ignored if a config file is specified by --config"): a field the file leaves
 * out takes its default, not the flag.
 */
const FIELDS: { path: string[]; flag: string; dflt?: string }[] = [
  { path: ['metricsBindAddress'], flag: 'metrics-bind-address', dflt: '127.0.0.1:10249' },
  { path: ['healthzBindAddress'], flag: 'healthz-bind-address', dflt: '0.0.0.0:10256' },
  { path: ['bindAddress'], flag: 'bind-address', dflt: '0.0.0.0' },
  { path: ['clientConnection', 'kubeconfig'], flag: 'kubeconfig' },
  { path: ['hostnameOverride'], flag: 'hostname-override' },
];

export interface KubeProxyArgs {
  args: ArgMap;
  error?: string;
  warnings: string[];
}

/** kube-proxy's flags as it runs with its --config file: the file's fields (or their defaults) in place of the flags they replace. */
export function kubeProxyArgs(fs: HostFs, flags: FlagOccurrence[], argv: Provenance, pid: number): KubeProxyArgs {
  const args = new ArgMap('kube-proxy');
  for (const { flag, value } of flags) args.append(flag, value, argv);
  const file = flags.filter((f) => f.flag === 'config').at(-1)!.value;
  const read = readHostYaml(fs, file);
  if (read.kind === 'missing') return { args, warnings: [], error: `kube-proxy --config ${file} does not exist on the host: kube-proxy settings unknown` };
  if (read.kind === 'error') return { args, warnings: [], error: `kube-proxy config file: ${read.reason}` };
  const doc = read.y.value;
  if (!isMap(doc)) return { args, warnings: [], error: `kube-proxy config file ${file}: not a map` };
  const warnings: string[] = [];
  const layer = `kube-proxy config file ${file}`;
  for (const { path, flag, dflt } of FIELDS) {
    if (args.has(flag)) warnings.push(`kube-proxy (pid ${pid}) has --config and --${flag}: kube-proxy ignores the flag and reads ${path.join('.')} from ${file}`);
    let v: unknown = doc;
    for (const k of path) v = isMap(v) ? v[k] : undefined;
    const text = scalarText(v);
    if (text !== undefined && text !== '') args.set(flag, text, { source: 'file', layer, location: read.y.locate(path) });
    else if (dflt !== undefined) args.set(flag, dflt, { source: 'default', layer: `KubeProxyConfiguration default (${path.join('.')} not set in ${file})` });
    else args.delete(flag);
  }
  return { args, warnings };
}
