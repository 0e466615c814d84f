/**
 * When the aggregator scans: a five-field cron expression evaluated in UTC (`0 * * * *`), a macro
 * (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`) or a fixed period (`@every 30m`). Pure.
 *
 * Cron fields: minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-7 (0 and 7 are
 * Sunday); each a `*`, a value, a range `a-b`, a step `*\/n` or `a-b/n`, or a comma list of those.
 * As in Vixie cron, when both day fields are restricted a time matches either of them.
 */
import { usageError } from '../errors/rke-harden-error.js';

export type Schedule =
  | { kind: 'every'; ms: number; text: string }
  | { kind: 'cron'; minutes: Set<number>; hours: Set<number>; doms: Set<number>; months: Set<number>; dows: Set<number>; domStar: boolean; dowStar: boolean; text: string };

const MACROS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `1h30m`, `2d`: milliseconds. Throws a usage error naming `what` otherwise. */
export function parseDuration(text: string, what = 'duration'): number {
  const s = text.trim();
  if (!/^(\d+(ms|s|m|h|d))+$/.test(s)) throw usageError(`${what} ${JSON.stringify(text)}: not a duration (e.g. 30s, 15m, 1h30m)`);
  let ms = 0;
  for (const m of s.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms <= 0) throw usageError(`${what} ${JSON.stringify(text)}: must be more than zero`);
  return ms;
}

function field(text: string, min: number, max: number, name: string, expr: string): Set<number> {
  const out = new Set<number>();
  const bad = (why: string) => usageError(`--schedule ${JSON.stringify(expr)}: ${name} field ${JSON.stringify(text)}: ${why}`);
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw bad('expected *, N, N-M, */S or N-M/S');
    let lo = min;
    let hi = max;
    if (m[1] !== '*') {
      lo = Number(m[2]);
      hi = m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : lo;
    }
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (lo < min || hi > max || lo > hi) throw bad(`out of range ${min}-${max}`);
    if (step < 1) throw bad('step must be at least 1');
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseSchedule(expr: string): Schedule {
  const text = expr.trim();
  if (text.startsWith('@every')) {
    const ms = parseDuration(text.slice('@every'.length), '--schedule @every');
    if (ms < 1000) throw usageError(`--schedule ${JSON.stringify(expr)}: at least 1s`);
    return { kind: 'every', ms, text };
  }
  const cron = MACROS[text] ?? text;
  if (cron.startsWith('@')) throw usageError(`--schedule ${JSON.stringify(expr)}: unknown macro (known: ${Object.keys(MACROS).join(', ')}, @every <duration>)`);
  const parts = cron.split(/\s+/);
  if (parts.length !== 5) throw usageError(`--schedule ${JSON.stringify(expr)}: a cron expression has 5 fields (minute hour day-of-month month day-of-week), this has ${parts.length}`);
  const [mi, h, dom, mon, dow] = parts as [string, string, string, string, string];
  const dows = field(dow, 0, 7, 'day-of-week', expr);
  if (dows.delete(7)) dows.add(0);
  return {
    kind: 'cron',
    minutes: field(mi, 0, 59, 'minute', expr),
    hours: field(h, 0, 23, 'hour', expr),
    doms: field(dom, 1, 31, 'day-of-month', expr),
    months: field(mon, 1, 12, 'month', expr),
    dows,
    domStar: dom === '*' || dom.startsWith('*/'),
    dowStar: dow === '*' || dow.startsWith('*/'),
    text,
  };
}

function dayMatches(s: Extract<Schedule, { kind: 'cron' }>, d: Date): boolean {
  const dom = s.doms.has(d.getUTCDate());
  const dow = s.dows.has(d.getUTCDay());
  if (s.domStar && s.dowStar) return true;
  if (s.domStar) return dow;
  if (s.dowStar) return dom;
  return dom || dow;
}

/** The first time strictly after `after` that the schedule fires (`@every`: after + period). */
export function nextRun(s: Schedule, after: Date): Date {
  if (s.kind === 'every') return new Date(after.getTime() + s.ms);
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  // Five years of search covers any satisfiable expression (Feb 29 included); jump by month/day/hour.
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!s.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return t;
  }
  throw usageError(`--schedule ${JSON.stringify(s.text)}: never fires (e.g. 31 February)`);
}

/** How long a schedule's period is, about: for staleness limits and docs (cron: the gap after `from`). */
export function periodMs(s: Schedule, from = new Date()): number {
  if (s.kind === 'every') return s.ms;
  const a = nextRun(s, from);
  return nextRun(s, a).getTime() - a.getTime();
}
