import type { Fact, FactSnapshot } from '../../model/fact.js';
import { emptySnapshot, formatLocation } from '../../model/fact.js';
import { ArgMap, shownItem, type Provenance } from '../../engine/effective/arg-map.js';
import { distroData } from '../../engine/effective/distro-data.js';
import { inputError } from '../../errors/rke-harden-error.js';
import { assertDistroRelease, minorNumber, parseK8sVersion, type K8sVersion } from '../k8s-version.js';
import { type MergedConfig, type Setting, type SettingItem } from './merge-config-files.js';
import { ARG_KEYS, KNOWN_KEYS } from './rke2-keys.js';
import { acceptedProfiles } from './rke2-profiles.js';
import { fromPatchRelease, inVersionRange } from './version-range.js';
import { exemptionList } from '../../collectors/cluster/namespace-exemptions.js';

const S = '/var/lib/rancher/rke2/server';
const A = '/var/lib/rancher/rke2/agent';

interface ComponentDefaults {
  flags: Record<string, string>;
  byVersion?: { range: string; set?: Record<string, string>; unset?: string[] }[];
}
interface Rke2Data {
  components: Record<string, ComponentDefaults>;
  extendTokenExpirationFalseFrom: string[];
  /** Provider names RKE2 installs as charts (passed as `external`), with the minor each came with. */
  bundledCloudProviders: Record<string, string>;
  awsCloudProviderDroppedFrom: string[];
}

/** A Rancher Cluster's defaultPodSecurityAdmissionConfigurationTemplateName, and the template when it was found beside the Cluster. */
export interface RancherPsaTemplate {
  name: string;
  location?: SettingItem['location'];
  found?: { enforce?: string; namespaces?: string[]; file: string };
}

export interface Rke2Options {
  k8sVersion?: string;
  /** server (default) or agent: agents run only kubelet and kube-proxy. */
  role?: 'server' | 'agent';
  name: string;
  /** Rancher provisioning: the cluster's PSA template supplies the admission configuration. */
  rancherPsaTemplate?: RancherPsaTemplate;
}

const CIS_PROFILES = new Set(['cis', 'cis-1.23', 'cis-1.5', 'cis-1.6']);

/** The layer of --audit-policy-file when the `audit-policy-file` key gives it (a Rancher Cluster's value is the file's content). */
export const AUDIT_POLICY_KEY_LAYER = 'config audit-policy-file';

const defaultFlagsByVersion = new WeakMap<Rke2Data, Map<string, [string, [string, string][]][]>>();

/** Each component's default flags (templates) at this version; the same for every file of a version, so computed once. */
function defaultFlags(data: Rke2Data, version: K8sVersion): [string, [string, string][]][] {
  let byVersion = defaultFlagsByVersion.get(data);
  if (!byVersion) defaultFlagsByVersion.set(data, (byVersion = new Map()));
  const known = byVersion.get(version.text);
  if (known) return known;
  const result = Object.entries(data.components).map(([component, d]): [string, [string, string][]] => {
    const flags: Record<string, string> = { ...d.flags };
    for (const v of d.byVersion ?? []) {
      if (!inVersionRange(version, v.range)) continue;
      Object.assign(flags, v.set ?? {});
      for (const f of v.unset ?? []) delete flags[f];
    }
    return [component, Object.entries(flags)];
  });
  byVersion.set(version.text, result);
  return result;
}

/** The --cloud-provider RKE2 passes for a cloud-provider-name at this release (undefined: none). */
function cloudProviderFlag(name: string, version: K8sVersion, data: Rke2Data): string | undefined {
  const bundledFrom = data.bundledCloudProviders[name];
  if (bundledFrom !== undefined && version.minor >= minorNumber(bundledFrom)) return 'external';
  if (name === 'aws' && fromPatchRelease(version, data.awsCloudProviderDroppedFrom)) return undefined;
  return name || undefined;
}

