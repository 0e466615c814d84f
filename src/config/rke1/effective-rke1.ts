import type { Fact, FactSnapshot } from '../../model/fact.js';
import { emptySnapshot } from '../../model/fact.js';
import { coversSecrets } from '../../collectors/node/apiserver-files.js';
import { rancherBuiltInPsaTemplate } from '../rke2/effective-rke2.js';
import { ArgMap, type Provenance } from '../../engine/effective/arg-map.js';
import { distroData, type Rke1Defaults, type FlagTable } from '../../engine/effective/distro-data.js';
import { inputError } from '../../errors/rke-harden-error.js';
import type { LocatedYaml } from '../read-yaml-file.js';
import { YamlAccess, isRecord, valueAtPath, type YamlPath } from '../yaml-access.js';
import { RANCHER_WRAPPER_KEYS, RKE1_SERVICES, RKE1_TOP_KEYS, sectionsRkeUpIgnores, serviceSpellings } from './cluster-yml-keys.js';
import { parseK8sVersion } from '../k8s-version.js';
import { admissionFacts } from './admission-rke1.js';
import { rke1ServiceOptions } from './rke1-version.js';
import { evaluatedVersion } from '../config-version.js';
import { withoutPspAddons } from './psp-addons.js';
import { addonObjects } from './addon-documents.js';
import { oncePerKey } from '../../once-per-object.js';

const SSL = '/etc/kubernetes/ssl';

type TemplatePart = string | { field: string[]; dflt?: string };

/** A plan default's template (`--flag=${services.kube-api.x|default}`) as text and fields, split once per process: every audited file fills them. */
const templateParts = oncePerKey((template): TemplatePart[] => {
  const parts: TemplatePart[] = [];
  let at = 0;
  for (const m of template.matchAll(/\$\{([^}|]+)(?:\|([^}]*))?\}/g)) {
    if (m.index > at) parts.push(template.slice(at, m.index));
    parts.push(m[2] === undefined ? { field: m[1]!.split('.') } : { field: m[1]!.split('.'), dflt: m[2] });
    at = m.index + m[0].length;
  }
  if (at < template.length || parts.length === 0) parts.push(template.slice(at));
  return parts;
});

