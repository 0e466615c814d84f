import { formatLocation, type FactSnapshot } from '../model/fact.js';
import { distroData } from '../engine/effective/distro-data.js';
import { gatesOff, removedGates } from './feature-gates.js';
import { removedApis } from './removed-apis.js';
import type { UpgradeFinding } from './upgrade-finding.js';
import { minorNumber } from '../config/k8s-version.js';

interface RemovedData {
  /** Flags removed in one release, grouped: the same flags of several components, several flags of one. */
  flags: { components: string[]; flags: string[]; removedIn: string }[];
  admissionPlugins: { plugin: string; removedIn: string; fix: string }[];
  cloudProviders: { components: string[]; providers: string[]; removedIn: string; unlessGatesOff?: string[] }[];
  /** The minor from which a component no longer reads --cloud-provider's value at all. */
  cloudProviderIgnoredFrom: Record<string, string>;
}

type RemovedFlag = { component: string; flag: string; removedIn: string };

/** One entry per component and flag. */
export function removedFlags(data: Pick<RemovedData, 'flags'>): RemovedFlag[] {
  return data.flags.flatMap((g) => g.components.flatMap((component) => g.flags.map((flag) => ({ component, flag, removedIn: g.removedIn }))));
}

type Indexed = RemovedFlag & { factKey: string; minor: number };

// Expanded once, with each fact key and minor: every audited file is checked against the ~150 entries.
let expanded: { from: RemovedData; flags: Indexed[] } | undefined;
function removedFlagsOf(data: RemovedData): Indexed[] {
  if (expanded?.from !== data) {
    expanded = { from: data, flags: removedFlags(data).map((r) => ({ ...r, factKey: `${r.component}.args.${r.flag}`, minor: minorNumber(r.removedIn) })) };
  }
  return expanded.flags;
}

/** In-tree cloud providers the components refuse at the target and took at the start: each component and provider once. */
function removedCloudProviders(target: FactSnapshot, data: RemovedData, removedOnTheWay: (m: number) => boolean, toMinor: number): UpgradeFinding[] {
  const findings = new Map<string, UpgradeFinding>();
  // A removal says it before the gates that came earlier: once the code is gone no gate helps.
  const removalsFirst = [...data.cloudProviders].sort((a, b) => Number(!!a.unlessGatesOff) - Number(!!b.unlessGatesOff));
  for (const c of removalsFirst) {
    if (!removedOnTheWay(minorNumber(c.removedIn))) continue;
    for (const component of c.components) {
      const ignoredFrom = data.cloudProviderIgnoredFrom[component];
      if (ignoredFrom !== undefined && toMinor >= minorNumber(ignoredFrom)) continue;
      // RKE1 fills the flag from cloud_provider.name, RKE2 from cloud-provider-name: the value decides, not the layer.
      const f = target.facts[`${component}.args.cloud-provider`];
      const provider = f ? String(f.value) : '';
      if (!f || !c.providers.includes(provider) || findings.has(`${component} ${provider}`)) continue;
      const off = gatesOff(target, component);
      if (c.unlessGatesOff?.every((g) => off.has(g))) continue;
      const external = target.distro === 'rke1' ? 'RKE1: cloud_provider name external-aws for AWS' : 'RKE2: cloud-provider-name: external';
      const gates = c.unlessGatesOff?.map((g) => `${g}=false`).join(',');
      findings.set(`${component} ${provider}`, {
        severity: 'blocking',
        what: c.unlessGatesOff
          ? `${component} --cloud-provider=${provider}: Kubernetes ${c.removedIn} disables the in-tree cloud providers (feature gate${c.unlessGatesOff.length > 1 ? 's' : ''} ${c.unlessGatesOff.join(', ')} on by default): ${component} will not start`
          : `${component} --cloud-provider=${provider}: the in-tree ${provider} cloud provider was removed in Kubernetes ${c.removedIn}: ${component} will not start`,
        where: f.location,
        fix: `run the provider's external cloud controller manager with --cloud-provider=external; ${external}${gates ? `; or, until 1.31, give ${component} --feature-gates ${gates}` : ''}`,
      });
    }
  }
  return [...findings.values()];
}

/** Flags, feature gates, in-tree cloud providers, admission plugins and addon API versions of the configuration that the target Kubernetes version no longer has. */
export function removedUpstream(target: FactSnapshot, fromMinor: number, toMinor: number): UpgradeFinding[] {
  const data = distroData<RemovedData>('removed-upstream.yaml');
  const findings: UpgradeFinding[] = [];
  // Removed by the move: gone at the target, still there at the start.
  const removedOnTheWay = (removedMinor: number) => removedMinor > fromMinor && removedMinor <= toMinor;
  for (const r of removedFlagsOf(data)) {
    if (!removedOnTheWay(r.minor)) continue;
    const f = target.facts[r.factKey];
    if (!f || f.source === 'default') continue;
    findings.push({
      severity: 'blocking',
      what: `${r.component} --${r.flag} was removed in Kubernetes ${r.removedIn}: ${r.component} will not start`,
      where: f.location,
      fix: `remove ${r.flag} from the ${r.component} arguments`,
    });
  }
  findings.push(...removedCloudProviders(target, data, removedOnTheWay, toMinor));
  findings.push(...removedGates(target, removedOnTheWay, toMinor));
  findings.push(...removedApis(target, removedOnTheWay));
  const plugins = target.facts['kube-apiserver.args.enable-admission-plugins'];
  for (const p of data.admissionPlugins) {
    const listed = plugins && String(plugins.value).split(',').includes(p.plugin);
    if (!listed || !removedOnTheWay(minorNumber(p.removedIn))) continue;
    findings.push({
      severity: 'blocking',
      what: `admission plugin ${p.plugin} was removed in Kubernetes ${p.removedIn}: kube-apiserver will not start`,
      where: plugins.location,
      fix: p.fix,
    });
  }
  return findings;
}

/**
 * Warnings for what the configuration gives that its own Kubernetes version no longer has: a component
 * that will not start is worse than any failed control (a template carried over from 1.23, say).
 */
export function removedUpstreamWarnings(snap: FactSnapshot): string[] {
  if (!snap.k8sVersion) return [];
  const toMinor = minorNumber(snap.k8sVersion.replace(/^v/, ''));
  if (!Number.isFinite(toMinor)) return [];
  return removedUpstream(snap, 0, toMinor).map((f) => `${f.where ? formatLocation(f.where) : snap.target.name}: ${f.what} (${f.fix})`);
}
