import type { FactSnapshot } from '../../src/model/fact.js';
import type { Companion } from '../../src/harden-config/hardening-context.js';

/**
 * The security flags of an effective kube-apiserver configuration, as a test API server can run them: the
 * files they name (companion files of `harden config`) are written into the control plane's directory, and
 * node-specific paths (certificates, etcd, kubelet) stay with the harness.
 */
const CARRIED = [
  'admission-control-config-file', 'audit-policy-file', 'audit-log-maxage', 'audit-log-maxbackup', 'audit-log-maxsize',
  'enable-admission-plugins', 'profiling', 'anonymous-auth', 'service-account-extend-token-expiration', 'service-account-lookup',
  'tls-cipher-suites', 'authorization-mode', 'request-timeout', 'encryption-provider-config',
];

export function apiServerFlagsFromConfig(snap: FactSnapshot, companions: Companion[]): { args: string[]; files: Record<string, string> } {
  const files: Record<string, string> = {};
  const args: string[] = [];
  for (const flag of CARRIED) {
    const fact = snap.facts[`kube-apiserver.args.${flag}`];
    if (!fact) continue;
    let value = String(fact.value);
    const companion = companions.find((c) => c.nodePath === value);
    if (companion) {
      const name = `generated/${value.replace(/^\//, '').replace(/\//g, '_')}`;
      files[name] = companion.text;
      value = `{{dir}}/${name}`;
    } else if (value.startsWith('/')) {
      continue; // a node file the distro writes (e.g. RKE2's encryption config): the test provides its own
    }
    args.push(`--${flag}=${value}`);
  }
  if (snap.facts['kube-apiserver.args.audit-log-path']) args.push('--audit-log-path={{dir}}/logs/audit.log');
  return { args, files };
}