/** Effective RKE1 configuration of a cluster.yml (or Rancher cluster with rancher_kubernetes_engine_config). */
export function effectiveRke1(y: LocatedYaml, opts: { k8sVersion?: string; overrideVersion?: boolean }): FactSnapshot {
  const warnings: string[] = [...y.warnings];
  const wrapped = valueAtPath(y.value, ['rancher_kubernetes_engine_config']) !== undefined;
  // rke up decodes cluster.yml with go-yaml v2; Rancher's cluster objects come through its API instead.
  const a = new YamlAccess(y, warnings, { yamlV2: !wrapped });
  if (!isRecord(y.value)) a.fail([], 'a cluster.yml is a map of settings');
  const root: YamlPath = wrapped ? ['rancher_kubernetes_engine_config'] : [];
  if (wrapped) a.warnUnknown([], RANCHER_WRAPPER_KEYS);
  a.map(root);
  a.warnUnknown(root, RKE1_TOP_KEYS);

  const versionText = evaluatedVersion(a.string([...root, 'kubernetes_version']), a.where([...root, 'kubernetes_version']), opts, warnings);
  if (!versionText) {
    throw inputError(`${a.where([...root, 'kubernetes_version'])}: kubernetes_version is not set: pass --k8s-version`);
  }
  const version = parseK8sVersion(versionText, `${a.where([...root, 'kubernetes_version'])}: kubernetes_version`);
  const data = distroData<Rke1Defaults>('rke1/defaults.yaml');
  const { key: kdmKey, options: kdm, assumedFrom } = rke1ServiceOptions(version, `${a.where([...root, 'kubernetes_version'])}: kubernetes_version`);
  const kdmLayer = assumedFrom ? `KDM service options ${kdmKey} (assumed for v${version.major}.${version.minor})` : `KDM service options ${kdmKey}`;
  if (assumedFrom) {
    warnings.push(`${a.where([...root, 'kubernetes_version'])}: RKE's service options for v${version.major}.${version.minor} are not in this tool's data: ${assumedFrom}'s are assumed for the defaults (a setting the file gives is read as given)`);
  }

  // Locate each service section under either spelling.
  const services = a.map([...root, 'services']) ?? {};
  a.warnUnknown([...root, 'services'], Object.values(RKE1_SERVICES).flatMap((s) => s.spellings));
  const svcPath = (component: string): YamlPath => {
    const spellings = serviceSpellings(component, wrapped);
    return [...root, 'services', spellings.find((s) => services[s] !== undefined) ?? spellings[0]!];
  };
  for (const { spelling, rkeReads } of sectionsRkeUpIgnores(services, wrapped)) {
    warnings.push(`${a.where([...root, 'services', spelling])}: services.${spelling} is ignored by rke up, which reads services.${rkeReads} (${spelling} is how Rancher's API spells it): its settings are not applied`);
  }
  for (const component of Object.keys(RKE1_SERVICES)) {
    // Said once per service here; svcPath is asked many times.
    const present = serviceSpellings(component, wrapped).filter((s) => services[s] !== undefined);
    if (present.length > 1) warnings.push(`${a.where([...root, 'services', present[1]!])}: both ${present.join(' and ')} are set; ${present[0]} is used`);
    a.map(svcPath(component));
    a.warnUnknown(svcPath(component), RKE1_SERVICES[component]!.keys, 'RKE reads flags only under extra_args');
  }
  const api = svcPath('kube-apiserver');
  const kubeletPath = svcPath('kubelet');
  const etcdPath = svcPath('etcd');

  const prov = (layer: string, path?: YamlPath): Provenance => ({
    source: path ? 'config' : 'default',
    layer,
    ...(path ? { location: a.locate(path) } : {}),
  });

  /** `${services.kube-api.x|default}` from cluster.yml; node-specific values stay `<placeholder>`. */
  const fill = (template: string): string => {
    const parts = templateParts(template);
    if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
    return parts
      .map((p) => {
        if (typeof p === 'string') return p;
        const [head, section, ...rest] = p.field;
        if (head === 'services') {
          const comp = Object.keys(RKE1_SERVICES).find((c) => serviceSpellings(c, wrapped).includes(section!));
          const v = comp ? a.text([...svcPath(comp), ...rest]) : undefined;
          return v ?? p.dflt ?? '';
        }
        if (head === 'cloud_provider') return a.text([...root, ...p.field]) ?? p.dflt ?? '';
        return `<${p.field.join('.')}>`;
      })
      .join('');
  };

  const maps: Record<string, ArgMap> = {};
  const base: FlagTable = data.planBaseArgs;
  for (const component of Object.keys(RKE1_SERVICES)) {
    const m = new ArgMap(component);
    const planDefault = prov('RKE plan default');
    for (const [flag, value] of Object.entries(base[component] ?? {})) m.set(flag, fill(value), planDefault);
    maps[component] = m;
  }
  const apiArgs = maps['kube-apiserver']!;

  // Conditionals RKE applies before the KDM service options.
  // RKE decodes these into structs: a scalar (`authorization: rbac`) makes `rke up` fail, not default.
  for (const section of [[...root, 'authorization'], [...api, 'secrets_encryption_config'], [...api, 'audit_log'], [...api, 'event_rate_limit']]) a.map(section);
  const encryptionEnabled = a.bool([...api, 'secrets_encryption_config', 'enabled']) === true;
  if (encryptionEnabled) {
    apiArgs.set('encryption-provider-config', `${SSL}/encryption.yaml`, prov('cluster.yml secrets_encryption_config', [...api, 'secrets_encryption_config', 'enabled']));
  }
  if (a.bool([...kubeletPath, 'generate_serving_certificate']) === true) {
    const p = prov('cluster.yml kubelet.generate_serving_certificate', [...kubeletPath, 'generate_serving_certificate']);
    apiArgs.set('kubelet-certificate-authority', `${SSL}/kube-ca.pem`, p);
    maps.kubelet!.set('tls-cert-file', `${SSL}/kube-kubelet-<node-ip>.pem`, p);
    maps.kubelet!.set('tls-private-key-file', `${SSL}/kube-kubelet-<node-ip>-key.pem`, p);
  }

  // KDM service options for the version; an empty value deletes the flag.
  for (const [component, flags] of Object.entries(kdm)) {
    const m = maps[component];
    if (!m) continue;
    for (const [flag, value] of Object.entries(flags)) {
      if (value === '') m.delete(flag);
      else m.set(flag, String(value), prov(kdmLayer));
    }
  }

  // Conditionals RKE applies after KDM (kube-apiserver).
  const authzMode = a.string([...root, 'authorization', 'mode']) ?? 'rbac';
  if (authzMode === 'rbac') apiArgs.set('authorization-mode', 'Node,RBAC', prov(a.at([...root, 'authorization', 'mode']) ? 'cluster.yml authorization.mode' : 'RKE default (authorization.mode rbac)', a.at([...root, 'authorization', 'mode']) ? [...root, 'authorization', 'mode'] : undefined));
  else apiArgs.delete('authorization-mode');
  const addPlugin = (plugin: string, path: YamlPath, layer: string) => {
    const current = apiArgs.get('enable-admission-plugins');
    apiArgs.set('enable-admission-plugins', current ? `${current},${plugin}` : plugin, prov(layer, path));
  };
  if (a.bool([...api, 'always_pull_images']) === true) addPlugin('AlwaysPullImages', [...api, 'always_pull_images'], 'cluster.yml always_pull_images');
  if (a.bool([...api, 'event_rate_limit', 'enabled']) === true) addPlugin('EventRateLimit', [...api, 'event_rate_limit', 'enabled'], 'cluster.yml event_rate_limit');
  if (a.bool([...api, 'pod_security_policy']) === true) {
    if (version.minor >= 25) warnings.push(`${a.where([...api, 'pod_security_policy'])}: pod_security_policy: true is rejected by RKE ≥ v1.4.3 on Kubernetes ≥ 1.25 (PodSecurityPolicy was removed); RKE will refuse this cluster.yml`);
    addPlugin('PodSecurityPolicy', [...api, 'pod_security_policy'], 'cluster.yml pod_security_policy');
    apiArgs.set('runtime-config', 'policy/v1beta1/podsecuritypolicy=true', prov('cluster.yml pod_security_policy', [...api, 'pod_security_policy']));
  }
  const addons = a.string([...root, 'addons']);
  const psp = pspLeftovers(a, root, wrapped, addons);
  if (version.minor >= 25) warnings.push(...psp.map((f) => f.warning));
  const auditFacts = applyAuditLog(a, api, apiArgs, prov, warnings);

  // extra_args replace (never append); extra_args_array adds repeated occurrences after them.
  for (const component of Object.keys(RKE1_SERVICES)) {
    const m = maps[component]!;
    const p = svcPath(component);
    const extra = a.map([...p, 'extra_args']) ?? {};
    for (const flag of Object.keys(extra)) {
      const value = a.text([...p, 'extra_args', flag]) ?? '';
      m.set(flag.replace(/^--/, ''), value, prov('cluster.yml extra_args', [...p, 'extra_args', flag]));
    }
    const arrays = a.map([...p, 'extra_args_array']) ?? {};
    for (const flag of Object.keys(arrays)) {
      const items = a.list([...p, 'extra_args_array', flag]) ?? [];
      items.forEach((_, i) => {
        const value = a.text([...p, 'extra_args_array', flag, i]) ?? '';
        m.append(flag.replace(/^--/, ''), value, prov('cluster.yml extra_args_array', [...p, 'extra_args_array', flag, i]));
      });
    }
  }
  if (authzMode === 'rbac') {
    // RKE passes this in the container command after every flag, so it wins over extra_args.
    maps['kube-controller-manager']!.append('use-service-account-credentials', 'true', prov('RKE container command (authorization.mode rbac)'));
  }

  const snap = emptySnapshot({ kind: 'config', name: y.file }, 'rke1', versionText);
  const put = (f: Fact) => (snap.facts[f.key] = f);
  for (const [component, m] of Object.entries(maps)) m.toFacts(component).forEach(put);
  // A flag not set anywhere: the evidence names the layers that could have set it.
  snap.searched = {
    ...Object.fromEntries(Object.keys(maps).map((c) => [`${c}.args`, `cluster.yml ${svcPath(c).join('.')}.extra_args, ${kdmLayer}, RKE plan defaults`])),
    'rke1.etcd': `cluster.yml ${etcdPath.join('.')}.uid and .gid (RKE's default: etcd runs as root)`,
    encryption: `cluster.yml ${api.join('.')}.secrets_encryption_config (off by default: no encryption provider configuration)`,
  };
  auditFacts.forEach(put);
  psp.forEach((f) => put(f.fact)); // upgrade-check blocks a move to 1.25 on them
  // The objects of addons, each where its document starts, for the API versions a release stops serving (removed-apis).
  const objects = addons ? addonObjects(addons) : [];
  if (objects.length) {
    const at = addonLines(a, [...root, 'addons']);
    const value = objects.map(({ line, ...o }) => ({ ...o, ...at(line) }));
    put({ key: 'rke1.addons.objects', value, source: 'config', layer: 'cluster.yml addons', location: a.locate([...root, 'addons']) });
  }
  admissionFacts(a, api, apiArgs, version.minor, warnings).forEach(put);
  // Rancher renders a cluster's Pod Security Admission template into the admission configuration.
  // Rancher's built-in templates are known by content; a custom one is never guessed from its name.
  const psact = wrapped ? a.string(['default_pod_security_admission_configuration_template_name']) : undefined;
  if (psact && version.minor >= 25) {
    const builtIn = rancherBuiltInPsaTemplate(psact, version);
    if (builtIn) {
      put({ key: 'admission.PodSecurity.defaults.enforce', value: builtIn.enforce, source: 'config', layer: `Rancher built-in PSA template ${psact}`, location: a.locate(['default_pod_security_admission_configuration_template_name']) });
    } else {
      for (const key of Object.keys(snap.facts).filter((k) => k.startsWith('admission.PodSecurity.'))) delete snap.facts[key];
      snap.elsewhere = { ...snap.elsewhere, 'admission.PodSecurity': `Pod Security comes from Rancher's template ${psact}, whose content is not in this file: decided by \`audit node\` on the servers` };
    }
  }
  encryptionFacts(a, api, apiArgs, encryptionEnabled).forEach(put);

  for (const id of ['uid', 'gid'] as const) {
    const v = a.int([...etcdPath, id]);
    if (v !== undefined) put({ key: `rke1.etcd.${id}`, value: String(v), source: 'config', layer: `cluster.yml services.etcd.${id}`, location: a.locate([...etcdPath, id]) });
  }
  if ((a.list([...etcdPath, 'external_urls']) ?? []).length > 0) snap.absent.etcd = 'etcd is external (services.etcd.external_urls): RKE runs no etcd to audit';
  snap.warnings.push(...warnings);
  return snap;
}

