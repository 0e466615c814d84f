/** Decisions the benchmark importer applies on top of the upstream data (see docs/adr/0002). */
import type { Control } from '../src/model/benchmark.js';

/** Write order: a profile may extend any profile written before it. */
export const PROFILE_ORDER = [
  'rke-cis-1.23-hardened', 'rke-cis-1.23-permissive', 'rke-cis-1.24-hardened', 'rke-cis-1.24-permissive',
  'rke-cis-1.7-hardened', 'rke-cis-1.7-permissive', 'rke-cis-1.8-hardened', 'rke-cis-1.8-permissive',
  'rke2-cis-1.23-hardened', 'rke2-cis-1.23-permissive', 'rke2-cis-1.24-hardened', 'rke2-cis-1.24-permissive',
  'rke2-cis-1.7-hardened', 'rke2-cis-1.7-permissive', 'rke2-cis-1.8-hardened', 'rke2-cis-1.8-permissive',
  'rke2-cis-1.9', 'rke2-cis-1.10', 'rke2-cis-1.11', 'rke2-cis-1.12',
];

/** Kubernetes minors that select a profile by default (Rancher's chart bounds, cis-benchmark-mapping.yaml). */
export const SELECTS: Record<string, { minK8s: string; maxK8s?: string }> = {
  'rke-cis-1.23-hardened': { minK8s: '1.23', maxK8s: '1.23' },
  'rke-cis-1.24-hardened': { minK8s: '1.24', maxK8s: '1.24' },
  'rke-cis-1.7-hardened': { minK8s: '1.25', maxK8s: '1.25' },
  'rke-cis-1.8-hardened': { minK8s: '1.26' },
  'rke2-cis-1.23-hardened': { minK8s: '1.23', maxK8s: '1.23' },
  'rke2-cis-1.24-hardened': { minK8s: '1.24', maxK8s: '1.24' },
  'rke2-cis-1.7-hardened': { minK8s: '1.25', maxK8s: '1.25' },
  'rke2-cis-1.8-hardened': { minK8s: '1.26', maxK8s: '1.26' },
  'rke2-cis-1.9': { minK8s: '1.27', maxK8s: '1.27' },
  'rke2-cis-1.10': { minK8s: '1.28', maxK8s: '1.28' },
  'rke2-cis-1.11': { minK8s: '1.29', maxK8s: '1.31' },
  'rke2-cis-1.12': { minK8s: '1.32' },
};

/** Host requirements of Rancher's hardening guides, added to every profile as section 0. */
export const HOST_CONTROLS: Omit<Control, 'scored'>[] = [
  { id: '0.1', title: 'Ensure that the sysctl vm.overcommit_memory is set to 1', section: '0', type: 'node', automation: 'automated', check: 'host-sysctl-vm-overcommit-memory-1' },
  { id: '0.2', title: 'Ensure that the sysctl vm.panic_on_oom is set to 0', section: '0', type: 'node', automation: 'automated', check: 'host-sysctl-vm-panic-on-oom-0' },
  { id: '0.3', title: 'Ensure that the sysctl kernel.panic is set to 10', section: '0', type: 'node', automation: 'automated', check: 'host-sysctl-kernel-panic-10' },
  { id: '0.4', title: 'Ensure that the sysctl kernel.panic_on_oops is set to 1', section: '0', type: 'node', automation: 'automated', check: 'host-sysctl-kernel-panic-on-oops-1' },
  { id: '0.5', title: 'Ensure that the etcd user exists on etcd nodes', section: '0', type: 'etcd', automation: 'automated', check: 'etcd-user-exists' },
  { id: '0.6', title: 'Ensure that the etcd group exists on etcd nodes', section: '0', type: 'etcd', automation: 'automated', check: 'etcd-group-exists' },
];

/** Host requirements that exist for one distro only. */
export const DISTRO_HOST_CONTROLS: Record<'rke1' | 'rke2', (Omit<Control, 'scored'> & { scored?: boolean })[]> = {
  rke1: [
    { id: '0.7', title: 'Ensure that services.etcd.uid and gid are set to the etcd user and group', section: '0', type: 'etcd', automation: 'automated', check: 'etcd-uid-gid-set' },
    { id: '0.8', title: 'Ensure that services.etcd.uid equals services.etcd.gid (RKE runs etcd as uid:uid)', section: '0', type: 'etcd', automation: 'automated', check: 'etcd-uid-equals-gid', scored: false },
  ],
  rke2: [
    { id: '0.7', title: 'Ensure that the RKE2 profile is set to cis', section: '0', type: 'node', automation: 'automated', check: 'rke2-profile-cis' },
  ],
};

export function normaliseTitle(t: string): string {
  return t.replace(/\s*\((Automated|Manual)\)\s*$/, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** The reason text of an upstream skip, without shell variables and command boilerplate. */
export function skipReason(remediation: string, distro: string): string {
  const flat = remediation.replace(/\s+/g, ' ').replace(/\$\w+/g, '').trim();
  const m = /(Not Applicable|Permissive|Clusters? provisioned by RKE|A cluster provisioned by RKE|RKE2 always)/.exec(flat);
  const text = m ? flat.slice(m.index) : '';
  return text ? text.replace(/^Not Applicable\s*[-–.]\s*/, 'Not applicable: ').slice(0, 240) : `Rancher marks this control not applicable to ${distro}`;
}

interface Input { profile: string; id: string; upstreamType?: string; remediation: string; checkId?: string }
export type Decision = { kind: 'check' | 'manual' | 'notApplicable'; value: string };

/** How one upstream control binds: to our check, to an explicit manual reason, or to notApplicable. */
export function bindingDecision(u: Input): Decision {
  const distro = u.profile.startsWith('rke2-') ? 'RKE2' : 'RKE1';
  if (u.upstreamType === 'skip') {
    // Upstream skips some controls only because its shell audit cannot tell the node's role or reads the
    // wrong file; our checks decide them from facts (role detection makes etcd checks notApplicable; RKE2
    // v1.32+ does write a kubelet config file, agent/etc/kubelet.conf.d, and the check is notApplicable
    // only where there is none).
    const decidable = /If running master only with no etcd role|RKE2 always is configured to use the aescbc|There is no kubelet config file/;
    if (u.checkId && decidable.test(u.remediation)) return { kind: 'check', value: u.checkId };
    return { kind: 'notApplicable', value: skipReason(u.remediation, distro) };
  }
  if (u.checkId) return { kind: 'check', value: u.checkId };
  return {
    kind: 'manual',
    value: 'No automated check: this recommendation needs human review (procedures, intent or external systems)',
  };
}
