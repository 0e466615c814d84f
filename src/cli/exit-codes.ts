import type { ScanRun } from '../model/result.js';
import type { ErrorCode } from '../errors/rke-harden-error.js';
import { atSeverity, type Severity } from '../model/severity.js';

/** design.md §3: 0 clean, 1 scored fail (or --fail-on threshold), 2 usage/input error, 3 scan incomplete. */
export const EXIT = { ok: 0, failed: 1, usage: 2, incomplete: 3 } as const;

export type FailOn = 'fail' | 'manual' | 'never';

/**
 * With --fail-on manual, a scored control left to check by hand fails the run, unless another target of
 * the same run decides its check (passes, fails or waives it): `audit --config … --node …` is how a
 * configuration's controls that only `audit node` can show get decided (docs/ci.md). With
 * `--fail-severity high` only results of high-severity checks fail the run (medium: high and medium).
 */
export function exitCodeFor(run: ScanRun, failOn: FailOn, minSeverity: Severity = 'low'): number {
  if (run.results.some((r) => r.status === 'error')) return EXIT.incomplete;
  if (failOn === 'never') return EXIT.ok;
  if (run.results.some((r) => r.status === 'fail' && r.scored && atSeverity(r, minSeverity))) return EXIT.failed;
  if (failOn === 'fail') return EXIT.ok;
  const decided = new Set(run.results.filter((r) => r.checkId && (r.status === 'pass' || r.status === 'fail' || r.status === 'waived')).map((r) => r.checkId));
  const undecided = run.results.some((r) => r.status === 'manual' && r.scored && atSeverity(r, minSeverity) && !(r.checkId && decided.has(r.checkId)));
  return undecided ? EXIT.failed : EXIT.ok;
}

export function exitCodeForError(code: ErrorCode): number {
  if (code === 'incomplete') return EXIT.incomplete;
  return code === 'internal' || code === 'catalog' ? 70 : EXIT.usage;
}