/** Effective RKE2 configuration of merged config files (or a Rancher Cluster's machine config). */
export function effectiveRke2(cfg: MergedConfig, opts: Rke2Options): FactSnapshot {
  const data = distroData<Rke2Data>('rke2/defaults.yaml');
  const warnings: string[] = [...cfg.warnings];
  const where = (i: SettingItem) => formatLocation(i.location);
  const get = (k: string): Setting | undefined => cfg.settings.get(k);
  const scalar = (k: string): SettingItem | undefined => get(k)?.items.at(-1);

  for (const s of cfg.settings.values()) {
    if (!KNOWN_KEYS.has(s.key)) {
      const first = s.items[0];
      const alias = s.key === 'kube-controller-arg' ? ' (k3s alias not accepted by RKE2: use kube-controller-manager-arg)' : s.key.includes('_') ? ' (RKE2 keys use dashes)' : '';
      warnings.push(`${first ? where(first) : cfg.files[0]}: unknown key ${s.key}${alias}: ignored by RKE2`);
    }
  }

  if (!opts.k8sVersion) throw inputError(`${cfg.files[0] ?? opts.name}: an RKE2 config does not name its version: pass --k8s-version (e.g. v1.31.4+rke2r1)`);
  const version = parseK8sVersion(opts.k8sVersion, '--k8s-version');
  // The target's name: a Rancher Cluster's says which Cluster of its file.
  assertDistroRelease(version, 'rke2', `${opts.name}: version`);
  if (version.minor < 23) throw inputError(`${cfg.files[0] ?? opts.name}: version ${version.text}: RKE2 profiles start at Kubernetes 1.23`);

  const profileItem = scalar('profile');
  const profile = profileItem?.value;
  const rejected = checkProfile(profile, profileItem, version, warnings, where);
  const cis = profile !== undefined && CIS_PROFILES.has(profile);
  const server = (opts.role ?? 'server') === 'server';

  const fill = (t: string): string => {
    const v = t.includes('${') ? t.replace(/\$\{([^}|]+)(?:\|([^}]*))?\}/g, (_m, key: string, d?: string) => scalar(key)?.value ?? d ?? '') : t;
    return v.startsWith('S/') ? `${S}/${v.slice(2)}` : v.startsWith('A/') ? `${A}/${v.slice(2)}` : v;
  };
  const dflt = (layer: string): Provenance => ({ source: 'default', layer });
  const fromItem = (layer: string, i: SettingItem): Provenance => ({ source: 'config', layer, location: i.location });

  const maps: Record<string, ArgMap> = {};
  for (const [component, flags] of defaultFlags(data, version)) {
    const m = new ArgMap(component);
    const layer = dflt(component === 'kubelet' && version.minor >= 32
      ? 'RKE2 default (kubelet config file 00-rke2-defaults.conf)'
      : component === 'etcd' ? 'RKE2 default (etcd config file)' : 'RKE2 default');
    for (const [f, v] of flags) m.set(f, fill(v), layer);
    maps[component] = m;
  }
  const api = maps['kube-apiserver']!;
  const cloud = scalar('cloud-provider-name');
  const passed = cloud && cloudProviderFlag(cloud.value, version, data);
  if (cloud && passed) {
    // RKE2's doing (a default of this release), from the user's key: upgrade-check reads the value it passes.
    const layer: Provenance = { source: 'default', layer: `RKE2 passes cloud-provider-name ${cloud.value} as --cloud-provider`, location: cloud.location };
    for (const c of version.minor <= 32 ? ['kube-apiserver', 'kube-controller-manager', 'kubelet'] : ['kube-controller-manager', 'kubelet']) maps[c]!.set('cloud-provider', passed, layer);
  }

  // Top-level keys that become flags.
  const pkd = scalar('protect-kernel-defaults');
  if (cis) {
    if (pkd && pkd.value === 'false') warnings.push(`${where(pkd)}: protect-kernel-defaults: false with profile ${profile}: RKE2 refuses to start`);
    maps.kubelet!.set('protect-kernel-defaults', 'true', fromItem(`profile: ${profile} forces it`, profileItem!));
  } else if (pkd && pkd.value === 'true') {
    maps.kubelet!.set('protect-kernel-defaults', 'true', fromItem('config protect-kernel-defaults', pkd));
  }
  const psaFile = scalar('pod-security-admission-config-file');
  const auditPolicy = scalar('audit-policy-file');
  if (version.minor >= 25) {
    api.prepend('admission-control-config-file', psaFile?.value ?? '/etc/rancher/rke2/rke2-pss.yaml',
      psaFile ? fromItem('config pod-security-admission-config-file', psaFile) : dflt('RKE2 default (rke2-pss.yaml)'));
  }
  if (cis || auditPolicy) {
    const p = auditPolicy ? fromItem(AUDIT_POLICY_KEY_LAYER, auditPolicy) : fromItem(`profile: ${profile}`, profileItem!);
    api.prepend('audit-policy-file', auditPolicy?.value ?? '/etc/rancher/rke2/audit-policy.yaml', p);
    api.prepend('audit-log-maxage', '30', p);
    api.prepend('audit-log-maxbackup', '10', p);
    api.prepend('audit-log-maxsize', '100', p);
    api.prepend('audit-log-path', `${S}/logs/audit.log`, p);
  }
  if (cis && fromPatchRelease(version, data.extendTokenExpirationFalseFrom)) {
    api.prepend('service-account-extend-token-expiration', 'false', fromItem(`profile: ${profile} (RKE2 ${version.text} adds it)`, profileItem!));
  }
  // RKE2 up to 1.24 enables PodSecurityPolicy whatever the profile (pkg/cli/defaults: its own PSPs are unrestricted without one).
  const enablePrefix = version.minor <= 24 ? 'NodeRestriction,PodSecurityPolicy' : 'NodeRestriction';

  // User *-arg items (k3s GetArgs): `flag=v` replaces the default, `flag+=v` appends after it, `flag-=v` before it.
  for (const [key, component] of Object.entries(ARG_KEYS)) {
    const m = maps[component]!;
    const items = get(key)?.items ?? [];
    if (component === 'kube-apiserver') {
      m.set('enable-admission-plugins', enablePrefix, dflt('RKE2 default (prepended extra arg)'));
    }
    applyArgItems(m, items, key, version, warnings, where, component === 'kube-apiserver' ? ['enable-admission-plugins'] : []);
  }
  if (!server) {
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) {
      if (get(`${c === 'etcd' ? 'etcd' : c}-arg`)) warnings.push(`${cfg.files[0]}: ${c}-arg is ignored on an agent`);
    }
  }

  const snap = emptySnapshot({ kind: 'config', name: opts.name }, 'rke2', version.text);
  const put = (f: Fact) => (snap.facts[f.key] = f);
  for (const [component, m] of Object.entries(maps)) m.toFacts(component).forEach(put);
  // A structured authentication or authorization configuration file replaces RKE2's flag: k3s then
  // leaves --anonymous-auth / --authorization-mode out (k3s-io/k3s#12018, #12245) and the file decides.
  for (const [file, flag] of [['authentication-config', 'anonymous-auth'], ['authorization-config', 'authorization-mode']] as const) {
    const key = `kube-apiserver.args.${flag}`;
    const named = snap.facts[`kube-apiserver.args.${file}`];
    if (!named || snap.facts[key]?.source !== 'default') continue;
    delete snap.facts[key];
    snap.elsewhere = { ...snap.elsewhere, [key]: `${file} names ${String(named.value)}: RKE2 leaves --${flag} to that file, which is not in this configuration: decided by \`audit node\` on the server` };
  }
  // A flag not set anywhere: the evidence names the files and keys that could have set it.
  const files = [...new Set(cfg.files.map((f) => f.split('/').slice(-2).join('/')))].join(', ') || opts.name;
  snap.searched = Object.fromEntries(Object.entries(ARG_KEYS).map(([key, component]) => [`${component}.args`, `${key} in ${files}, RKE2 ${version.text} defaults`]));
  if (profileItem) {
    put({ key: 'rke2.profile', value: profileItem.value, source: 'config', layer: 'config profile', location: profileItem.location });
    // A value this release refuses is no CIS mode: the server does not start with it (0.7 fails).
    if (rejected) put({ key: 'rke2.profile.rejected', value: rejected, source: 'config', layer: 'RKE2 profile validation (distros/rke2/defaults.yaml)', location: profileItem.location });
  }

  // Secrets encryption is forced on servers; RKE2 writes the provider secrets-encryption-provider names
  // (aescbc by default, or secretbox) first, identity after it.
  if (api.get('encryption-provider-config') === `${S}/cred/encryption-config.json`) {
    const chosen = scalar('secrets-encryption-provider');
    const provider = chosen?.value === 'secretbox' ? 'secretbox' : 'aescbc';
    const layer = chosen ? `RKE2 writes the encryption configuration: secrets-encryption-provider ${provider}, then identity` : 'RKE2 forces secrets encryption on servers (aescbc, identity)';
    const at = chosen ? { source: 'config' as const, location: chosen.location } : { source: 'default' as const };
    put({ key: 'encryption.providers', value: [provider, 'identity'], layer, ...at });
    put({ key: 'encryption.provider.first', value: provider, layer, ...at });
  }
  const admission = admissionFactsRke2(version, cis, psaFile, opts.rancherPsaTemplate, data, api);
  admission.facts.forEach(put);
  if (admission.elsewhere) snap.elsewhere = { ...snap.elsewhere, ...admission.elsewhere };

  if (!server) {
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) snap.absent[c] = `no ${c} on an RKE2 agent`;
  } else {
    if (scalar('disable-etcd')?.value === 'true') snap.absent.etcd = 'disable-etcd: true: this server runs no etcd';
    if (scalar('datastore-endpoint')) snap.absent.etcd = 'datastore-endpoint is set: an external datastore replaces etcd';
    if (scalar('disable-apiserver')?.value === 'true') snap.absent['kube-apiserver'] = 'disable-apiserver: true';
    if (scalar('disable-controller-manager')?.value === 'true') snap.absent['kube-controller-manager'] = 'disable-controller-manager: true';
    if (scalar('disable-scheduler')?.value === 'true') snap.absent['kube-scheduler'] = 'disable-scheduler: true';
  }
  if (scalar('disable-kube-proxy')?.value === 'true') snap.absent['kube-proxy'] = 'disable-kube-proxy: true';
  snap.warnings.push(...warnings);
  return snap;
}


