import fs from 'node:fs';
import path from 'node:path';
import { inputError } from './errors/rke-harden-error.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'a file is in the way of a directory',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

/**
 * Write a whole file atomically: a temporary file beside it, then a rename, so a reader never sees half
 * a file. `mkdir` creates missing parent directories. A path that cannot be written is an input error
 * naming it (exit 2), and no temporary file is left behind.
 */
export function writeFileAtomic(file: string, text: string, opts: { mode?: number; mkdir?: boolean } = {}): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    if (opts.mkdir) fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, text, opts.mode !== undefined ? { mode: opts.mode } : {});
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // The temporary file's directory is not one (ENOTDIR): there is no temporary file to remove.
    }
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw inputError(`${file}: cannot write: ${REASONS[code] ?? (e as Error).message}${code ? ` (${code})` : ''}`);
  }
}
