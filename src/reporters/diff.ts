import type { ControlResult, Evidence, ScanRun } from '../model/result.js';
import type { Status } from '../model/status.js';
import { evidenceValue, primaryLocation, STATUS_LABEL } from './report-context.js';
import { benchmarkOf, targetOf } from '../engine/run-index.js';
import { formatLocation } from '../model/fact.js';
import { atSeverity, type Severity } from '../model/severity.js';
import { cell, code } from './markdown.js';

/** One control on one target, before and after. */
export interface Change {
  old?: ControlResult;
  new?: ControlResult;
}

export interface EvidenceChange {
  fact: string;
  old?: string;
  new?: string;
}

export interface ScanDiff {
  old: { startedAt: string; benchmarks: string[] };
  new: { startedAt: string; benchmarks: string[] };
  /** fail now, and not fail before (or not reported before). */
  newFailures: Change[];
  /** fail before; pass or notApplicable now. */
  fixed: Change[];
  /** fail or manual before; waived now. */
  newlyWaived: Change[];
  /** Same status, different evidence (fact, observed, expected, source or layer; a moved line is not a change). */
  evidenceChanged: (Change & { evidence: EvidenceChange[] })[];
  /** Every other status change (e.g. manual → pass, pass → error, waived → fail is a new failure). */
  statusChanged: Change[];
  /** Reported before, not now (a removed target or control). */
  removed: ControlResult[];
  /** Reported now, not before, and not a failure. */
  added: ControlResult[];
  targets: { added: string[]; removed: string[] };
}

const k = (...parts: (string | undefined)[]) => parts.map((p) => p ?? '').join('\u0000');

/**
 * What makes evidence differ. A distro default's layer, and the places searched for a fact not set,
 * name the release ("RKE2 v1.31.4+rke2r1 defaults"): the same value after an upgrade is no change.
 */
function evidenceKey(e: Evidence): string {
  return k(e.fact, e.observed, e.expected, e.source, e.source === 'default' || e.source === undefined ? undefined : e.layer);
}

/** Evidence as a set: the order facts are listed in (a failing one first) is no change. */
const evidenceSet = (xs: Evidence[]): string => xs.map(evidenceKey).sort().join('\n');

function evidenceChanges(a: Evidence[], b: Evidence[]): EvidenceChange[] {
  if (evidenceSet(a) === evidenceSet(b)) return [];
  const describe = (e: Evidence) => `${e.observed ?? '?'}${e.layer ? ` [${e.layer}]` : ''}`;
  const facts = [...new Set([...a, ...b].map((e) => e.fact))];
  const out: EvidenceChange[] = [];
  for (const fact of facts) {
    const x = a.filter((e) => e.fact === fact);
    const y = b.filter((e) => e.fact === fact);
    if (evidenceSet(x) === evidenceSet(y)) continue;
    out.push({
      fact,
      ...(x.length ? { old: x.map(describe).join(', ') } : {}),
      ...(y.length ? { new: y.map(describe).join(', ') } : {}),
    });
  }
  return out;
}

/**
 * Pair the results of two runs: first by target, benchmark, control and check; what is left by target
 * and check (CIS renumbers controls between benchmark versions; check ids stay).
 */
function pair(a: ScanRun, b: ScanRun): { pairs: Change[]; removed: ControlResult[]; added: ControlResult[] } {
  const exact = (run: ScanRun, r: ControlResult) => k(r.target, benchmarkOf(run, r), r.controlId, r.checkId);
  const loose = (r: ControlResult) => k(r.target, r.checkId ?? `control ${r.controlId}`);
  const pairs: Change[] = [];
  const leftB = new Map<string, ControlResult[]>();
  for (const r of b.results) {
    const key = exact(b, r);
    leftB.set(key, [...(leftB.get(key) ?? []), r]);
  }
  const leftA: ControlResult[] = [];
  for (const r of a.results) {
    const match = leftB.get(exact(a, r))?.shift();
    if (match) pairs.push({ old: r, new: match });
    else leftA.push(r);
  }
  const restB = new Map<string, ControlResult[]>();
  for (const r of [...leftB.values()].flat()) restB.set(loose(r), [...(restB.get(loose(r)) ?? []), r]);
  const removed: ControlResult[] = [];
  for (const r of leftA) {
    const match = restB.get(loose(r))?.shift();
    if (match) pairs.push({ old: r, new: match });
    else removed.push(r);
  }
  return { pairs, removed, added: [...restB.values()].flat() };
}

