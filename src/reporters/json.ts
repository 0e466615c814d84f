import type { ScanRun } from '../model/result.js';
import { jsonChunks } from './json-chunks.js';

/** The JSON contract of design.md §4 (schemas/scan-run.schema.json). */
export function renderJson(run: ScanRun): string {
  return JSON.stringify(run, null, 2) + '\n';
}

/** The same text in pieces: a run of thousands of files is more than one string can hold (jsonChunks). */
export function* renderJsonChunks(run: ScanRun): Generator<string> {
  yield* jsonChunks(run, 2);
  yield '\n';
}
