import { stringify, type Document } from 'yaml';
import { exemptionList } from '../collectors/cluster/namespace-exemptions.js';
import { keysRancherDrops, MACHINE_GLOBAL_CONFIG, rancherConfigMaps } from '../config/rancher-config-maps.js';
import type { Companion, HardeningContext } from './hardening-context.js';
import { AUDIT_POLICY, hardenRke2, layeredPlacement, type Rke2Placement } from './rke2-hardening.js';
import { deleteAt, ensureSeq, setScalar, valueAt, type Path } from './yaml-edit.js';

const SPEC = ['spec'];
const RKE_CONFIG = [...SPEC, 'rkeConfig'];
const GLOBAL = MACHINE_GLOBAL_CONFIG;
const PSA_TEMPLATE = [...SPEC, 'defaultPodSecurityAdmissionConfigurationTemplateName'];
const PSP_TEMPLATE = [...SPEC, 'defaultPodSecurityPolicyTemplateName'];


/**
 * Pod Security as Rancher's hardening guide sets it for a provisioned cluster: the built-in
 * `rancher-restricted` template (1.25+) or the `restricted-noroot` PSP template (earlier). Rancher then
 * writes the admission configuration itself, so config.yaml must not name one. Returns true when
 * Rancher's template carries Pod Security (the config.yaml route is skipped).
 */
function rancherPodSecurity(doc: Document, ctx: HardeningContext, at: (key: string) => Path): boolean {
  const v = ctx.version;
  if (v.minor < 25) {
    if (valueAt(doc, PSP_TEMPLATE) === undefined) setScalar(doc, PSP_TEMPLATE, 'restricted-noroot');
    return true;
  }
  if (valueAt(doc, PSP_TEMPLATE) !== undefined) {
    deleteAt(doc, PSP_TEMPLATE);
    ctx.notes.push(`defaultPodSecurityPolicyTemplateName removed: PodSecurityPolicy was removed in Kubernetes 1.25 and Rancher refuses the field on ${v.text}`);
  }
  if (valueAt(doc, at('pod-security-admission-config-file')) !== undefined) return false; // theirs: the config.yaml route notes it
  // An empty name (a Terraform default) is no template to Rancher, as to audit config.
  const named = valueAt(doc, PSA_TEMPLATE);
  const current = named === null || named === '' ? undefined : named;
  if (ctx.psa === 'baseline') {
    ctx.notes.push('--psa baseline: Rancher has no built-in baseline template; create a PodSecurityAdmissionConfigurationTemplate that enforces baseline and name it in spec.defaultPodSecurityAdmissionConfigurationTemplateName');
    return true;
  }
  if (current === undefined || current === 'rancher-privileged') {
    if (current !== undefined) ctx.notes.push('defaultPodSecurityAdmissionConfigurationTemplateName: rancher-privileged → rancher-restricted (Pod Security restricted, Rancher\'s system namespaces exempt)');
    setScalar(doc, PSA_TEMPLATE, 'rancher-restricted');
  } else if (current !== 'rancher-restricted') {
    // Yours: read when it is kept beside the Cluster (as audit config reads it), never edited from here.
    const found = ctx.psaTemplateBeside(String(current));
    const exempt = found?.namespaces?.length ? `exempts ${found.namespaces.join(', ')}` : 'exempts no namespace';
    ctx.notes.push(!found
      ? `defaultPodSecurityAdmissionConfigurationTemplateName: ${String(current)} is yours: make sure it enforces restricted and exempts only the namespaces that need it`
      : found.enforce === 'restricted'
      ? `defaultPodSecurityAdmissionConfigurationTemplateName: ${String(current)} (${found.file}) enforces restricted and ${exempt}: keep the exemptions to the namespaces that need them`
      : `defaultPodSecurityAdmissionConfigurationTemplateName: ${String(current)} (${found.file}) enforces ${found.enforce ?? 'privileged'}: set configuration.defaults.enforce: restricted in it`);
  }
  const builtIn = new Set(exemptionList('rancher-restricted', ctx.version.text).namespaces);
  const extra = ctx.exemptNamespaces.filter((n) => !builtIn.has(n));
  if (extra.length && (current === undefined || current === 'rancher-privileged' || current === 'rancher-restricted')) {
    ctx.notes.push(`rancher-restricted does not exempt ${extra.join(', ')}: create a PodSecurityAdmissionConfigurationTemplate from it with them added, and name it in spec.defaultPodSecurityAdmissionConfigurationTemplateName`);
  }
  if (ctx.checks.has('apiserver-admission-event-rate-limit-enabled')) {
    ctx.staysOpen.add('apiserver-admission-event-rate-limit-enabled');
    ctx.notes.push('CIS 1.2.9 (EventRateLimit) stays open: Rancher writes the admission configuration from the template, which holds Pod Security only; record a waiver');
  }
  return true;
}