/**
 * The audit flags and policy as RKE sets them (cluster/defaults.go, plan.go, hosts.go): no audit_log
 * section means auditing on with the default configuration (30/10/100, the Metadata policy).
 * `enabled: true` without a configuration gets the default one; with a configuration, only its policy
 * is defaulted and a number or path left out is passed as 0 or empty. `enabled` false or left out turns
 * auditing off: with a configuration the flags are still passed, but no policy file is deployed.
 */
function applyAuditLog(a: YamlAccess, api: YamlPath, args: ArgMap, prov: (l: string, p?: YamlPath) => Provenance, warnings: string[]): Fact[] {
  const path = [...api, 'audit_log'];
  const section = a.map(path);
  const enabled = section === undefined || a.bool([...path, 'enabled']) === true;
  const conf = a.map([...path, 'configuration']);
  if (!enabled && !conf) return [];
  const c = [...path, 'configuration'];
  const layer = section ? 'cluster.yml audit_log' : 'RKE default (audit_log enabled)';
  const where = section ? [...path, ...(conf ? ['configuration'] : ['enabled'])] : undefined;
  // Without a configuration RKE fills in its defaults; with one, what is left out is Go's zero value.
  const value = (key: string, dflt: string, zero: string) => (conf ? (a.text([...c, key]) ?? zero) : dflt);
  const at = (key: string) => (a.at([...c, key]) !== undefined ? [...c, key] : where);
  args.set('audit-log-path', value('path', '/var/log/kube-audit/audit-log.json', ''), prov(layer, at('path')));
  args.set('audit-log-maxage', value('max_age', '30', '0'), prov(layer, at('max_age')));
  args.set('audit-log-maxbackup', value('max_backup', '10', '0'), prov(layer, at('max_backup')));
  args.set('audit-log-maxsize', value('max_size', '100', '0'), prov(layer, at('max_size')));
  args.set('audit-log-format', value('format', 'json', ''), prov(layer, at('format')));
  args.set('audit-policy-file', '/etc/kubernetes/audit-policy.yaml', prov(layer, where));
  if (!enabled) {
    warnings.push(`${a.where(a.at([...path, 'enabled']) !== undefined ? [...path, 'enabled'] : path)}: audit_log is not enabled (enabled: true is missing) but configuration is set: RKE still passes the audit flags yet deploys no policy file`);
    return [];
  }
  // RKE deploys its policy file only when extra_args does not name another one (hosts.go).
  if (a.at([...api, 'extra_args', 'audit-policy-file']) !== undefined) return [];
  const policy = a.map([...c, 'policy']);
  return [{
    key: 'audit.policy.present',
    value: 'true',
    source: section ? 'config' : 'default',
    layer: policy ? 'cluster.yml audit_log.configuration.policy' : 'RKE default audit policy (level Metadata)',
    ...(section ? { location: a.locate(policy ? [...c, 'policy'] : path) } : {}),
  }];
}

