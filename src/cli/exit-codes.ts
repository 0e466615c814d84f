import type { ScanRun } from '../model/result.js';
import type { ErrorCode } from '../errors/rke-harden-error.js';

/** design.md §3: 0 clean, 1 scored fail (or --fail-on threshold), 2 usage/input error, 3 scan incomplete. */
export const EXIT = { ok: 0, failed: 1, usage: 2, incomplete: 3 } as const;

export type FailOn = 'fail' | 'manual' | 'never';

export function exitCodeFor(run: ScanRun, failOn: FailOn): number {
  if (run.results.some((r) => r.status === 'error')) return EXIT.incomplete;
  if (failOn === 'never') return EXIT.ok;
  const scoredFail = run.results.some((r) => r.status === 'fail' && r.scored);
  const manual = failOn === 'manual' && run.results.some((r) => r.status === 'manual' && r.scored);
  return scoredFail || manual ? EXIT.failed : EXIT.ok;
}

export function exitCodeForError(code: ErrorCode): number {
  if (code === 'incomplete') return EXIT.incomplete;
  return code === 'internal' || code === 'catalog' ? 70 : EXIT.usage;
}
