import { diffLines } from 'diff';
import { parse } from 'yaml';

/**
 * How the user writes what the yaml library can write either way: flow collections with or without
 * padding (`[ a ]`, `[a]`), and block lists indented under their key or level with it (`key:\n  - a`,
 * `key:\n- a`), by majority. New and rewritten parts then look like the rest of the file.
 */
export function userStyleOf(text: string): { flowCollectionPadding: boolean; indentSeq: boolean; indent: number } {
  const padded = (text.match(/[[{] \S/g) ?? []).length;
  const tight = (text.match(/[[{][^\s\]}]/g) ?? []).length;
  let indented = 0;
  let level = 0;
  // The indentation step of nested maps (`key:\n    nested:` → 4), by majority; 2 when there are none.
  const steps = new Map<number, number>();
  // A key line ending its value there, and the first line of content under it (a list dash or a key).
  for (const m of text.matchAll(/^( *)[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)(- |[^\s#-])/gm)) {
    const step = m[2]!.length - m[1]!.length;
    if (m[3] === '- ') {
      if (step > 0) indented++;
      else if (step === 0) level++;
    } else if (step > 0 && step <= 8) steps.set(step, (steps.get(step) ?? 0) + 1);
  }
  const indent = [...steps].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 2;
  return { flowCollectionPadding: padded >= tight, indentSeq: indented >= level, indent };
}

/** A line's text before its trailing comment, the spacing, and the comment. */
const TRAILING_COMMENT = /^(.*\S)([ \t]+)(#.*)$/;

/** A line's indentation and key (`  - anonymous-auth=`, `    profile:`), or undefined. */
const KEY = /^\s*(?:- )?[\w.-]+[:=]/;

/**
 * The new line with the old line's spacing before its comment, when both are the same setting (same
 * indentation and key) with the same comment: an edited value. Otherwise the new line, untouched (a line
 * of a block scalar the yaml library re-indented is text, not a setting with a comment).
 */
function withOldSpacing(old: string | undefined, line: string): string {
  const o = old === undefined ? null : TRAILING_COMMENT.exec(old);
  const n = TRAILING_COMMENT.exec(line);
  const key = KEY.exec(line)?.[0];
  return o && n && o[3] === n[3] && key !== undefined && old!.startsWith(key) ? n[1] + o[2]! + n[3] : line;
}

/** A line's indentation and what starts it: its key (`  key:`, `  - flag=`) or its list dash. */
const START = /^\s*(?:- )?(?:[\w.-]+[:=]|-?)/;

/**
 * Whether two lines of the same setting hold the same data written two ways: the yaml library writes
 * a number as its value (`0600` → `600`, `010` → `10`), but RKE2 and RKE read YAML 1.1, where a leading
 * zero is octal — and a token `00123456` is not `123456` to anyone; it spaces flow lists its own way
 * (`[a,b]` → `[a, b]`). The user's text is kept.
 */
function sameData(old: string, line: string): boolean {
  if (START.exec(old)?.[0] !== START.exec(line)?.[0] || /\s[&*!]/.test(old)) return false; // an anchor, alias or tag is structure
  const indent = /^\s*/.exec(line)![0].length;
  const a = valueLineOf(old.slice(indent));
  return a !== undefined && a === valueLineOf(line.slice(indent));
}

/**
 * A `key: value` or `- value` line holding its whole value (a scalar, or a flow collection such as
 * `role: [controlplane,worker]`), as JSON (key included, values typed), or undefined.
 */
function valueLineOf(text: string): string | undefined {
  let v: unknown;
  try {
    v = parse(text);
  } catch {
    return undefined; // part of something larger (a flow collection spread over lines, a block scalar)
  }
  const inner = Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v && typeof v === 'object' && Object.keys(v).length === 1 ? Object.values(v)[0] : undefined;
  return inner === null || inner === undefined ? undefined : JSON.stringify(v);
}

/**
 * The old line that is this new line but for the spacing before its comment, or but for how a value
 * is written (each old line used once).
 */
function sameLine(removed: (string | undefined)[], line: string): string | undefined {
  const flat = (l: string) => l.replace(TRAILING_COMMENT, '$1 $3');
  let j = removed.findIndex((r) => r !== undefined && flat(r) === flat(line));
  if (j < 0) j = removed.findIndex((r) => r !== undefined && sameData(r, line));
  if (j < 0) return undefined;
  const old = removed[j];
  removed[j] = undefined;
  return old;
}

/**
 * Whether the old lines are the new ones but for the layout of a flow collection: the yaml library
 * writes one the user spread over lines (`tls-san: [\n  a,\n  b,\n]`) on one line, without a trailing
 * comma. The same text but for whitespace and trailing commas, the same indentation, the same data.
 */
function sameButFlowLayout(removed: string[], added: string[]): boolean {
  if (removed.length === added.length || !/[[{]/.test(added.join('\n'))) return false;
  const layoutFree = (lines: string[]) => lines.join('\n').replace(/,(\s*[\]}])/g, '$1').replace(/\s+/g, '');
  const indent = (line: string | undefined) => /^\s*/.exec(line ?? '')![0];
  if (indent(removed[0]) !== indent(added[0]) || layoutFree(removed) !== layoutFree(added)) return false;
  try {
    return JSON.stringify(parse(removed.join('\n'))) === JSON.stringify(parse(added.join('\n')));
  } catch {
    return false; // not a whole piece of YAML on its own
  }
}

/**
 * The rendered document with the user's layout put back where the yaml library writes it its own way:
 * the spacing before trailing comments (`profile: cis   # aligned` became `profile: cis # aligned`),
 * flow collections spread over lines, and values written another way (`0600`, `[a,b]`). Only lines the
 * rendering changed are looked at: within each changed stretch, a new line that is an old one but for
 * that spacing or the way its value is written is the old one, an edited line
 * keeping the comment of the old line at its place keeps that line's spacing, and a stretch that is the
 * old one but for a flow collection's layout is the old one. The diff then shows what the hardening
 * changed and nothing else.
 */
export function keepUserLayout(before: string, after: string): string {
  if (!before) return after;
  const out: string[] = [];
  let removed: (string | undefined)[] = [];
  for (const part of diffLines(before, after)) {
    const lines = part.value.split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (part.added && removed.length && sameButFlowLayout(removed as string[], lines)) out.push(...(removed as string[]));
    else if (part.added) out.push(...lines.map((l, i) => sameLine(removed, l) ?? withOldSpacing(removed[i], l)));
    else if (!part.removed) out.push(...lines);
    removed = part.removed ? lines : [];
  }
  return out.join('\n') + (after.endsWith('\n') ? '\n' : '');
}
