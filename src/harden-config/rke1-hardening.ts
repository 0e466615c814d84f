import { isMap, type Document } from 'yaml';
import { upsertCommaFlag } from './comma-flag.js';
import { etcdUserScript, kubeletCiphers, sysctlConf } from './companion-templates.js';
import type { HardeningContext } from './hardening-context.js';
import { RKE1_SERVICES, sectionsRkeUpIgnores, serviceSpellings } from '../config/rke1/cluster-yml-keys.js';
import { withoutPspAddons } from '../config/rke1/psp-addons.js';
import { setExtraArg } from './rke1-extra-args-array.js';
import { deleteAt, ensureSeq, setNode, setScalar, valueAt, type Path } from './yaml-edit.js';

/** RKE's audit_log.configuration when it makes one itself (cluster/defaults.go newDefaultAuditLogConfig). */
/** Rancher's PodSecurityPolicy template for a cluster (beside rancher_kubernetes_engine_config). */
const PSP_TEMPLATE = 'default_pod_security_policy_template_id';

const AUDIT_LOG_DEFAULTS: Record<string, string | number> = { path: '/var/log/kube-audit/audit-log.json', max_age: 30, max_backup: 10, max_size: 100, format: 'json' };

/**
 * The path of an RKE1 service section (`kube-api`, `kubelet`, …, or a component name) in this file: its
 * root and the spelling it uses where the reader takes it (Rancher: kube-api or kube_api; `rke up`:
 * kube-api only), else the RKE CLI one.
 */
export function rke1ServicePath(doc: Document, service: string): Path {
  const wrapped = isMap(doc.contents) && doc.contents.has('rancher_kubernetes_engine_config');
  const root: Path = wrapped ? ['rancher_kubernetes_engine_config'] : [];
  const component = RKE1_SERVICES[service] ? service : Object.keys(RKE1_SERVICES).find((c) => RKE1_SERVICES[c]!.spellings.includes(service));
  const spellings = component ? serviceSpellings(component, wrapped) : [service];
  const found = spellings.find((s) => valueAt(doc, [...root, 'services', s]) !== undefined);
  return [...root, 'services', found ?? spellings[0]!];
}

/** Pod Security (1.25+): RKE's admission_configuration, else its pod_security_configuration. */
function hardenPodSecurityRke1(doc: Document, api: Path, ctx: HardeningContext): void {
  const admission = [...api, 'admission_configuration'];
  const podSecurity = () => doc.createNode({
    name: 'PodSecurity',
    configuration: {
      apiVersion: 'pod-security.admission.config.k8s.io/v1',
      kind: 'PodSecurityConfiguration',
      defaults: { enforce: ctx.psa, 'enforce-version': 'latest', audit: ctx.psa, 'audit-version': 'latest', warn: ctx.psa, 'warn-version': 'latest' },
      exemptions: { usernames: [], runtimeClasses: [], namespaces: [...ctx.exemptNamespaces].sort() },
    },
  });
  const current = valueAt(doc, admission);
  if (current !== undefined && current !== null) {
    // Theirs: it replaces RKE's whole admission configuration, so PodSecurity must be in it.
    const plugins = valueAt(doc, [...admission, 'plugins']);
    const named = Array.isArray(plugins) && plugins.some((p) => (p as { name?: unknown } | null)?.name === 'PodSecurity');
    if (!named) {
      ensureSeq(doc, [...admission, 'plugins']).add(podSecurity());
      ctx.notes.push(`admission_configuration is yours and had no PodSecurity plugin (RKE then runs Pod Security privileged): PodSecurity ${ctx.psa} added to its plugins`);
    }
    return;
  }
  const own = valueAt(doc, [...api, 'pod_security_configuration']);
  if (own === 'restricted' && ctx.psa === 'restricted' && !ctx.exemptionsGiven) {
    ctx.notes.push('pod_security_configuration: restricted is kept: RKE enforces restricted and exempts kube-system and ingress-nginx only; on a cluster Rancher manages, its namespaces need exemptions (harden config --exemptions rancher-restricted writes an admission_configuration with them)');
    return;
  }
  if (current === null) deleteAt(doc, admission); // `admission_configuration: null` (rke config) is none
  setScalar(doc, [...admission, 'apiVersion'], 'apiserver.config.k8s.io/v1');
  setScalar(doc, [...admission, 'kind'], 'AdmissionConfiguration');
  setNode(doc, [...admission, 'plugins'], doc.createNode([podSecurity()]));
  if (own !== undefined) {
    deleteAt(doc, [...api, 'pod_security_configuration']);
    ctx.notes.push('pod_security_configuration removed: admission_configuration carries the PodSecurity policy and its exemptions');
  }
}

