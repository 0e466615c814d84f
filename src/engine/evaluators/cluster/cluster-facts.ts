/**
 * The `cluster.*` facts: Kubernetes API objects reduced to what the section-5 evaluators read.
 * The cluster collector (src/collectors/cluster) produces them; evaluators and check cases consume them.
 * Optional fields are left out when the object does not set them (never written as null).
 */
import * as z from 'zod';

/**
 * The schemas, built on first use: a node or configuration audit never reads a cluster fact, and building
 * them cost every start of the CLI several milliseconds.
 */
function buildClusterFactSchemas() {
  const str = z.string();
  const names = z.array(str);

  const NamespaceSchema = z.strictObject({
    name: str,
    /** Only the pod-security.kubernetes.io/* labels. */
    labels: z.record(str, str).optional(),
  });

  const ServiceAccountSchema = z.strictObject({
    namespace: str,
    name: str,
    automountServiceAccountToken: z.boolean().optional(),
  });

  const ContainerSchema = z.strictObject({
    name: str,
    /** containers, initContainers or ephemeralContainers. */
    kind: z.enum(['container', 'init', 'ephemeral']).optional(),
    privileged: z.boolean().optional(),
    allowPrivilegeEscalation: z.boolean().optional(),
    runAsNonRoot: z.boolean().optional(),
    runAsUser: z.number().optional(),
    seccompProfile: str.optional(),
    windowsHostProcess: z.boolean().optional(),
    capabilitiesAdd: names.optional(),
    capabilitiesDrop: names.optional(),
    hostPorts: z.array(z.number()).optional(),
    /** Environment variables filled from Secrets: "VAR from secret NAME" / "all keys of secret NAME". Never values. */
    secretEnv: names.optional(),
  });

  const PodSchema = z.strictObject({
    namespace: str,
    name: str,
    phase: str.optional(),
    /** "Kind/name" of the controlling owner, e.g. "ReplicaSet/web-5d9c". */
    owner: str.optional(),
    /** linux or windows (spec.os.name) when set. */
    os: str.optional(),
    serviceAccountName: str.optional(),
    automountServiceAccountToken: z.boolean().optional(),
    /**
     * Whether a container mounts something at /var/run/secrets/kubernetes.io/serviceaccount: the token
     * the pod really has (added at its creation; a later ServiceAccount change does not remove it).
     * Absent in snapshots taken before it was collected.
     */
    apiTokenMounted: z.boolean().optional(),
    hostPID: z.boolean().optional(),
    hostIPC: z.boolean().optional(),
    hostNetwork: z.boolean().optional(),
    runAsNonRoot: z.boolean().optional(),
    runAsUser: z.number().optional(),
    seccompProfile: str.optional(),
    /** The legacy seccomp.security.alpha.kubernetes.io/pod annotation, when present. */
    seccompAnnotation: str.optional(),
    pspAnnotation: str.optional(),
    windowsHostProcess: z.boolean().optional(),
    /** "volume-name:/host/path" for each hostPath volume. */
    hostPathVolumes: names.optional(),
    containers: z.array(ContainerSchema),
  });

  const RuleSchema = z.strictObject({
    verbs: names,
    apiGroups: names.optional(),
    resources: names.optional(),
    resourceNames: names.optional(),
    nonResourceURLs: names.optional(),
  });

  const RoleSchema = z.strictObject({
    namespace: str.optional(),
    name: str,
    /** Labelled kubernetes.io/bootstrapping=rbac-defaults: created by the API server itself. */
    bootstrap: z.boolean().optional(),
    rules: z.array(RuleSchema),
  });

  const SubjectSchema = z.strictObject({
    kind: str,
    name: str,
    namespace: str.optional(),
  });

  const BindingSchema = z.strictObject({
    namespace: str.optional(),
    name: str,
    bootstrap: z.boolean().optional(),
    roleRef: z.strictObject({ kind: str, name: str }),
    subjects: z.array(SubjectSchema),
  });

  const NetworkPolicySchema = z.strictObject({
    namespace: str,
    name: str,
    /** Selects every pod and allows all ingress and egress: present, but restricts nothing. */
    allowsAll: z.boolean().optional(),
  });

  const DaemonSetSchema = z.strictObject({
    namespace: str,
    name: str,
    images: names,
  });

  const WebhookConfigurationSchema = z.strictObject({
    name: str,
    /** Some webhook of it intercepts pod creation or update. */
    interceptsPods: z.boolean().optional(),
  });

  const PodSecurityPolicySchema = z.strictObject({ name: str });

  const ExemptSubjectSchema = z.strictObject({
    kind: str,
    name: str,
    namespace: str.optional(),
    reason: str,
  });

  const ExemptBindingSchema = z.strictObject({
    kind: z.enum(['ClusterRoleBinding', 'RoleBinding']),
    /** A trailing * matches any suffix. */
    name: str,
    reason: str,
  });

  /** Fact keys and the schema of their values. */
  const CLUSTER_FACTS = {
    'cluster.version': str,
    'cluster.namespaces': z.array(NamespaceSchema),
    'cluster.serviceaccounts': z.array(ServiceAccountSchema),
    'cluster.pods': z.array(PodSchema),
    'cluster.roles': z.array(RoleSchema),
    'cluster.clusterroles': z.array(RoleSchema),
    'cluster.rolebindings': z.array(BindingSchema),
    'cluster.clusterrolebindings': z.array(BindingSchema),
    'cluster.networkpolicies': z.array(NetworkPolicySchema),
    'cluster.daemonsets': z.array(DaemonSetSchema),
    'cluster.validatingwebhookconfigurations': z.array(WebhookConfigurationSchema),
    /** Only on servers that still serve policy/v1beta1 (Kubernetes < 1.25). */
    'cluster.podsecuritypolicies': z.array(PodSecurityPolicySchema),
    /** Names of objects of one kind in the `default` namespace, e.g. cluster.defaultNamespace.services. */
    'cluster.defaultNamespace.services': names,
    'cluster.defaultNamespace.configmaps': names,
    'cluster.defaultNamespace.deployments': names,
    'cluster.defaultNamespace.statefulsets': names,
    'cluster.defaultNamespace.jobs': names,
    'cluster.defaultNamespace.cronjobs': names,
    /** Namespace name → why it is exempt (which list, or the command line). */
    'cluster.exemptions.namespaces': z.record(str, str),
    /** Subjects the distro itself binds (reported as exempt). */
    'cluster.exemptions.subjects': z.array(ExemptSubjectSchema),
    /** Bindings the distro itself creates (reported as exempt). */
    'cluster.exemptions.bindings': z.array(ExemptBindingSchema),
    /** ClusterRole name → why its rules are the distro's own (wildcards reported as exempt). */
    'cluster.exemptions.clusterroles': z.record(str, str),
    /** Enforce level of the PodSecurity admission defaults, when a config or node snapshot supplies it. */
    'admission.PodSecurity.defaults.enforce': str,
  } as const;
  return { NamespaceSchema, ServiceAccountSchema, ContainerSchema, PodSchema, RuleSchema, RoleSchema, SubjectSchema, BindingSchema, NetworkPolicySchema, DaemonSetSchema, WebhookConfigurationSchema, PodSecurityPolicySchema, ExemptSubjectSchema, ExemptBindingSchema, CLUSTER_FACTS };
}

