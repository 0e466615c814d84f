// Every disagreement between kube-bench and rke-harden that the differential test accepts, each
// with its reason: an upstream kube-bench data bug (with its issue link) or a deliberate deviation
// of ours (with the evidence). docs/differential.md §4 is the prose version of this list.
import type { HostFixtureName } from '../../test/fixtures/hosts/index.js';
import type { ControlComparison, ProfileComparison, Verdict } from './differential.js';

export interface AllowEntry {
  id: string;
  /** kube-bench benchmarks it applies to. */
  profiles: string[];
  /** Fixtures it applies to ('*' for all of the profiles' distro). */
  fixtures: HostFixtureName[] | '*';
  controls: string[];
  /** The exact pair of verdicts accepted. */
  kubeBench: Verdict;
  ours: Verdict;
  kind: 'upstream-bug' | 'deviation';
  reason: string;
  /** Upstream issue / PR (upstream-bug) or where the evidence is (deviation). */
  link: string;
}

export const ALLOW_LIST: AllowEntry[] = [];

function matches(e: AllowEntry, fixture: HostFixtureName, profile: string, c: ControlComparison): boolean {
  return (
    e.profiles.includes(profile) &&
    (e.fixtures === '*' || e.fixtures.includes(fixture)) &&
    e.controls.includes(c.id) &&
    e.kubeBench === c.kubeBench &&
    e.ours === c.ours
  );
}

/** The id of the entry explaining a disagreement, or '' when none does. */
export function explain(fixture: HostFixtureName, profile: string, c: ControlComparison): string {
  return ALLOW_LIST.find((e) => matches(e, fixture, profile, c))?.id ?? '';
}

/** Entries that explain no disagreement of a full run (stale: the cause went away). */
export function staleEntries(results: ProfileComparison[]): AllowEntry[] {
  return ALLOW_LIST.filter((e) => !results.some((r) => r.controls.some((c) => !c.agree && matches(e, r.fixture, r.profile, c))));
}