/** What changed between two scans. Pure. */
export function diffRuns(a: ScanRun, b: ScanRun): ScanDiff {
  const { pairs, removed, added } = pair(a, b);
  const namesA = a.targets.map((t) => t.name);
  const namesB = b.targets.map((t) => t.name);
  const inA = new Set(namesA);
  const inB = new Set(namesB);
  const d: ScanDiff = {
    old: { startedAt: a.startedAt, benchmarks: a.benchmarks.map((x) => x.id) },
    new: { startedAt: b.startedAt, benchmarks: b.benchmarks.map((x) => x.id) },
    newFailures: added.filter((r) => r.status === 'fail').map((r) => ({ new: r })),
    fixed: [], newlyWaived: [], evidenceChanged: [], statusChanged: [],
    removed,
    added: added.filter((r) => r.status !== 'fail'),
    targets: {
      added: namesB.filter((n) => !inA.has(n)),
      removed: namesA.filter((n) => !inB.has(n)),
    },
  };
  for (const p of pairs) {
    const was = p.old!.status;
    const now = p.new!.status;
    if (was === now) {
      const evidence = evidenceChanges(p.old!.evidence, p.new!.evidence);
      if (evidence.length > 0) d.evidenceChanged.push({ ...p, evidence });
    } else if (now === 'fail') d.newFailures.push(p);
    else if (was === 'fail' && (now === 'pass' || now === 'notApplicable')) d.fixed.push(p);
    else if (now === 'waived') d.newlyWaived.push(p);
    else d.statusChanged.push(p);
  }
  return d;
}

/** The --fail-on policy of `diff`: a new scored failure (or, with manual, a new scored manual result) fails. */
/** Whether the new scan fails the policy: a new scored failure (a new scored manual too, with manual), at `minSeverity` or above. */
export function diffFails(d: ScanDiff, failOn: 'fail' | 'manual' | 'never', minSeverity: Severity = 'low'): boolean {
  if (failOn === 'never') return false;
  if (d.newFailures.some((c) => c.new!.scored && atSeverity(c.new!, minSeverity))) return true;
  return failOn === 'manual' && [...d.statusChanged, ...d.added.map((r) => ({ new: r }))].some((c) => c.new?.status === 'manual' && c.new.scored && atSeverity(c.new, minSeverity));
}

const label = (s: Status | undefined) => (s ? STATUS_LABEL[s] : 'not reported');

function line(c: Change, run: ScanRun): string {
  const r = (c.new ?? c.old)!;
  const loc = formatLocation(primaryLocation(r, targetOf(run, r)));
  const renumbered = c.old && c.new && c.old.controlId !== c.new.controlId ? ` (was ${c.old.controlId})` : '';
  return `${r.controlId}${renumbered} ${r.title}${r.scored ? '' : ' (not scored)'} [${r.target}]${loc ? ` at ${loc}` : ''}: ${label(c.old?.status)} -> ${label(c.new?.status)}`;
}

function evidenceLines(c: Change & { evidence?: EvidenceChange[] }): string[] {
  if (c.evidence) return c.evidence.map((e) => `      ${e.fact}: ${e.old ?? '(none)'} -> ${e.new ?? '(none)'}`);
  return (c.new?.evidence ?? []).map((e) => `      ${evidenceValue(e)}`);
}