let built: ReturnType<typeof buildClusterFactSchemas> | undefined;
export const clusterFactSchemas = (): ReturnType<typeof buildClusterFactSchemas> => (built ??= buildClusterFactSchemas());
type Schemas = ReturnType<typeof buildClusterFactSchemas>;

export type ClusterFactKey = keyof Schemas['CLUSTER_FACTS'];
export type ClusterFactValue<K extends ClusterFactKey> = z.infer<Schemas['CLUSTER_FACTS'][K]>;

export type Namespace = z.infer<Schemas['NamespaceSchema']>;
export type ServiceAccount = z.infer<Schemas['ServiceAccountSchema']>;
export type Pod = z.infer<Schemas['PodSchema']>;
export type Container = z.infer<Schemas['ContainerSchema']>;
export type Rule = z.infer<Schemas['RuleSchema']>;
export type Role = z.infer<Schemas['RoleSchema']>;
export type Subject = z.infer<Schemas['SubjectSchema']>;
export type Binding = z.infer<Schemas['BindingSchema']>;
export type NetworkPolicy = z.infer<Schemas['NetworkPolicySchema']>;
export type DaemonSet = z.infer<Schemas['DaemonSetSchema']>;
export type WebhookConfiguration = z.infer<Schemas['WebhookConfigurationSchema']>;
export type ExemptSubject = z.infer<Schemas['ExemptSubjectSchema']>;
export type ExemptBinding = z.infer<Schemas['ExemptBindingSchema']>;

/** The `default`-namespace listings (5.7.4), by fact key. */
export const DEFAULT_NAMESPACE_FACTS = [
  'cluster.defaultNamespace.services',
  'cluster.defaultNamespace.configmaps',
  'cluster.defaultNamespace.deployments',
  'cluster.defaultNamespace.statefulsets',
  'cluster.defaultNamespace.jobs',
  'cluster.defaultNamespace.cronjobs',
] as const satisfies readonly ClusterFactKey[];
