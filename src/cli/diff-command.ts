import { diffRuns, renderDiffJson, renderDiffMarkdown, renderDiffText, type ScanDiff } from '../reporters/diff.js';
import { usageError } from '../errors/rke-harden-error.js';
import { readScanFile } from './report-command.js';
import { DIFF_FORMATS } from './formats.js';


/** `diff <old.json> <new.json>`: both files validated, then what changed, rendered. */
export function diffScans(oldFile: string, newFile: string, format: string): { diff: ScanDiff; text: string } {
  const a = readScanFile(oldFile);
  const b = readScanFile(newFile);
  const diff = diffRuns(a, b);
  switch (format) {
    case 'text':
      return { diff, text: renderDiffText(diff, a, b) };
    case 'json':
      return { diff, text: renderDiffJson(diff) };
    case 'markdown':
      return { diff, text: renderDiffMarkdown(diff, a, b) };
    default:
      throw usageError(`--format ${format}: unknown format for diff (one of ${DIFF_FORMATS.join(', ')})`);
  }
}
