import type { ControlResult, ScanRun } from '../model/result.js';
import { usageError } from '../errors/rke-harden-error.js';
import { summarise } from './scan-run.js';
import { optionItems } from '../option-items.js';

/**
 * `--check` / `--skip` (the options kube-bench users know): keep only the results of the named controls,
 * or leave them out. An id names a control (`1.2.1`), every control of a section (`1.2`, `4`) or a check
 * (`apiserver-anonymous-auth-disabled`); comma-separated lists count as several. An id that names nothing
 * in the scan is a usage error (a typo would otherwise pass as "nothing failed").
 */
export function selectResults(run: ScanRun, check: string[] = [], skip: string[] = []): ScanRun {
  const only = optionItems(check);
  const left = optionItems(skip);
  if (only.length === 0 && left.length === 0) return run;
  const names = (id: string) => (r: ControlResult) => r.controlId === id || r.controlId.startsWith(`${id}.`) || r.checkId === id;
  for (const [flag, list] of [['--check', only], ['--skip', left]] as const) {
    const unknown = list.filter((id) => !run.results.some(names(id)));
    if (unknown.length) throw usageError(`${flag} ${unknown.join(',')}: no control, section or check of this scan has ${unknown.length === 1 ? 'that id' : 'those ids'}`);
  }
  const results = run.results.filter((r) => (only.length === 0 || only.some((id) => names(id)(r))) && !left.some((id) => names(id)(r)));
  return { ...run, results, summary: summarise(results) };
}