function encryptionFacts(a: YamlAccess, api: YamlPath, args: ArgMap, enabled: boolean): Fact[] {
  if (!enabled || args.get('encryption-provider-config') !== `${SSL}/encryption.yaml`) return [];
  const custom = a.map([...api, 'secrets_encryption_config', 'custom_config']);
  let providers = ['aescbc', 'identity'];
  let location = a.locate([...api, 'secrets_encryption_config', 'enabled']);
  let layer = 'RKE generated encryption config (aescbc, identity)';
  if (custom) {
    const resources = a.list([...api, 'secrets_encryption_config', 'custom_config', 'resources']) ?? [];
    const first = resources.find((r) => isRecord(r) && coversSecrets(r.resources)) as Record<string, unknown> | undefined;
    // No entry for Secrets (by name or wildcard): the API server stores them as they are (identity).
    providers = !first ? ['identity'] : Array.isArray(first.providers) ? (first.providers as unknown[]).flatMap((p) => (isRecord(p) ? Object.keys(p) : [])) : [];
    location = a.locate([...api, 'secrets_encryption_config', 'custom_config']);
    layer = 'cluster.yml secrets_encryption_config.custom_config';
  }
  return [
    { key: 'encryption.providers', value: providers, source: 'config', layer, location },
    ...(providers[0] ? [{ key: 'encryption.provider.first', value: providers[0], source: 'config' as const, layer, location }] : []),
  ];
}

