import fs from 'node:fs';
import path from 'node:path';
import type { ScanRun } from '../model/result.js';
import { renderJson } from '../reporters/json.js';
import { renderText } from '../reporters/text.js';
import { usageError } from '../errors/rke-harden-error.js';

export const FORMATS = ['text', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export function render(run: ScanRun, format: string, colour: boolean, sectionTitles: Record<string, string>): string {
  switch (format) {
    case 'text':
      return renderText(run, { colour, sectionTitles });
    case 'json':
      return renderJson(run);
    default:
      throw usageError(`--format ${format}: unknown format (one of ${FORMATS.join(', ')})`);
  }
}

/** Write to --output atomically (temp file + rename), or to stdout. */
export function emit(text: string, output: string | undefined): void {
  if (!output) {
    process.stdout.write(text);
    return;
  }
  const tmp = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, output);
}
