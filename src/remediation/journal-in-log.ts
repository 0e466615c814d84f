/**
 * A journal carried in a log. `harden cluster --print-journal` ends its output with the journal
 * between two marker lines, so that a run whose file system is thrown away (the chart's remediation
 * Job) leaves its journal in the pod's log: `kubectl logs job/remediate-now > remediate.log`, then
 * `rke-harden rollback remediate.log`. Rollback extracts it next to the log and works on that file
 * (it appends its own records, which a log must not receive).
 */
import fs from 'node:fs';
import { inputError } from '../errors/rke-harden-error.js';
import { assertOwnFile } from './journal-trust.js';
import { writeFileAtomic } from '../write-file-atomic.js';

export const JOURNAL_BEGIN = '-----BEGIN RKE-HARDEN JOURNAL-----';
export const JOURNAL_END = '-----END RKE-HARDEN JOURNAL-----';

/** The journal's text between the markers. */
export function framedJournal(journalText: string): string {
  return `${JOURNAL_BEGIN}\n${journalText}${journalText.endsWith('\n') || journalText === '' ? '' : '\n'}${JOURNAL_END}\n`;
}

/** Write the journal `file` framed to stdout (nothing when no journal was written: nothing to undo). */
export function printJournal(file: string): void {
  if (fs.existsSync(file)) process.stdout.write(framedJournal(fs.readFileSync(file, 'utf8')));
}

/** The journal framed in `text`, or undefined when it has no marker. One journal per log. */
export function journalInLog(text: string, file: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const begins = lines.flatMap((l, i) => (l.trim() === JOURNAL_BEGIN ? [i] : []));
  if (begins.length === 0) return undefined;
  if (begins.length > 1) throw inputError(`${file}: holds ${begins.length} journals (one per harden run): cut out the one to roll back`);
  const end = lines.findIndex((l, i) => i > begins[0]! && l.trim() === JOURNAL_END);
  if (end < 0) throw inputError(`${file}:${begins[0]! + 1}: the journal has no end line (${JOURNAL_END}): the log is cut short`);
  return lines.slice(begins[0]! + 1, end).map((l) => `${l}\n`).join('');
}

/**
 * The journal file rollback works on: `file` itself, or for a log holding a journal,
 * `<file>.journal.jsonl` written from it (kept when it is already there: an earlier rollback's progress).
 */
export function journalFileFor(file: string): { file: string; note?: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { file }; // readJournal says what is wrong with it
  }
  const journal = journalInLog(text, file);
  if (journal === undefined) return { file };
  assertOwnFile(file, 'log'); // the journal it holds is trusted as the log is
  const extracted = `${file}.journal.jsonl`;
  if (fs.existsSync(extracted)) {
    const first = (t: string) => t.slice(0, t.indexOf('\n'));
    if (first(fs.readFileSync(extracted, 'utf8')) !== first(journal)) throw inputError(`${extracted}: exists and is not the journal in ${file}; move it away`);
    return { file: extracted, note: `the journal in ${file}, continued in ${extracted}` };
  }
  writeFileAtomic(extracted, journal, { mode: 0o600 });
  return { file: extracted, note: `the journal in ${file}, extracted to ${extracted} (rollback records its progress there)` };
}
