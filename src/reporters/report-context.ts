import type { ControlResult, Evidence, ScanRun } from '../model/result.js';
import { formatLocation, type Location } from '../model/fact.js';
import type { Status } from '../model/status.js';

/** What a reporter may know about a check beyond the results (from the catalog; absent for unknown ids). */
export interface RuleInfo {
  title: string;
  severity: 'high' | 'medium' | 'low';
  rationale: string;
  component: string;
}

/** Inputs of the rich reporters besides the run; the CLI builds it, reporters never read the catalog. */
export interface ReportContext {
  sectionTitles: Record<string, string>;
  rules: Record<string, RuleInfo>;
}

export const EMPTY_CONTEXT: ReportContext = { sectionTitles: {}, rules: {} };

export const STATUS_LABEL: Record<Status, string> = {
  pass: 'PASS', fail: 'FAIL', manual: 'MANUAL', notApplicable: 'N/A', error: 'ERROR', waived: 'WAIVED',
};

/** Order in which statuses are shown: what needs action first. */
export const STATUS_ORDER: readonly Status[] = ['fail', 'error', 'manual', 'waived', 'pass', 'notApplicable'];

export type Target = ScanRun['targets'][number];

/**
 * The file a config target was read from. Rancher Cluster targets are named
 * `<file> (<cluster name>)`, optionally followed by ` machines matching …`; other config targets are the file.
 */
export function configFileOf(target: Target): string | undefined {
  if (target.kind !== 'config') return undefined;
  // "<file> (<name>)" or "<file> (<name>) machines matching <selector>": keep <file>.
  const m = /^(.+?) \([^()]*\)(?: machines matching .*)?$/.exec(target.name);
  return m ? m[1] : target.name;
}

/** The place a finding points at: the first evidence with a line, then any evidence file, then the config file. */
export function primaryLocation(r: ControlResult, target: Target | undefined): Location | undefined {
  const withLine = r.evidence.find((e) => e.location?.line !== undefined)?.location;
  if (withLine) return withLine;
  const withFile = r.evidence.find((e) => e.location?.file)?.location;
  if (withFile) return withFile;
  const file = target ? configFileOf(target) : undefined;
  return file ? { file } : undefined;
}


/** `fact = observed; expected X`; a fact not read says so, an expectation not stated is left out (no `?`). */
export function evidenceValue(e: Evidence): string {
  const seen = e.observed !== undefined ? `${e.fact} = ${e.observed}` : `${e.fact} (not read)`;
  return e.expected !== undefined ? `${seen}; expected ${e.expected}` : seen;
}

/** One line for an evidence item: `fact = observed; expected X [layer] at file:line:col`. */
export function describeEvidence(e: Evidence): string {
  let s = evidenceValue(e);
  if (e.layer) s += ` [${e.layer}]`;
  if (e.location) s += ` at ${formatLocation(e.location)}`;
  return s;
}

/**
 * One section-title map for a report of several benchmarks. Profiles number their sections alike but
 * may title them differently (RKE1's "Master Node Configuration Files", RKE2's "Control Plane Node
 * Configuration Files"): such a section gets every title, so no target is labelled with another's.
 */
export function mergeSectionTitles(maps: Record<string, string>[]): Record<string, string> {
  // A run over a directory merges one map per file (thousands): each profile's map is read once.
  const unique = [...new Set(maps)];
  if (unique.length === 1) return unique[0]!;
  const titles = new Map<string, Set<string>>();
  for (const m of unique) {
    for (const [section, title] of Object.entries(m)) {
      const set = titles.get(section) ?? new Set<string>();
      set.add(title);
      titles.set(section, set);
    }
  }
  return Object.fromEntries([...titles].map(([section, set]) => [section, [...set].join(' / ')]));
}

export function sectionLabel(section: string, ctx: ReportContext): string {
  const t = ctx.sectionTitles[section];
  return t ? `${section} ${t}` : section;
}

/** Order dotted ids numerically (1.2.10 after 1.2.9); non-numeric parts compare as text. */
export function compareDotted(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (d !== 0) return d;
  }
  return 0;
}
