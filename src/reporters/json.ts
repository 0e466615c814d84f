import type { ScanRun } from '../model/result.js';

/** The JSON contract of design.md §4 (schemas/scan-run.schema.json). */
export function renderJson(run: ScanRun): string {
  return JSON.stringify(run, null, 2) + '\n';
}