export function countLine(d: ScanDiff): string {
  const scored = d.newFailures.filter((c) => c.new!.scored).length;
  return `${d.newFailures.length} new failure${d.newFailures.length === 1 ? '' : 's'} (${scored} scored), ${d.fixed.length} fixed, ${d.newlyWaived.length} newly waived, ${d.evidenceChanged.length} with changed evidence, ${d.statusChanged.length} other status changes`;
}

/** Text report of a diff: new failures first, with their evidence, then fixes and other changes. */
export function renderDiffText(d: ScanDiff, a: ScanRun, b: ScanRun): string {
  const out = [`rke-harden diff: ${a.startedAt} (${d.old.benchmarks.join(', ')}) -> ${b.startedAt} (${d.new.benchmarks.join(', ')})`];
  const block = (title: string, items: (Change & { evidence?: EvidenceChange[] })[], run: ScanRun, withEvidence: boolean, mark: string) => {
    if (items.length === 0) return;
    out.push('', `== ${title} (${items.length})`);
    for (const c of items) {
      out.push(`${mark} ${line(c, run)}`);
      if (withEvidence) out.push(...evidenceLines(c));
    }
  };
  block('New failures', d.newFailures, b, true, '+');
  block('Fixed', d.fixed, b, false, '-');
  block('Newly waived', d.newlyWaived, b, false, '~');
  block('Changed evidence', d.evidenceChanged, b, true, '~');
  block('Other status changes', d.statusChanged, b, false, '~');
  if (d.removed.length > 0) out.push('', `== No longer reported (${d.removed.length})`, ...d.removed.map((r) => `  ${r.controlId} ${r.title} [${r.target}]: was ${label(r.status)}`));
  if (d.targets.added.length > 0) out.push('', `Targets added: ${d.targets.added.join(', ')}`);
  if (d.targets.removed.length > 0) out.push('', `Targets removed: ${d.targets.removed.join(', ')}`);
  out.push('', `== Summary: ${countLine(d)}`);
  return out.join('\n') + '\n';
}

/** Markdown for a pull-request comment. */
export function renderDiffMarkdown(d: ScanDiff, _a: ScanRun, b: ScanRun): string {
  const out = [`## rke-harden diff: ${cell(countLine(d))}`, ''];
  const table = (title: string, items: (Change & { evidence?: EvidenceChange[] })[], withEvidence: boolean) => {
    if (items.length === 0) return;
    out.push(`### ${title} (${items.length})`, '', '| Control | Title | Target | Where | Was | Now |' + (withEvidence ? ' Evidence |' : ''), '|---|---|---|---|---|---|' + (withEvidence ? '---|' : ''));
    for (const c of items) {
      const r = (c.new ?? c.old)!;
      const loc = formatLocation(primaryLocation(r, targetOf(b, r)));
      const ev = c.evidence
        ? c.evidence.map((e) => `${e.fact}: ${e.old ?? '(none)'} → ${e.new ?? '(none)'}`).join('; ')
        : r.evidence.map((e) => evidenceValue(e)).join('; ');
      out.push(`| ${code(r.controlId)}${r.scored ? '' : ' (not scored)'} | ${cell(r.title)} | ${cell(r.target)} | ${loc ? code(loc) : ''} | ${label(c.old?.status)} | ${label(c.new?.status)} |${withEvidence ? ` ${cell(ev)} |` : ''}`);
    }
    out.push('');
  };
  table('New failures', d.newFailures, true);
  table('Fixed', d.fixed, false);
  table('Newly waived', d.newlyWaived, false);
  table('Changed evidence', d.evidenceChanged, true);
  table('Other status changes', d.statusChanged, false);
  if (d.removed.length > 0) out.push(`No longer reported: ${d.removed.length} result(s).`, '');
  return out.join('\n') + '\n';
}

export function renderDiffJson(d: ScanDiff): string {
  return JSON.stringify(d, null, 2) + '\n';
}
