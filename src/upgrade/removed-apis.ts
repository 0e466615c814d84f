import type { FactSnapshot } from '../model/fact.js';
import { distroData } from '../engine/effective/distro-data.js';
import type { UpgradeFinding } from './upgrade-finding.js';
import { minorNumber } from '../config/k8s-version.js';

/** distros/removed-apis.yaml: the kinds an apiVersion no longer serves, from a minor on. */
interface RemovedApis {
  apis: { apiVersion: string; kinds: string[]; removedIn: string }[];
}

type AddonObject = { apiVersion: string; kind: string; name: string; line: number; column: number };

/**
 * The RKE1 addons written in an apiVersion the move stops serving: RKE's addon job fails on them. One
 * finding per apiVersion and kind, naming the objects. PodSecurityPolicy objects have their own finding
 * (with the fix harden config makes): not said twice.
 */
export function removedApis(target: FactSnapshot, removedOnTheWay: (m: number) => boolean): UpgradeFinding[] {
  const f = target.facts['rke1.addons.objects'];
  if (!f || !Array.isArray(f.value)) return [];
  const objects = f.value as AddonObject[];
  const findings: UpgradeFinding[] = [];
  for (const api of distroData<RemovedApis>('removed-apis.yaml').apis) {
    if (!removedOnTheWay(minorNumber(api.removedIn))) continue;
    for (const kind of api.kinds.filter((k) => k !== 'PodSecurityPolicy')) {
      const found = objects.filter((o) => o.apiVersion === api.apiVersion && o.kind === kind);
      if (found.length === 0) continue;
      const names = found.map((o) => o.name);
      findings.push({
        severity: 'blocking',
        what: `addons hold ${kind} ${names.join(', ')} in ${api.apiVersion}, which Kubernetes ${api.removedIn} no longer serves: RKE's addon job fails on ${names.length === 1 ? 'it' : 'them'}`,
        // The first such object's document in cluster.yml.
        where: f.location ? { file: f.location.file, line: found[0]!.line, column: found[0]!.column } : undefined,
        fix: `write ${names.length === 1 ? 'it' : 'them'} in a served apiVersion of ${kind} before upgrading; kubernetes.io/docs/reference/using-api/deprecation-guide says which`,
      });
    }
  }
  return findings;
}
