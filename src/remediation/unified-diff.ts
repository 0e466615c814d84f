/**
 * A unified diff (GNU `diff -u` layout) of two texts, for plans: `--- old` / `+++ new` headers without
 * timestamps, hunks with `context` lines around each change, `\ No newline at end of file` where a
 * side lacks a final newline. The empty string when the texts are equal. The line matching is the
 * `diff` package's (Myers, O(ND)); only the layout is ours.
 */
import { structuredPatch } from 'diff';

export interface UnifiedDiffOptions {
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
}

/** `start,count` of a hunk range; GNU writes a count of 1 as just the start, and an empty range as the line before. */
function range(start: number, count: number): string {
  if (count === 1) return String(start);
  return `${count === 0 ? start - 1 : start},${count}`;
}

export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string, opts: UnifiedDiffOptions = {}): string {
  if (oldText === newText) return '';
  const patch = structuredPatch(oldName, newName, oldText, newText, undefined, undefined, { context: opts.context ?? 3 });
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  for (const h of patch.hunks) {
    // structuredPatch starts an empty side at the line after the gap; range() turns it into GNU's line before.
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines);
  }
  return out.join('\n') + '\n';
}

/**
 * The diff of lines appended to a file, showing none of the file's own lines: /etc/shadow and
 * /etc/gshadow hold password hashes, and a diff of them (its last line changes when the file lacks a
 * final newline) would print one.
 */
export function appendedLinesDiff(oldText: string, lines: string[], name: string): string {
  const before = oldText === '' ? 0 : oldText.split('\n').length - (oldText.endsWith('\n') ? 1 : 0);
  return [`--- ${name}`, `+++ ${name}`, `@@ -${before},0 +${range(before + 1, lines.length)} @@`, ...lines.map((l) => `+${l}`)].join('\n') + '\n';
}
