/** Pods reduced to their security-relevant fields (cluster-facts.ts PodSchema). */
import type { V1Container, V1EphemeralContainer, V1Pod } from '@kubernetes/client-node';
import type { Container, Pod } from '../../engine/evaluators/cluster/cluster-facts.js';

type AnyContainer = V1Container | V1EphemeralContainer;

/** Copy the defined, non-null values of `from` onto `to`. */
function defined<T extends object>(to: T, from: Partial<T>): T {
  for (const k in from) {
    const v = from[k];
    if (v !== undefined && v !== null) (to as Record<string, unknown>)[k] = v;
  }
  return to;
}

const nonEmpty = <T>(list: T[] | undefined): T[] | undefined => (list && list.length ? list : undefined);
const trueOnly = (b: boolean | undefined): true | undefined => (b === true ? true : undefined);

function secretEnv(c: AnyContainer): string[] | undefined {
  const vars = (c.env ?? []).flatMap((e) => {
    const ref = e.valueFrom?.secretKeyRef;
    return ref ? [`${e.name} from secret ${ref.name ?? '?'}/${ref.key}`] : [];
  });
  const all = (c.envFrom ?? []).flatMap((e) => (e.secretRef ? [`all keys of secret ${e.secretRef.name ?? '?'}`] : []));
  return nonEmpty([...vars, ...all]);
}

export function reduceContainer(c: AnyContainer, kind: 'container' | 'init' | 'ephemeral'): Container {
  const sc = c.securityContext ?? {};
  return defined<Container>({ name: c.name }, {
    kind: kind === 'container' ? undefined : kind,
    privileged: trueOnly(sc.privileged),
    allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
    runAsNonRoot: sc.runAsNonRoot,
    runAsUser: sc.runAsUser,
    seccompProfile: sc.seccompProfile?.type,
    windowsHostProcess: trueOnly(sc.windowsOptions?.hostProcess),
    capabilitiesAdd: nonEmpty(sc.capabilities?.add),
    capabilitiesDrop: nonEmpty(sc.capabilities?.drop),
    hostPorts: nonEmpty((('ports' in c ? c.ports : undefined) ?? []).map((p) => p.hostPort ?? 0).filter((p) => p > 0)),
    secretEnv: secretEnv(c),
  });
}

/** Where the ServiceAccount admission plugin mounts the API token (kube-api-access-*, or a legacy token Secret). */
const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export function reducePod(raw: unknown): Pod | undefined {
  const p = raw as V1Pod;
  const name = p?.metadata?.name;
  if (!name) return undefined;
  const spec = p.spec ?? { containers: [] };
  const sc = spec.securityContext ?? {};
  const owner = p.metadata?.ownerReferences?.find((o) => o.controller) ?? p.metadata?.ownerReferences?.[0];
  return defined<Pod>(
    {
      namespace: p.metadata?.namespace ?? '',
      name,
      containers: [
        ...(spec.containers ?? []).map((c) => reduceContainer(c, 'container')),
        ...(spec.initContainers ?? []).map((c) => reduceContainer(c, 'init')),
        ...(spec.ephemeralContainers ?? []).map((c) => reduceContainer(c, 'ephemeral')),
      ],
    },
    {
      phase: p.status?.phase,
      owner: owner ? `${owner.kind}/${owner.name}` : undefined,
      os: spec.os?.name,
      serviceAccountName: spec.serviceAccountName ?? spec.serviceAccount,
      automountServiceAccountToken: spec.automountServiceAccountToken,
      apiTokenMounted: [...(spec.containers ?? []), ...(spec.initContainers ?? [])].some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath.replace(/\/+$/, '') === TOKEN_DIR)),
      hostPID: trueOnly(spec.hostPID),
      hostIPC: trueOnly(spec.hostIPC),
      hostNetwork: trueOnly(spec.hostNetwork),
      runAsNonRoot: sc.runAsNonRoot,
      runAsUser: sc.runAsUser,
      seccompProfile: sc.seccompProfile?.type,
      seccompAnnotation: p.metadata?.annotations?.['seccomp.security.alpha.kubernetes.io/pod'],
      // Set by the PodSecurityPolicy admission plugin (< 1.25) on each pod it admits: the plugin is on.
      pspAnnotation: p.metadata?.annotations?.['kubernetes.io/psp'],
      windowsHostProcess: trueOnly(sc.windowsOptions?.hostProcess),
      hostPathVolumes: nonEmpty((spec.volumes ?? []).flatMap((v) => (v.hostPath ? [`${v.name}:${v.hostPath.path}`] : []))),
    },
  );
}