/**
 * Where line N (0-based) of a string value is in the file: in a literal block (`addons: |-`, how addons are
 * written) the value's lines are the file's lines after the key, indented; any other style: the value's start.
 */
function addonLines(a: YamlAccess, path: YamlPath): (line: number) => { line: number; column: number } {
  const start = a.locate(path);
  const lines = a.y.text.split('\n');
  if (start.line === undefined || !/^\|[-+]?\s*(#.*)?$/.test(lines[start.line - 1]!.slice((start.column ?? 1) - 1))) return () => ({ line: start.line ?? 1, column: start.column ?? 1 });
  const first = lines.slice(start.line).find((l) => l.trim() !== '') ?? '';
  const indent = first.length - first.trimStart().length;
  return (line) => ({ line: start.line! + 1 + line, column: indent + 1 });
}

/**
 * What a cluster.yml holds for PodSecurityPolicy beyond pod_security_policy: policy objects in addons,
 * Rancher's template. Carried over to Kubernetes 1.25, RKE's addon job or Rancher fails on them.
 */
function pspLeftovers(a: YamlAccess, root: YamlPath, wrapped: boolean, addons: string | undefined): { fact: Fact; warning: string }[] {
  const found: { fact: Fact; warning: string }[] = [];
  const objects = addons ? withoutPspAddons(addons).removed : [];
  if (objects.length) {
    found.push({
      fact: { key: 'rke1.addons.podSecurityPolicyObjects', value: objects, source: 'config', layer: 'cluster.yml addons', location: a.locate([...root, 'addons']) },
      warning: `${a.where([...root, 'addons'])}: addons hold ${objects.join(', ')}: the policy/v1beta1 API was removed in Kubernetes 1.25 and RKE's addon job fails on them`,
    });
  }
  const template = wrapped ? a.string(['default_pod_security_policy_template_id']) : undefined;
  if (template) {
    found.push({
      fact: { key: 'rancher.podSecurityPolicyTemplate', value: template, source: 'config', layer: 'Rancher cluster default_pod_security_policy_template_id', location: a.locate(['default_pod_security_policy_template_id']) },
      warning: `${a.where(['default_pod_security_policy_template_id'])}: a PodSecurityPolicy template is refused by Rancher on Kubernetes 1.25 and later`,
    });
  }
  return found;
}
