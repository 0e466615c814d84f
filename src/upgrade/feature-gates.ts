import type { FactSnapshot } from '../model/fact.js';
import { distroData } from '../engine/effective/distro-data.js';
import { gatesOf } from '../collectors/node/kubelet-config.js';
import { oncePerObject } from '../once-per-object.js';
import type { UpgradeFinding } from './upgrade-finding.js';
import { minorNumber } from '../config/k8s-version.js';

/** distros/feature-gates.yaml (generated from the Kubernetes source): by minor, the gates removed and the ones locked. */
interface FeatureGateData {
  removed: Record<string, string[]>;
  locked: Record<string, Record<string, boolean>>;
}

/** What the data says of one gate: the minor that removed it, the minor from which it is locked, and to what. */
interface GateHistory {
  removedIn?: string;
  locked?: { in: string; to: boolean };
}

/** Every component that takes --feature-gates (all register the same gates). */
const GATED_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'];

// strconv.ParseBool, as the components read a gate's value.
const GO_BOOL: Record<string, boolean> = { '1': true, t: true, T: true, TRUE: true, true: true, True: true, '0': false, f: false, F: false, FALSE: false, false: false, False: false };

// Indexed once by gate name: the data lists ~250 removed and ~250 locked gates by minor.
const historyOf = oncePerObject((data: FeatureGateData): Map<string, GateHistory> => {
  const index = new Map<string, GateHistory>();
  const entry = (gate: string) => index.get(gate) ?? index.set(gate, {}).get(gate)!;
  for (const [v, gates] of Object.entries(data.removed)) for (const g of gates) entry(g).removedIn = v;
  for (const [v, gates] of Object.entries(data.locked)) for (const [g, to] of Object.entries(gates)) entry(g).locked = { in: v, to };
  return index;
});

/**
 * Gates a component is given that the move removes, or locks to the other value: the component will not
 * start. The distro's own defaults are not the user's (the distro adapts them per release).
 */
export function removedGates(target: FactSnapshot, removedOnTheWay: (m: number) => boolean, toMinor: number): UpgradeFinding[] {
  const history = historyOf(distroData<FeatureGateData>('feature-gates.yaml'));
  const findings: UpgradeFinding[] = [];
  for (const component of GATED_COMPONENTS) {
    const f = target.facts[`${component}.args.feature-gates`];
    // A kubelet config file's featureGates are in this fact too (the node collector merges them in).
    if (!f || f.source === 'default' || typeof f.value !== 'string') continue;
    for (const [gate, written] of gatesOf(f.value)) {
      const h = history.get(gate);
      const value = written.trim();
      // Gone at the target: said once, by the move that removes it (not as locked before that).
      if (h?.removedIn !== undefined && minorNumber(h.removedIn) <= toMinor) {
        if (!removedOnTheWay(minorNumber(h.removedIn))) continue;
        findings.push({
          severity: 'blocking',
          what: `${component} feature gate ${gate} was removed in Kubernetes ${h.removedIn}: ${component} will not start ("unrecognized feature gate")`,
          where: f.location,
          fix: `remove ${gate} from the ${component} feature-gates`,
        });
        continue;
      }
      const given = GO_BOOL[value];
      if (!h?.locked || given === undefined || given === h.locked.to || !removedOnTheWay(minorNumber(h.locked.in))) continue;
      findings.push({
        severity: 'blocking',
        what: `${component} feature gate ${gate}=${value}: ${gate} is locked to ${h.locked.to} from Kubernetes ${h.locked.in}: ${component} will not start`,
        where: f.location,
        fix: `remove ${gate}=${value} from the ${component} feature-gates: it is always ${h.locked.to ? 'on' : 'off'} from ${h.locked.in}`,
      });
    }
  }
  return findings;
}

/** The gates a component runs with set to false, the distro's defaults included (what runs decides). */
export function gatesOff(target: FactSnapshot, component: string): Set<string> {
  const f = target.facts[`${component}.args.feature-gates`];
  if (!f || typeof f.value !== 'string') return new Set();
  return new Set(gatesOf(f.value).filter(([, v]) => GO_BOOL[v.trim()] === false).map(([g]) => g));
}
