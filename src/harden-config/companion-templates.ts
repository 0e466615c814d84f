import { stringify } from 'yaml';

/** Kubelet and kube-apiserver cipher suites that satisfy CIS 1.2.x/4.2.x on every supported version. */
export const STRONG_CIPHERS = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
].join(',');

/**
 * The kubelet's cipher suites once hardened: the user's own that the CIS check allows (`allowed`, its
 * validElements), in their order, or STRONG_CIPHERS when none are set or none is allowed. Replacing a
 * list the user chose would drop suites their clients may need.
 */
export function kubeletCiphers(current: string | undefined, allowed: readonly string[]): string {
  const kept = (current ?? '').split(',').map((c) => c.trim()).filter((c) => allowed.includes(c));
  return kept.length ? kept.join(',') : STRONG_CIPHERS;
}

export const SYSCTLS: Record<string, string> = {
  'vm.overcommit_memory': '1',
  'vm.panic_on_oom': '0',
  'kernel.panic': '10',
  'kernel.panic_on_oops': '1',
};

export function sysctlConf(): string {
  return '# Kernel parameters the kubelet checks with --protect-kernel-defaults (CIS hardening guides).\n' +
    Object.entries(SYSCTLS).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

/** A policy that records metadata of every request, request bodies of RBAC and policy changes, and never Secret contents. */
export function auditPolicy(): string {
  return `# Written by rke-harden: records who did what; never the content of Secrets or ConfigMaps.
${stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    rules: [
      { level: 'None', users: ['system:kube-proxy'], verbs: ['watch'], resources: [{ group: '', resources: ['endpoints', 'services', 'services/status'] }] },
      { level: 'None', nonResourceURLs: ['/healthz*', '/livez*', '/readyz*', '/version'] },
      { level: 'Metadata', resources: [{ group: '', resources: ['secrets', 'configmaps', 'serviceaccounts/token'] }, { group: 'authentication.k8s.io', resources: ['tokenreviews'] }] },
      { level: 'RequestResponse', verbs: ['create', 'update', 'patch', 'delete'], resources: [{ group: 'rbac.authorization.k8s.io' }, { group: 'admissionregistration.k8s.io' }, { group: 'policy' }] },
      { level: 'Metadata' },
    ],
  })}`;
}

export interface AdmissionOptions {
  psa: 'restricted' | 'baseline';
  exemptNamespaces: string[];
  /** PodSecurity configuration apiVersion: v1beta1 before Kubernetes 1.25, v1 after. */
  minor: number;
}

/** One AdmissionConfiguration carrying the PodSecurity defaults and the EventRateLimit limits. */
export function admissionConfig(o: AdmissionOptions): string {
  const psaVersion = o.minor >= 25 ? 'v1' : 'v1beta1';
  return `# Written by rke-harden: Pod Security Admission defaults and EventRateLimit limits (CIS 1.2.9, 5.2).
${stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [
      {
        name: 'PodSecurity',
        configuration: {
          apiVersion: `pod-security.admission.config.k8s.io/${psaVersion}`,
          kind: 'PodSecurityConfiguration',
          defaults: { enforce: o.psa, 'enforce-version': 'latest', audit: o.psa, 'audit-version': 'latest', warn: o.psa, 'warn-version': 'latest' },
          exemptions: { usernames: [], runtimeClasses: [], namespaces: [...o.exemptNamespaces].sort() },
        },
      },
      {
        name: 'EventRateLimit',
        configuration: {
          apiVersion: 'eventratelimit.admission.k8s.io/v1alpha1',
          kind: 'Configuration',
          limits: [{ type: 'Server', qps: 5000, burst: 20000 }],
        },
      },
    ],
  })}`;
}

export function etcdUserScript(distro: 'rke1' | 'rke2'): string {
  const body = distro === 'rke1'
    ? 'getent group etcd >/dev/null || groupadd --gid 52034 etcd\ngetent passwd etcd >/dev/null || useradd --comment "etcd service account" --uid 52034 --gid 52034 --shell /usr/sbin/nologin etcd\n'
    : 'getent passwd etcd >/dev/null || useradd -r -c "etcd user" -s /sbin/nologin -M -U etcd\n';
  return `#!/bin/sh\n# Run on every ${distro === 'rke1' ? 'etcd node' : 'server node'} before installing (or use \`rke-harden harden node --apply\`).\nset -eu\n${body}`;
}