/** Warn about the profile value for this release; returns what the release accepts when it refuses the value. */
function checkProfile(profile: string | undefined, item: SettingItem | undefined, version: K8sVersion, warnings: string[], where: (i: SettingItem) => string): string | undefined {
  if (profile === undefined || !item) return undefined;
  const accepted = acceptedProfiles(version);
  if (!accepted) {
    // A release the profile data does not cover: say so rather than claim it refuses the value.
    warnings.push(`${where(item)}: which profile values RKE2 ${version.text} accepts is not known to this rke-harden: check profile: ${profile} against its release notes`);
  } else if (!accepted.includes(profile)) {
    warnings.push(`${where(item)}: profile: ${profile} is rejected by RKE2 ${version.text} (accepts ${accepted.join(', ')}): the server will not start`);
    return `RKE2 ${version.text} accepts ${accepted.join(', ')}`;
  } else if (profile === 'cis-1.23' && version.minor >= 26) {
    warnings.push(`${where(item)}: profile: cis-1.23 is deprecated (use cis); it becomes fatal on RKE2 ≥ v1.30`);
  }
  return undefined;
}

function applyArgItems(m: ArgMap, items: SettingItem[], key: string, version: K8sVersion, warnings: string[], where: (i: SettingItem) => string, keepDefault: string[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    const raw = item.value.replace(/^--/, '');
    const eq = raw.indexOf('=');
    let flag = eq < 0 ? raw : raw.slice(0, eq);
    const value = eq < 0 ? 'true' : raw.slice(eq + 1);
    let mode: 'set' | 'append' | 'prepend' = 'set';
    if (flag.endsWith('+')) { mode = 'append'; flag = flag.slice(0, -1); }
    else if (flag.endsWith('-')) { mode = 'prepend'; flag = flag.slice(0, -1); }
    if (!flag) { warnings.push(`${where(item)}: ${key}: empty flag in "${shownItem(item.value)}"`); continue; }
    // RKE2 passes an item as --<item>: one that is no flag name (`kube-apiserver-arg: 5`) stops the component.
    if (!/^[a-z][a-z0-9-]*$/i.test(flag)) { warnings.push(`${where(item)}: ${key}: "${shownItem(item.value)}" is not flag=value; RKE2 would pass it as --${shownItem(raw)} and the component would refuse to start`); continue; }
    const p: Provenance = { source: 'config', layer: `${item.file.split('/').slice(-2).join('/')} ${key}`, location: item.location };
    if (version.minor < 24) {
      // Before k3s PR #5373 extra args were a map: one occurrence per flag, last item wins.
      m.set(flag, value, p);
      continue;
    }
    // k3s GetArgs: the first item for a flag replaces RKE2's default (`flag+=`/`flag-=` join it instead);
    // every later item is another occurrence of the flag, whatever its form.
    if (seen.has(flag) || keepDefault.includes(flag)) m.append(flag, value, p);
    else if (mode === 'append') m.append(flag, value, p);
    else if (mode === 'prepend') m.prepend(flag, value, p);
    else m.set(flag, value, p);
    seen.add(flag);
  }
}

