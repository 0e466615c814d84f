import type { FactSnapshot } from '../model/fact.js';
import type { ScanRun } from '../model/result.js';
import { writeSnapshotFile } from './snapshot-file.js';
import { withWaivers } from '../waivers/waivers-option.js';
import { EXIT, exitCodeFor, type FailOn } from './exit-codes.js';
import { emit, render } from './output.js';

export interface ReportFlags {
  format: string;
  output?: string;
  /** Unset (`report` without --fail-on): exit 0 once rendered. */
  failOn?: FailOn;
  waivers?: string;
  /** `audit node|cluster --snapshot-out FILE`: also save the collected facts, for `audit snapshot`. */
  snapshotOut?: string;
}

/** The end of every audit and of `report`: facts saved if asked, waivers applied, rendered, written; returns the exit code. */
export function emitRun(audited: { run: ScanRun; sectionTitles: Record<string, string>; snapshot?: FactSnapshot }, o: ReportFlags): number {
  if (o.snapshotOut && audited.snapshot) writeSnapshotFile(audited.snapshot, o.snapshotOut);
  const run = withWaivers(audited.run, o.waivers);
  const colour = !o.output && o.format === 'text' && process.stdout.isTTY === true;
  emit(render(run, o.format, colour, audited.sectionTitles), o.output);
  return o.failOn ? exitCodeFor(run, o.failOn) : EXIT.ok;
}