/** Edit an RKE1 cluster.yml (or Rancher cluster with rancher_kubernetes_engine_config) into its hardened form. */
export function hardenRke1(doc: Document, ctx: HardeningContext): void {
  const wrapped = isMap(doc.contents) && doc.contents.has('rancher_kubernetes_engine_config');
  const root: Path = wrapped ? ['rancher_kubernetes_engine_config'] : [];
  const etcd = rke1ServicePath(doc, 'etcd');
  const api = rke1ServicePath(doc, 'kube-apiserver');
  const controller = rke1ServicePath(doc, 'kube-controller-manager');
  const scheduler = rke1ServicePath(doc, 'kube-scheduler');
  const kubelet = rke1ServicePath(doc, 'kubelet');
  const services = valueAt(doc, [...root, 'services']);
  for (const { component, spelling, rkeReads } of sectionsRkeUpIgnores(services && typeof services === 'object' ? services as Record<string, unknown> : {}, wrapped)) {
    ctx.notes.push(`services.${spelling} is ignored by rke up, which reads services.${rkeReads}: the hardening of ${component} went to services.${rkeReads}; move your own settings there`);
  }
  const v = ctx.version;

  const uid = valueAt(doc, [...etcd, 'uid']);
  const gid = valueAt(doc, [...etcd, 'gid']);
  if (!uid || !gid || String(uid) !== String(gid)) {
    if (uid && gid) ctx.notes.push(`services.etcd uid ${String(uid)} and gid ${String(gid)} differ; RKE runs etcd as uid:uid, so both become 52034`);
    setScalar(doc, [...etcd, 'uid'], 52034);
    setScalar(doc, [...etcd, 'gid'], 52034);
  }
  // authorization.mode none: RKE passes no --authorization-mode and sets up none of the RBAC roles the
  // nodes need, so RBAC goes on here, not through an extra_args flag.
  const authz = valueAt(doc, [...root, 'authorization', 'mode']);
  if (authz !== undefined && authz !== 'rbac') {
    setScalar(doc, [...root, 'authorization', 'mode'], 'rbac');
    ctx.notes.push(`authorization.mode: ${String(authz)} → rbac (CIS 1.2.7, 1.2.8: RKE then runs kube-apiserver with Node,RBAC and creates the roles nodes need)`);
  }
  setScalar(doc, [...api, 'secrets_encryption_config', 'enabled'], true);
  if (valueAt(doc, [...api, 'audit_log', 'enabled']) !== true) setScalar(doc, [...api, 'audit_log', 'enabled'], true);
  // With a configuration RKE fills in only the policy: a path or number left out is passed empty or 0.
  if (valueAt(doc, [...api, 'audit_log', 'configuration']) !== undefined) {
    for (const [key, value] of Object.entries(AUDIT_LOG_DEFAULTS)) {
      if (valueAt(doc, [...api, 'audit_log', 'configuration', key]) === undefined) setScalar(doc, [...api, 'audit_log', 'configuration', key], value);
    }
  }
  setScalar(doc, [...api, 'event_rate_limit', 'enabled'], true);
  if (v.minor >= 25) {
    if (valueAt(doc, [...api, 'pod_security_policy']) === true) {
      setScalar(doc, [...api, 'pod_security_policy'], false);
      ctx.notes.push('pod_security_policy: true → false (PodSecurityPolicy was removed in Kubernetes 1.25; RKE refuses it)');
    }
    hardenPodSecurityRke1(doc, api, ctx);
    removePspLeftovers(doc, root, wrapped, ctx);
  } else {
    if (valueAt(doc, [...api, 'pod_security_policy']) !== true) {
      setScalar(doc, [...api, 'pod_security_policy'], true);
      if (!wrapped) ctx.notes.push('pod_security_policy: true needs RKE ≤ v1.5 and a PodSecurityPolicy such as restricted-noroot bound to system:authenticated (see the RKE1 hardening guide addons)');
    }
    // Rancher binds its built-in restricted-noroot policy itself, as its hardening guide sets it.
    if (wrapped && valueAt(doc, [PSP_TEMPLATE]) === undefined) setScalar(doc, [PSP_TEMPLATE], 'restricted-noroot');
  }
  // extra_args replace RKE's plugin list: keep EventRateLimit in a user's own list, and AlwaysPullImages
  // when they asked for it with always_pull_images (which the list they wrote replaces too).
  if (valueAt(doc, [...api, 'extra_args', 'enable-admission-plugins']) !== undefined) {
    upsertCommaFlag(doc, [...api, 'extra_args', 'enable-admission-plugins'], 'EventRateLimit');
    if (valueAt(doc, [...api, 'always_pull_images']) === true) upsertCommaFlag(doc, [...api, 'extra_args', 'enable-admission-plugins'], 'AlwaysPullImages');
  }
  upsertCommaFlag(doc, [...controller, 'extra_args', 'feature-gates'], 'RotateKubeletServerCertificate=true');
  for (const svc of [controller, scheduler]) {
    setExtraArg(doc, svc, 'bind-address', '127.0.0.1');
    // A bind-address beside extra_args (Rancher's early v2.7 template) is ignored by RKE.
    if (valueAt(doc, [...svc, 'bind-address']) !== undefined) {
      deleteAt(doc, [...svc, 'bind-address']);
      ctx.notes.push(`${[...svc, 'bind-address'].join('.')} removed: RKE ignores it there; it now sits under extra_args`);
    }
  }
  upsertCommaFlag(doc, [...kubelet, 'extra_args', 'feature-gates'], 'RotateKubeletServerCertificate=true');
  setExtraArg(doc, kubelet, 'protect-kernel-defaults', 'true');
  const ciphers = valueAt(doc, [...kubelet, 'extra_args', 'tls-cipher-suites']);
  setScalar(doc, [...kubelet, 'extra_args', 'tls-cipher-suites'], kubeletCiphers(ciphers === undefined ? undefined : String(ciphers), ctx.kubeletCiphersAllowed));
  setScalar(doc, [...kubelet, 'generate_serving_certificate'], true);
  ctx.staysOpen.add('etcd-unique-ca');
  ctx.notes.push('CIS 2.7 stays open on RKE1: etcd trusts the cluster CA (kube-ca.pem); RKE cannot give etcd its own CA — record a waiver');
  ctx.companions.push({ nodePath: '/etc/sysctl.d/90-kubelet.conf', text: sysctlConf(), mode: 0o644, purpose: 'kernel parameters for --protect-kernel-defaults (apply with sysctl -p)' });
  ctx.companions.push({ nodePath: '/usr/local/sbin/rke-harden-etcd-user.sh', text: etcdUserScript('rke1'), mode: 0o755, purpose: 'creates the etcd user and group (uid/gid 52034) on etcd nodes' });
}

/** The PodSecurityPolicy pieces of a file carried over from 1.24 (addons, Rancher's template): RKE's addon job or Rancher fails on them from 1.25. */
function removePspLeftovers(doc: Document, root: Path, wrapped: boolean, ctx: HardeningContext): void {
  const addons = valueAt(doc, [...root, 'addons']);
  const psp = typeof addons === 'string' ? withoutPspAddons(addons) : undefined;
  if (psp?.removed.length) {
    if (psp.text.trim()) setScalar(doc, [...root, 'addons'], psp.text);
    else deleteAt(doc, [...root, 'addons']);
    ctx.notes.push(`addons: ${psp.removed.join(', ')} removed (the policy/v1beta1 API is gone in Kubernetes 1.25: RKE's addon job would fail on them)`);
  }
  if (wrapped && valueAt(doc, [PSP_TEMPLATE]) !== undefined) {
    deleteAt(doc, [PSP_TEMPLATE]);
    ctx.notes.push(`${PSP_TEMPLATE} removed: PodSecurityPolicy was removed in Kubernetes 1.25 and Rancher refuses the field on ${ctx.version.text}`);
  }
}
