/**
 * The Pod Security Standards "restricted" rules as pure functions over reduced pods. Each rule returns
 * its findings for one pod ("container app: privileged"); no finding means the pod complies. Rules the
 * standard limits to Linux skip pods with spec.os.name=windows.
 */
import type { Container, Pod } from './cluster-facts.js';

export interface PodRule {
  /** Short name used in evidence, e.g. "privileged". */
  name: string;
  findings(pod: Pod): string[];
}

const isWindows = (pod: Pod): boolean => pod.os === 'windows';

function containerLabel(c: Container): string {
  const kind = c.kind === 'init' ? 'init container' : c.kind === 'ephemeral' ? 'ephemeral container' : 'container';
  return `${kind} ${c.name}`;
}

/** No finding; frozen, since it is shared. */
const NONE = Object.freeze([]) as unknown as string[];

/** Findings of a per-container predicate: the predicate returns a finding text or undefined. */
function perContainer(pod: Pod, finding: (c: Container) => string | undefined): string[] {
  let found: string[] | undefined; // most pods comply: no array for them (this runs per pod per rule)
  for (const c of pod.containers) {
    const f = finding(c);
    if (f) (found ??= []).push(`${containerLabel(c)}: ${f}`);
  }
  return found ?? NONE;
}

const capability = (name: string): string => name.toUpperCase().replace(/^CAP_/, '');
const caps = (list: string[] | undefined): string[] => (list ?? []).map(capability);

export const privileged: PodRule = {
  name: 'privileged',
  findings: (pod) => perContainer(pod, (c) => (c.privileged ? 'privileged' : undefined)),
};

const hostNamespace = (field: 'hostPID' | 'hostIPC' | 'hostNetwork'): PodRule => ({
  name: field,
  findings: (pod) => (pod[field] ? [`${field}: true`] : []),
});
export const hostPID = hostNamespace('hostPID');
export const hostIPC = hostNamespace('hostIPC');
export const hostNetwork = hostNamespace('hostNetwork');

export const allowPrivilegeEscalation: PodRule = {
  name: 'allowPrivilegeEscalation',
  findings: (pod) =>
    isWindows(pod)
      ? []
      : perContainer(pod, (c) =>
          c.allowPrivilegeEscalation === false ? undefined : `allowPrivilegeEscalation ${c.allowPrivilegeEscalation === true ? 'true' : 'not set to false'}`,
        ),
};

export const runAsNonRoot: PodRule = {
  name: 'root',
  findings: (pod) =>
    perContainer(pod, (c) => {
      const user = c.runAsUser ?? pod.runAsUser;
      if (user === 0) return 'runAsUser 0';
      return (c.runAsNonRoot ?? pod.runAsNonRoot) === true ? undefined : 'runAsNonRoot not true';
    }),
};

export const netRaw: PodRule = {
  name: 'NET_RAW',
  findings: (pod) =>
    isWindows(pod)
      ? []
      : perContainer(pod, (c) => {
          if (c.privileged) return 'privileged (every capability, NET_RAW included)';
          if (caps(c.capabilitiesAdd).some((x) => x === 'NET_RAW' || x === 'ALL')) return 'adds NET_RAW';
          const drop = caps(c.capabilitiesDrop);
          return drop.includes('ALL') || drop.includes('NET_RAW') ? undefined : 'NET_RAW not dropped';
        }),
};

/** Restricted allows adding NET_BIND_SERVICE only. */
export const addedCapabilities: PodRule = {
  name: 'added capabilities',
  findings: (pod) =>
    isWindows(pod)
      ? []
      : perContainer(pod, (c) => {
          const added = caps(c.capabilitiesAdd).filter((x) => x !== 'NET_BIND_SERVICE');
          return added.length ? `adds ${added.join(', ')}` : undefined;
        }),
};

export const dropAllCapabilities: PodRule = {
  name: 'capabilities not dropped',
  findings: (pod) =>
    isWindows(pod) ? [] : perContainer(pod, (c) => (caps(c.capabilitiesDrop).includes('ALL') ? undefined : 'does not drop ALL capabilities')),
};

export const windowsHostProcess: PodRule = {
  name: 'Windows HostProcess',
  findings: (pod) => [
    ...(pod.windowsHostProcess ? ['pod: windowsOptions.hostProcess true'] : []),
    ...perContainer(pod, (c) => (c.windowsHostProcess ? 'windowsOptions.hostProcess true' : undefined)),
  ],
};

export const hostPath: PodRule = {
  name: 'hostPath',
  findings: (pod) => (pod.hostPathVolumes ?? []).map((v) => `hostPath volume ${v}`),
};

export const hostPorts: PodRule = {
  name: 'hostPort',
  findings: (pod) => perContainer(pod, (c) => (c.hostPorts?.length ? `hostPort ${c.hostPorts.join(', ')}` : undefined)),
};

/** The pod-level seccomp type, from the field or (older clusters) the alpha annotation. */
function podSeccomp(pod: Pod): string | undefined {
  if (pod.seccompProfile) return pod.seccompProfile;
  const a = pod.seccompAnnotation;
  if (a === 'runtime/default' || a === 'docker/default') return 'RuntimeDefault';
  if (a?.startsWith('localhost/')) return 'Localhost';
  return a === 'unconfined' ? 'Unconfined' : undefined;
}

export const seccomp: PodRule = {
  name: 'seccomp',
  findings: (pod) =>
    isWindows(pod)
      ? []
      : perContainer(pod, (c) => {
          const type = c.seccompProfile ?? podSeccomp(pod);
          return type === 'RuntimeDefault' || type === 'Localhost' ? undefined : `seccomp profile ${type ?? 'not set'}`;
        }),
};

/** Every rule of the restricted profile (5.6.3/5.7.3 "Apply SecurityContext to your Pods and Containers"). */
export const RESTRICTED: PodRule[] = [
  privileged, hostPID, hostIPC, hostNetwork, allowPrivilegeEscalation, runAsNonRoot, addedCapabilities,
  dropAllCapabilities, windowsHostProcess, hostPath, hostPorts, seccomp,
];
