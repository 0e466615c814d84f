import { diffRuns, renderDiffJson, renderDiffMarkdown, renderDiffText, type ScanDiff } from '../reporters/diff.js';
import { usageError } from '../errors/rke-harden-error.js';
import { savedRun } from './report-command.js';
import { DIFF_FORMATS } from './formats.js';


/**
 * `diff <old.json> <new.json>`: both files validated, then what changed, rendered. `incomplete`: the
 * new scan has error results, so what they hide is not compared (exit 3, as for the scan itself).
 */
export function diffScans(oldFile: string, newFile: string, format: string): { diff: ScanDiff; text: string; incomplete: boolean } {
  // Waivers count as of now, as `report` counts them: one expired since a scan was saved no longer waives.
  const a = savedRun(oldFile);
  const b = savedRun(newFile);
  const diff = diffRuns(a, b);
  const incomplete = b.results.some((r) => r.status === 'error');
  switch (format) {
    case 'text':
      return { diff, text: renderDiffText(diff, a, b), incomplete };
    case 'json':
      return { diff, text: renderDiffJson(diff), incomplete };
    case 'markdown':
      return { diff, text: renderDiffMarkdown(diff, a, b), incomplete };
    default:
      throw usageError(`--format ${format}: unknown format for diff (one of ${DIFF_FORMATS.join(', ')})`);
  }
}
