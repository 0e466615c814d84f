import fs from 'node:fs';
import path from 'node:path';
import type { FactSnapshot } from '../model/fact.js';
import type { ScanRun } from '../model/result.js';
import { inputError, usageError } from '../errors/rke-harden-error.js';
import { writeSnapshotFile } from './snapshot-file.js';
import { withWaivers } from '../waivers/waivers-option.js';
import { EXIT, exitCodeFor, type FailOn } from './exit-codes.js';
import type { Severity } from '../model/severity.js';
import { emit, render } from './output.js';
import { filesRead } from '../files-read.js';
import { selectResults } from '../engine/select-results.js';

export interface ReportFlags {
  format: string;
  output?: string;
  /** Unset (`report` without --fail-on): exit 0 once rendered. */
  failOn?: FailOn;
  /** --fail-severity: the lowest check severity whose results fail the run (default low: all). */
  failSeverity?: Severity;
  waivers?: string;
  /** `audit node|cluster --snapshot-out FILE`: also save the collected facts, for `audit snapshot`. */
  snapshotOut?: string;
  /** --check / --skip: the controls, sections or checks to keep, or to leave out (selectResults). */
  check?: string[];
  skip?: string[];
  /** false for `report`: a saved scan's warnings were said when it was audited (they stay in the report). */
  warnOnStderr?: boolean;
}

const realPath = (p: string): string => {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

/**
 * Before anything is written: the files to write are not what the command read (a report written over
 * the cluster.yml it audited) nor each other, and their directories exist — so a bad option (or
 * waivers file) ends with nothing written at all.
 */
export function checkOutputs(o: Pick<ReportFlags, 'output' | 'snapshotOut'>, inputs: string[]): void {
  const outs = [...(o.output ? [['--output', o.output]] : []), ...(o.snapshotOut ? [['--snapshot-out', o.snapshotOut]] : [])] as [string, string][];
  if (!outs.length) return; // stdout: no need to resolve every file read (thousands in a directory run)
  const read = new Set([...inputs, ...filesRead()].map(realPath));
  for (const [flag, file] of outs) {
    if (read.has(realPath(file))) throw usageError(`${flag} ${file}: that is a file this command reads; write elsewhere`);
    let dir: fs.Stats | undefined;
    try {
      dir = fs.statSync(path.dirname(path.resolve(file)));
    } catch {
      dir = undefined;
    }
    if (!dir?.isDirectory()) throw inputError(`${file}: cannot write: no such directory (ENOENT)`);
  }
  if (outs.length === 2 && realPath(outs[0]![1]) === realPath(outs[1]![1])) throw usageError(`--output and --snapshot-out name the same file ${outs[0]![1]}`);
}

/** Warnings a report on a terminal would show but a file or another format might bury: the first few on stderr as well. */
const STDERR_WARNINGS = 20;

export function stderrWarnings(warnings: string[], o: Pick<ReportFlags, 'format' | 'output' | 'warnOnStderr'>): string {
  if (warnings.length === 0 || o.warnOnStderr === false || (o.format === 'text' && !o.output)) return '';
  const shown = warnings.slice(0, STDERR_WARNINGS).map((w) => `rke-harden: warning: ${w}\n`).join('');
  const more = warnings.length > STDERR_WARNINGS ? `rke-harden: … ${warnings.length - STDERR_WARNINGS} more warnings in the report\n` : '';
  return shown + more;
}

/**
 * The end of every audit and of `report`: waivers applied, rendered, then the facts saved if asked and
 * the report written; returns the exit code. `inputs`: the files the command read (and the waivers file),
 * never written over.
 */
export function emitRun(audited: { run: ScanRun; sectionTitles: Record<string, string>; snapshot?: FactSnapshot }, o: ReportFlags, inputs: string[] = []): number {
  checkOutputs(o, [...inputs, ...(o.waivers ? [o.waivers] : [])]);
  // Waivers first: one for a control left out is not "unused".
  const run = selectResults(withWaivers(audited.run, o.waivers), o.check, o.skip);
  const colour = !o.output && o.format === 'text' && process.stdout.isTTY === true;
  const text = render(run, o.format, colour, audited.sectionTitles);
  if (o.snapshotOut && audited.snapshot) writeSnapshotFile(audited.snapshot, o.snapshotOut);
  emit(text, o.output);
  process.stderr.write(stderrWarnings(run.warnings, o));
  return o.failOn ? exitCodeFor(run, o.failOn, o.failSeverity) : EXIT.ok;
}
