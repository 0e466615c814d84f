import { formatLocation } from '../model/fact.js';
import type { ControlResult, ScanRun } from '../model/result.js';
import type { Status } from '../model/status.js';
import { summarise } from '../engine/scan-run.js';
import { benchmarkOf } from '../engine/run-index.js';
import { globToRegExp } from './glob.js';
import type { Waiver } from './load-waivers.js';

/** Statuses a waiver can accept; pass and notApplicable need none, and an error is an incomplete scan, not a risk. */
export const WAIVABLE: ReadonlySet<Status> = new Set(['fail', 'manual']);

export interface WaiverOutcome {
  run: ScanRun;
  /** Waivers past their expiry date, with how many results they would have waived. */
  expired: { waiver: Waiver; wouldWaive: number }[];
  /** Live waivers that waived no result. */
  unused: Waiver[];
  /** Live waivers and how many results each waived. */
  applied: { waiver: Waiver; waived: number }[];
  /** Applied waivers whose last day is within EXPIRY_NOTICE_DAYS: renew them before the build turns red. */
  expiringSoon: { waiver: Waiver; waived: number; days: number }[];
}

/** How long before its last day an applied waiver is announced (a sprint, so owners can act). */
export const EXPIRY_NOTICE_DAYS = 14;

/** The end of the expiry day, UTC: a waiver that expires 2026-06-30 still applies on that day. */
export function expiresAt(w: Pick<Waiver, 'expires'>): number {
  return Date.parse(`${w.expires}T23:59:59.999Z`);
}

export function isExpired(w: Pick<Waiver, 'expires'>, now: Date): boolean {
  return now.getTime() > expiresAt(w);
}

/** A waiver's entry in its file, `file:line:column`. */
const where = (w: Waiver) => formatLocation(w.location);
const subject = (w: Waiver) => (w.check !== undefined ? `check ${w.check}` : `control ${w.control}`);

function matcher(w: Waiver, run: ScanRun): (r: ControlResult) => boolean {
  const target = globToRegExp(w.target);
  const benchmark = w.benchmark !== undefined ? globToRegExp(w.benchmark) : undefined;
  return (r) =>
    (w.check !== undefined ? r.checkId === w.check : r.controlId === w.control) &&
    target.test(r.target) &&
    (benchmark === undefined || benchmark.test(benchmarkOf(run, r)));
}

/**
 * Apply waivers to a run. Pure: returns a new run in which every fail or manual result matched by a
 * live waiver (first match in file order) is `waived` with the waiver attached, the summary recounted,
 * and a warning for each expired waiver (its results stay as they were), each unused one and each
 * applied one that expires within EXPIRY_NOTICE_DAYS.
 */
export function applyWaivers(run: ScanRun, waivers: readonly Waiver[], now: Date): WaiverOutcome {
  const live = waivers.filter((w) => !isExpired(w, now));
  const liveMatchers = live.map((w) => matcher(w, run));
  const waivedBy = new Map<Waiver, number>(live.map((w) => [w, 0]));
  const results = run.results.map((r): ControlResult => {
    if (!WAIVABLE.has(r.status)) return r;
    const i = liveMatchers.findIndex((m) => m(r));
    if (i < 0) return r;
    const w = live[i]!;
    waivedBy.set(w, waivedBy.get(w)! + 1);
    const id = w.check !== undefined ? { check: w.check } : { control: w.control! };
    return { ...r, status: 'waived', waiver: { ...id, reason: w.reason, owner: w.owner, expires: w.expires, status: r.status as 'fail' | 'manual', location: w.location } };
  });
  const expired = waivers.filter((w) => isExpired(w, now)).map((w) => {
    const m = matcher(w, run);
    return { waiver: w, wouldWaive: results.filter((r) => WAIVABLE.has(r.status) && m(r)).length };
  });
  const unused = live.filter((w) => waivedBy.get(w) === 0);
  const applied = live.filter((w) => waivedBy.get(w)! > 0).map((w) => ({ waiver: w, waived: waivedBy.get(w)! }));
  // Whole days left after today (UTC): 0 on the last day itself.
  const daysLeft = (w: Waiver) => Math.floor((expiresAt(w) - now.getTime()) / 86_400_000);
  const expiringSoon = applied.map((a) => ({ ...a, days: daysLeft(a.waiver) })).filter((a) => a.days < EXPIRY_NOTICE_DAYS);
  const warnings = [
    ...expired.map(({ waiver: w, wouldWaive }) =>
      `${where(w)}: waiver for ${subject(w)} (owner ${w.owner}) expired on ${w.expires}${wouldWaive > 0 ? `: ${wouldWaive} result${wouldWaive === 1 ? ' is' : 's are'} no longer waived` : ''}`),
    ...unused.map((w) => `${where(w)}: waiver for ${subject(w)} on target ${w.target} (owner ${w.owner}) matched no failing or manual result: remove it`),
    ...expiringSoon.map(({ waiver: w, waived, days }) =>
      `${where(w)}: waiver for ${subject(w)} (owner ${w.owner}) expires ${days === 0 ? 'today' : `in ${days} day${days === 1 ? '' : 's'}`} (${w.expires}): ${waived} result${waived === 1 ? '' : 's'} it waives will count again after that unless it is renewed`),
  ];
  return {
    run: { ...run, results, summary: summarise(results), warnings: [...run.warnings, ...warnings] },
    expired,
    unused,
    applied,
    expiringSoon,
  };
}

