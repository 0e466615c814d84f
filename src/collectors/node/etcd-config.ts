import { ArgMap } from '../../engine/effective/arg-map.js';
import { isMap, readComponentConfig, scalarText } from './host-yaml.js';
import type { HostFs } from './ports.js';

/** Keys of etcd's `*-transport-security` sections that CIS checks read, and the flag each maps to. */
const TLS_KEYS = ['cert-file', 'key-file', 'client-cert-auth', 'trusted-ca-file', 'auto-tls', 'crl-file', 'client-cert-file', 'client-key-file', 'allowed-cn', 'allowed-hostname'];
const SECTIONS: { section: string; prefix: string }[] = [
  { section: 'client-transport-security', prefix: '' },
  { section: 'peer-transport-security', prefix: 'peer-' },
];

export interface EtcdConfigArgs {
  args: ArgMap;
  error?: string;
  warnings: string[];
}

/**
 * etcd's YAML config file (`--config-file`; RKE2 writes /var/lib/rancher/rke2/server/db/etcd/config)
 * as etcd flags: top-level keys keep their names, the TLS sections become the flags of the same
 * meaning (`client-transport-security.client-cert-auth` → `client-cert-auth`,
 * `peer-transport-security.cert-file` → `peer-cert-file`). With a config file etcd ignores its other
 * command-line flags and environment, so the file is the whole truth.
 */
export function etcdConfigArgs(fs: HostFs, file: string): EtcdConfigArgs {
  const args = new ArgMap('etcd');
  const warnings: string[] = [];
  const read = readComponentConfig(fs, 'etcd', 'config-file', file);
  if ('error' in read) return { args, warnings, error: read.error };
  const { doc } = read;
  const layer = `etcd config file ${file}`;
  const tlsFlagNames = new Set(SECTIONS.flatMap((s) => TLS_KEYS.map((k) => s.prefix + k)));
  for (const [key, v] of Object.entries(doc)) {
    if (SECTIONS.some((s) => s.section === key)) continue;
    if (tlsFlagNames.has(key)) {
      // RKE2 writes etcd-arg items as top-level keys; etcd's config loader reads TLS settings only
      // from the sections, so a top-level client-cert-auth does not change anything.
      warnings.push(`${file}: top-level ${key} is not read by etcd from a config file (TLS settings belong under client-transport-security / peer-transport-security)`);
      continue;
    }
    const text = Array.isArray(v) ? v.map((x) => scalarText(x) ?? '').join(',') : scalarText(v);
    if (text === undefined) continue;
    args.set(key, text, { source: 'file', layer, location: read.y.locate([key]) });
  }
  for (const { section, prefix } of SECTIONS) {
    const sec = doc[section];
    if (!isMap(sec)) continue;
    for (const [key, v] of Object.entries(sec)) {
      const text = scalarText(v);
      if (text === undefined) continue;
      args.set(prefix + key, text, { source: 'file', layer, location: read.y.locate([section, key]) });
    }
  }
  return { args, warnings };
}