/**
 * Where a config.yaml key of a Rancher Cluster is edited, per set of machines, in the order `audit
 * config` gives their targets: the machines no selector entry picks out, then those of each entry with
 * a machineLabelSelector. Each is the maps Rancher merges for them, machineGlobalConfig first even when
 * absent (new keys go there).
 */
export function rancherPlacements(doc: Document): Rke2Placement[] {
  const maps = rancherConfigMaps(doc.toJS());
  const placementOf = (paths: Path[]) => layeredPlacement([GLOBAL, ...paths.filter((p) => p !== MACHINE_GLOBAL_CONFIG)].map((path) => ({ doc, path })), false);
  return [placementOf(maps.unselected), ...maps.scoped.map((i) => placementOf(maps.forScoped(i)))];
}

/**
 * Edit a Rancher provisioning Cluster (provisioning.cattle.io/v1) for RKE2 into its hardened form. A
 * config.yaml key already set in one of the maps Rancher merges is edited where it wins (the last
 * one that has it); a new key goes to machineGlobalConfig. An entry with a machineLabelSelector is
 * edited only where it would otherwise undo the hardening on the machines it matches. The audit policy is delivered by Rancher; the
 * other companion files must reach the machines some other way.
 */
export function hardenRancherRke2(doc: Document, ctx: HardeningContext): void {
  for (const { path, why } of keysRancherDrops(doc.toJS())) ctx.notes.push(`${path.join('.')}: ${why}`);
  const [placement, ...scoped] = rancherPlacements(doc);
  const psaElsewhere = rancherPodSecurity(doc, ctx, (key) => placement!.at(key).path);
  hardenRke2(ctx, { ...placement!, psaElsewhere, fileKeysAreContent: true });
  // A machine a selector entry matches merges that entry last: a key it sets (a *-arg list too) replaces
  // what machineGlobalConfig says on that machine. The hardening is repeated where it wins for them; for
  // keys the entry does not set, that is where the first pass put them, so nothing changes twice.
  for (const p of scoped) hardenRke2({ ...ctx, notes: [], companions: [], manifests: [] }, { ...p, psaElsewhere, fileKeysAreContent: true });
  const policy = ctx.companions.find((c) => c.nodePath === AUDIT_POLICY);
  if (policy) deliverThroughRancher(doc, ctx, policy);
  ctx.notes.push('Rancher provisions the machines: put the other companion files (kernel parameters, etcd user) on them before they join, with your node image or cloud-init');
}

const AUDIT_POLICY_KEY = 'audit-policy.yaml';

/**
 * The audit policy is read by RKE2 itself, so Rancher can deliver it: a machineSelectorFiles entry
 * puts it on the control-plane machines from a ConfigMap in the Cluster's namespace, which must carry
 * the annotation that authorises this cluster to read it (Rancher's rule for file sources).
 */
function deliverThroughRancher(doc: Document, ctx: HardeningContext, policy: Companion): void {
  const cluster = String(valueAt(doc, ['metadata', 'name']) ?? 'cluster');
  const namespace = String(valueAt(doc, ['metadata', 'namespace']) ?? 'fleet-default');
  const configMap = `${cluster}-rke-harden-files`;
  const entries = valueAt(doc, [...RKE_CONFIG, 'machineSelectorFiles']);
  const delivering = Array.isArray(entries) ? entries.filter((e) => JSON.stringify(e).includes(JSON.stringify(policy.nodePath))) : [];
  // An entry of the user's that delivers a file at that path delivers their policy: it is kept, ours is not offered.
  if (delivering.length && !JSON.stringify(delivering).includes(JSON.stringify(configMap))) {
    ctx.notes.push(`rkeConfig.machineSelectorFiles already delivers ${policy.nodePath}: your audit policy is kept (it decides what is logged, CIS 3.2.1)`);
    ctx.companions.splice(ctx.companions.indexOf(policy), 1);
    return;
  }
  if (!delivering.length) {
    ensureSeq(doc, [...RKE_CONFIG, 'machineSelectorFiles']).add(doc.createNode({
      fileSources: [{ configMap: { name: configMap, items: [{ key: AUDIT_POLICY_KEY, path: policy.nodePath, permissions: `0${policy.mode.toString(8)}` }] } }],
      machineLabelSelector: { matchLabels: { 'rke.cattle.io/control-plane-role': 'true' } },
    }));
  }
  ctx.manifests.push({
    fileName: `${configMap}.yaml`,
    text: stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMap, namespace, annotations: { 'rke.cattle.io/object-authorized-for-clusters': cluster } },
      data: { [AUDIT_POLICY_KEY]: policy.text },
    }, { blockQuote: 'literal' }),
    purpose: `ConfigMap ${namespace}/${configMap} holding the audit policy that machineSelectorFiles puts on the control-plane machines: apply it to Rancher's management cluster before the Cluster`,
  });
}