function admissionFactsRke2(version: K8sVersion, cis: boolean, psaFile: SettingItem | undefined, rancher: Rke2Options['rancherPsaTemplate'], data: Rke2Data, api: ArgMap): { facts: Fact[]; elsewhere?: Record<string, string> } {
  if (version.minor < 25) return { facts: [] };
  const flag = api.get('admission-control-config-file');
  if (rancher) return rancherTemplateFacts(version, rancher);
  if (psaFile || flag !== '/etc/rancher/rke2/rke2-pss.yaml') return { facts: [] }; // a file outside config.yaml: referenced-files reads or defers it
  const layer = cis ? 'RKE2 CIS mode rke2-pss.yaml (restricted)' : 'RKE2 default rke2-pss.yaml (privileged)';
  const exempt = cis ? exemptionList('rke2', version.text).namespaces : [];
  return {
    facts: [
      { key: 'admission.PodSecurity.defaults.enforce', value: cis ? 'restricted' : 'privileged', source: 'default', layer },
      { key: 'admission.PodSecurity.exemptions.namespaces', value: exempt, source: 'default', layer },
      { key: 'admission.EventRateLimit.configured', value: 'false', source: 'default', layer: `${layer}: configures PodSecurity only` },
    ],
  };
}

/** Rancher's own Pod Security templates, by their known content for a version. */
const BUILT_IN_PSA_TEMPLATES: Record<string, (version: K8sVersion) => { enforce: string; namespaces: string[] }> = {
  'rancher-restricted': (version) => ({ enforce: 'restricted', namespaces: exemptionList('rancher-restricted', version.text).namespaces }),
  'rancher-privileged': () => ({ enforce: 'privileged', namespaces: [] }),
};

