import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { dataDir } from '../catalog/paths.js';
import { loadCatalog } from '../catalog/load-catalog.js';
import { inputError } from '../errors/rke-harden-error.js';
import { readJsonFile } from './read-json-file.js';
import type { ScanRun } from '../model/result.js';
import { expireSavedWaivers, unwaiveSaved } from '../waivers/apply-waivers.js';
import { summarise } from '../engine/scan-run.js';
import { mergeSectionTitles } from '../reporters/report-context.js';

/**
 * Bounds memory on a wrong file. A run of the in-cluster aggregator grows with the nodes (~70 MB of
 * JSON at 1,000 nodes, twice that as `agent scans --show` prints it): the bound leaves room for ~1,800.
 */
export const MAX_SCAN_BYTES = 256 * 1024 * 1024;

let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(fs.readFileSync(path.join(dataDir('schemas'), 'scan-run.schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: false, strict: true, strictRequired: false });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    validator = ajv.compile(schema);
  }
  return validator;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath || '(root)';
  if (e.keyword === 'additionalProperties') return `${at}: unknown property ${(e.params as { additionalProperty: string }).additionalProperty}`;
  if (e.keyword === 'enum') return `${at}: ${e.message} (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`;
  return `${at}: ${e.message}`;
}

/** Read a JSON report written by `audit … -o json` and check it against schemas/scan-run.schema.json. */
export function readScanFile(file: string): ScanRun {
  const value = readJsonFile(file, 'a scan report', MAX_SCAN_BYTES);
  const v = validate();
  if (!v(value)) {
    const hint = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
    const version = hint !== undefined && hint !== '1' ? ` (schemaVersion ${JSON.stringify(hint)}; this rke-harden reads 1)` : '';
    throw inputError(`${file}: not an rke-harden scan report${version}: ${describe(v.errors![0]!)}`);
  }
  return value as ScanRun;
}

/** Section titles of the benchmarks a run names, where this catalog knows them. */
export function sectionTitlesFor(run: ScanRun): Record<string, string> {
  const catalog = loadCatalog();
  return mergeSectionTitles(run.benchmarks.map((b) => catalog.benchmarks.get(b.id)?.sectionTitles ?? {}));
}

/**
 * A saved scan as of now: its summary recounted (a hand-edited one must not disagree with the results,
 * or the exit code), its waivers counted as of `now` (those expired since it was saved no longer do).
 * With `waiversGiven` (--waivers, which emitRun then applies as for an audit) the file replaces the
 * waivers the scan was saved with. `report` and `diff` read scans this way.
 */
export function savedRun(file: string, waiversGiven = false, now = new Date()): ScanRun {
  const saved = readScanFile(file);
  const recounted = { ...saved, summary: summarise(saved.results) };
  return waiversGiven ? unwaiveSaved(recounted) : expireSavedWaivers(recounted, now);
}

/** `report <scan.json>`: a saved scan (savedRun), ready to render in any format. */
export function reportSaved(file: string, waiversGiven = false, now = new Date()): { run: ScanRun; sectionTitles: Record<string, string> } {
  const run = savedRun(file, waiversGiven, now);
  return { run, sectionTitles: sectionTitlesFor(run) };
}
