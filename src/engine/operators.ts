import type { Operator } from '../model/check.js';
import type { FactValue } from '../model/fact.js';

type Expected = string | number | boolean | (string | number | boolean)[] | undefined;

/** A list fact or a comma-separated flag value as trimmed, non-empty items. */
export function listOf(v: FactValue): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => listOf(x));
  if (v === null || typeof v === 'object') return [];
  return String(v)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Flag values are text; booleans compare case-insensitively as the components parse them. */
export function text(v: FactValue | Expected): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  const s = String(v).trim();
  if (s.length !== 4 && s.length !== 5) return s; // the common case, without a regular expression: this runs per leaf per target
  const lower = s.toLowerCase();
  return lower === 'true' || lower === 'false' ? lower : s;
}

function expectedList(e: Expected): string[] {
  if (Array.isArray(e)) return e.map((x) => text(x));
  return e === undefined ? [] : listOf(String(e));
}

function num(v: FactValue | Expected): number {
  const n = Number(text(v));
  return Number.isFinite(n) && text(v) !== '' ? n : NaN;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Go duration ("4h0m0s", "30m", "1.5h") or bare seconds, in seconds; NaN when unparsable. */
export function durationSeconds(v: string): number {
  const s = v.trim();
  if (s === '0') return 0;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] ?? NaN);
    matched = re.lastIndex;
  }
  return matched === s.length && matched > 0 ? total : NaN;
}

/** File mode as a number from octal text ("600", "0644"). */
export function octal(v: FactValue | Expected): number {
  const s = text(v);
  return /^[0-7]{1,4}$/.test(s) ? parseInt(s, 8) : NaN;
}

function semverParts(v: string): number[] {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [NaN];
}

export function semverCompare(a: string, b: string): number {
  const pa = semverParts(a);
  const pb = semverParts(b);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0 || Number.isNaN(d)) return d;
  }
  return 0;
}

/** Decide a leaf on a present value. Pure; undefined `actual` is handled by the caller (missing). */
export function applyOperator(op: Operator, actual: FactValue, expected: Expected): boolean {
  switch (op) {
    case 'eq':
      return text(actual) === text(expected as FactValue);
    case 'notEq':
      return text(actual) !== text(expected as FactValue);
    case 'in':
      return expectedList(expected).includes(text(actual));
    case 'notIn':
      return !expectedList(expected).includes(text(actual));
    case 'has':
      return expectedList(expected).every((e) => listOf(actual).includes(e));
    case 'notHas':
      return expectedList(expected).every((e) => !listOf(actual).includes(e));
    case 'validElements': {
      const allowed = expectedList(expected);
      const items = listOf(actual);
      return items.length > 0 && items.every((i) => allowed.includes(i));
    }
    case 'gte':
      return num(actual) >= num(expected);
    case 'lte':
      return num(actual) <= num(expected);
    case 'gt':
      return num(actual) > num(expected);
    case 'durationNotZero': {
      const d = durationSeconds(text(actual));
      return Number.isFinite(d) && d !== 0;
    }
    case 'durationGte':
      return durationSeconds(text(actual)) >= durationSeconds(text(expected as FactValue));
    case 'modeAtMost': {
      const a = octal(actual);
      const e = octal(expected);
      return Number.isFinite(a) && Number.isFinite(e) && (a & ~e) === 0;
    }
    case 'ownedBy':
      return expectedList(expected).includes(text(actual));
    case 'set':
      return true;
    case 'notSet':
      return false;
    case 'matches':
      return new RegExp(String(expected)).test(text(actual));
    case 'notMatches':
      return !new RegExp(String(expected)).test(text(actual));
    case 'semverGte':
      return semverCompare(text(actual), String(expected)) >= 0;
  }
}

/** Human text of what a leaf expects, for evidence. */
export function describeExpectation(op: Operator, expected: Expected): string {
  const e = Array.isArray(expected) ? expected.join(',') : text(expected as FactValue);
  switch (op) {
    case 'eq': return e;
    case 'notEq': return `not ${e}`;
    case 'in': return `one of ${e}`;
    case 'notIn': return `none of ${e}`;
    case 'has': return `includes ${e}`;
    case 'notHas': return `excludes ${e}`;
    case 'validElements': return `only ${e}`;
    case 'gte': return `>= ${e}`;
    case 'lte': return `<= ${e}`;
    case 'gt': return `> ${e}`;
    case 'durationNotZero': return 'a non-zero duration';
    case 'durationGte': return `>= ${e}`;
    case 'modeAtMost': return `${e} or more restrictive`;
    case 'ownedBy': return e;
    case 'set': return 'set';
    case 'notSet': return 'not set';
    case 'matches': return `matches /${e}/`;
    case 'notMatches': return `does not match /${e}/`;
    case 'semverGte': return `>= ${e}`;
  }
}
