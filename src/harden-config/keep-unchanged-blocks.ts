import { parse } from 'yaml';

/**
 * The rendered document with each map entry whose data the hardening left alone put back as the user
 * wrote it. The yaml library writes a whole document with one indentation; a file that indents its
 * `nodes:` list by four and its `services:` by two would otherwise show every node as changed, and
 * comments the library moves or drops inside an untouched entry would be lost. Entries are compared
 * by their data (as YAML 1.1 and 1.2 read them, so `0600` is not `600`); an entry that changed is
 * compared entry by entry inside when both texts indent its map the same way. The result must read as
 * the rendered document does, or the rendered document is returned: this only ever changes layout.
 */
export function keepUnchangedBlocks(before: string, after: string): string {
  if (!before.trim()) return after;
  const merged = mergeMap(lines(before), lines(after), 0).join('\n') + (after.endsWith('\n') ? '\n' : '');
  return sameData(merged, after) ? merged : after;
}

const lines = (text: string) => text.replace(/\n$/, '').split('\n');

/** A map key starting a line at exactly `indent` spaces (plain or quoted), and what follows its colon. */
const keyAt = (indent: number) => new RegExp(`^ {${indent}}("(?:[^"\\\\]|\\\\.)*"|'(?:[^']|'')*'|[^\\s#'"?:\\-\\[\\]{},&*!|>%@\`][^#]*?)[ \\t]*:(?:[ \\t]+(.*))?$`);

interface Entry {
  key: string;
  /** Whether the key's line holds its value (`key: value`), not only the key (`key:`, a comment after it allowed). */
  inline: boolean;
  /** Blank lines and comments before the key, at its indentation or less (the yaml library keeps them with the key). */
  lead: string[];
  /** The key's line and the lines under it. */
  lines: string[];
}

const isGap = (line: string, indent: number) => line.trim() === '' || (line.trim().startsWith('#') && /^ */.exec(line)![0].length <= indent);

/** One entry per key at `indent`; lines before the first (not blank, not comments) and gap lines after the last. */
function entriesOf(text: string[], indent: number): { head: string[]; entries: Entry[]; tail: string[] } {
  const re = keyAt(indent);
  const head: string[] = [];
  const entries: Entry[] = [];
  let gap: string[] = [];
  for (const line of text) {
    if (isGap(line, indent)) {
      gap.push(line);
      continue;
    }
    const m = re.exec(line);
    if (m) entries.push({ key: m[1]!.replace(/^(["'])(.*)\1$/, '$2'), inline: (m[2] ?? '').replace(/^#.*/, '') !== '', lead: gap, lines: [line] });
    else (entries.at(-1)?.lines ?? head).push(...gap, line);
    gap = [];
  }
  return { head, entries, tail: gap };
}

/** The indentation of the first line under an entry's key that is neither blank nor a comment, if that line is a map key. */
function childIndent(entry: Entry): number | undefined {
  const first = entry.lines.slice(1).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first === undefined || /^\s*-( |$)/.test(first)) return undefined;
  return /^ */.exec(first)![0].length;
}

function mergeMap(old: string[], now: string[], indent: number): string[] {
  const a = entriesOf(old, indent);
  const b = entriesOf(now, indent);
  const used = new Set<Entry>();
  const out = [...b.head];
  for (const entry of b.entries) {
    const was = a.entries.find((e) => e.key === entry.key && !used.has(e));
    if (!was) {
      out.push(...entry.lead, ...entry.lines);
      continue;
    }
    used.add(was);
    if (sameData(was.lines.join('\n'), entry.lines.join('\n'))) {
      out.push(...was.lead, ...was.lines);
      continue;
    }
    // A map under the key (`key:` alone on its line) in both: entry by entry, the new one indented as
    // the user indents this map (the yaml library indents every map of the file one way).
    const inner = childIndent(entry);
    const innerWas = childIndent(was);
    if (inner !== undefined && innerWas !== undefined && inner > indent && innerWas > indent && !entry.inline && !was.inline) {
      out.push(...was.lead, was.lines[0]!, ...mergeMap(was.lines.slice(1), shifted(entry.lines.slice(1), innerWas - inner), innerWas));
    } else {
      out.push(...was.lead, ...entry.lines);
    }
  }
  return [...out, ...b.tail];
}

/** Lines moved right (or left, as far as their indentation allows) by `by` columns; blank lines stay empty. */
function shifted(text: string[], by: number): string[] {
  if (by === 0) return text;
  return text.map((l) => (l.trim() === '' ? l : by > 0 ? ' '.repeat(by) + l : l.slice(Math.min(-by, /^ */.exec(l)![0].length))));
}

/** Whether two texts hold the same data as YAML 1.1 (RKE, RKE2) and 1.2 read it; text that does not parse alone holds none. */
function sameData(a: string, b: string): boolean {
  try {
    return (['1.1', '1.2'] as const).every((version) => JSON.stringify(parse(a, { version, merge: true })) === JSON.stringify(parse(b, { version, merge: true })));
  } catch {
    return false;
  }
}