/** A built-in template's content for a version, or undefined for any other name (never guessed from it). */
export function rancherBuiltInPsaTemplate(name: string, version: K8sVersion): { enforce: string; namespaces: string[] } | undefined {
  return Object.hasOwn(BUILT_IN_PSA_TEMPLATES, name) ? BUILT_IN_PSA_TEMPLATES[name]!(version) : undefined;
}

/** Their names: known by content, never looked for beside the Cluster. */
export const RANCHER_BUILT_IN_PSA_TEMPLATES: ReadonlySet<string> = new Set(Object.keys(BUILT_IN_PSA_TEMPLATES));

/**
 * Pod Security from a Rancher template (Rancher writes the admission configuration from it, PodSecurity
 * only): the built-in ones by their known content, a custom one from its object kept beside the
 * Cluster. A custom template that is not there is not guessed from its name: it is decided on the node.
 */
function rancherTemplateFacts(version: K8sVersion, t: RancherPsaTemplate): { facts: Fact[]; elsewhere?: Record<string, string> } {
  const at = t.location ? { location: t.location } : {};
  const content = t.found ?? rancherBuiltInPsaTemplate(t.name, version);
  if (!content) {
    return { facts: [], elsewhere: { 'admission.PodSecurity': `Pod Security comes from Rancher's template ${t.name}, which is not beside the Cluster: decided by \`audit node\` on the servers` } };
  }
  const layer = t.found ? `Rancher PSA template ${t.name} (${t.found.file})` : `Rancher built-in PSA template ${t.name}`;
  const facts: Fact[] = [{ key: 'admission.EventRateLimit.configured', value: 'false', source: 'config', layer: `${layer}: Rancher's admission configuration holds PodSecurity only`, ...at }];
  if (content.enforce !== undefined) facts.push({ key: 'admission.PodSecurity.defaults.enforce', value: content.enforce, source: 'config', layer, ...at });
  if (content.namespaces !== undefined) facts.push({ key: 'admission.PodSecurity.exemptions.namespaces', value: content.namespaces, source: 'config', layer, ...at });
  return { facts };
}