/** The warnings applyWaivers writes (expired, unused, expiring soon): each names a waiver of the file. */
const WAIVER_WARNING = /: waiver for (check|control) \S+ .*\(owner /;

/**
 * A saved run re-read with a waivers file (`report scan.json --waivers FILE`): the file given now
 * replaces the waivers the run was saved with. Each waived result is what it was again (a scan saved
 * before that was recorded: fail), and their warnings go; the file is then applied as of now.
 */
export function unwaiveSaved(run: ScanRun): ScanRun {
  const results = run.results.map((r): ControlResult => {
    if (r.status !== 'waived') return r;
    const { waiver, ...rest } = r;
    return { ...rest, status: waiver?.status ?? 'fail' };
  });
  return { ...run, results, summary: summarise(results), warnings: run.warnings.filter((w) => !WAIVER_WARNING.test(w)) };
}

/**
 * A saved run re-read later (`report`): a result waived by a waiver that has expired since is counted
 * again as what it was (a scan saved before that was recorded: as fail), with a warning per waiver. The
 * waivers file is not needed: the run carries each waiver's expiry. The notices of waivers about to
 * expire are counted again as of now (the saved ones counted days from the scan).
 */
export function expireSavedWaivers(run: ScanRun, now: Date): ScanRun {
  return noticeSavedExpiries(expireLapsed(run, now), now);
}

function noticeSavedExpiries(run: ScanRun, now: Date): ScanRun {
  const soon = new Map<string, { expires: string; owner: string; where: string; count: number }>();
  for (const r of run.results) {
    if (r.status !== 'waived' || !r.waiver) continue;
    const at = r.waiver.location ? formatLocation(r.waiver.location) : '';
    const key = `${at}\0${r.waiver.owner}\0${r.waiver.expires}`;
    const s = soon.get(key) ?? { expires: r.waiver.expires, owner: r.waiver.owner, where: at, count: 0 };
    s.count++;
    soon.set(key, s);
  }
  const days = (expires: string) => Math.floor((expiresAt({ expires }) - now.getTime()) / 86_400_000);
  const notices = [...soon.values()].filter((s) => days(s.expires) < EXPIRY_NOTICE_DAYS).map((s) => {
    const d = days(s.expires);
    return `${s.where ? `${s.where}: ` : ''}a waiver (owner ${s.owner}) expires ${d === 0 ? 'today' : `in ${d} day${d === 1 ? '' : 's'}`} (${s.expires}): ${s.count} result${s.count === 1 ? '' : 's'} it waives will count again after that unless it is renewed`;
  });
  const kept = run.warnings.filter((w) => !(WAIVER_WARNING.test(w) && / expires (today|in \d+ days?) \(/.test(w)));
  return { ...run, warnings: [...kept, ...notices] };
}

function expireLapsed(run: ScanRun, now: Date): ScanRun {
  const lapsed = new Map<string, { expires: string; owner: string; count: number; assumed: number }>();
  const results = run.results.map((r): ControlResult => {
    if (r.status !== 'waived' || !r.waiver || !isExpired(r.waiver, now)) return r;
    const key = `${r.waiver.owner}\0${r.waiver.expires}\0${r.waiver.reason}`;
    const l = lapsed.get(key) ?? { expires: r.waiver.expires, owner: r.waiver.owner, count: 0, assumed: 0 };
    l.count++;
    if (!r.waiver.status) l.assumed++;
    lapsed.set(key, l);
    const { waiver, ...rest } = r;
    return { ...rest, status: waiver.status ?? 'fail' };
  });
  if (!lapsed.size) return run;
  const warnings = [...lapsed.values()].map((l) =>
    `a waiver (owner ${l.owner}) expired on ${l.expires} after this scan: ${l.count} result${l.count === 1 ? ' is' : 's are'} no longer waived${l.assumed ? ` (${l.assumed} counted as fail: the scan does not record what ${l.assumed === 1 ? 'it was' : 'they were'})` : ''}`);
  return { ...run, results, summary: summarise(results), warnings: [...run.warnings, ...warnings] };
}
