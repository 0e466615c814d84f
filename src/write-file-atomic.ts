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
 * Where a write of `file` goes. A regular file (or none yet) is replaced atomically; through a symbolic
 * link, the file it points to (the link stays a link); a device, FIFO or pipe (`/dev/null`,
 * `/dev/stdout`, `>(cmd)`) is written to as it is — a rename would put a plain file in its place.
 */
function destination(file: string): { atomic: string } | { stream: string } {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return { atomic: file }; // not there yet (or its directory is not: the write says so)
  }
  if (st.isSymbolicLink()) {
    let target: fs.Stats;
    try {
      target = fs.statSync(file);
    } catch {
      return { stream: file }; // a link to nothing yet: write through it
    }
    // A pipe or terminal behind /dev/stdout or /dev/fd/N: realpath names /proc/<pid>/fd/pipe:[N],
    // which cannot be opened; the link itself can.
    if (!target.isFile() && !target.isDirectory()) return { stream: file };
    return destination(fs.realpathSync(file));
  }
  return st.isFile() || st.isDirectory() ? { atomic: file } : { stream: file };
}

/** The descriptor number /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N names. */
function ownDescriptor(file: string): number | undefined {
  const m = /^\/dev\/(stdout|stderr)$|^\/(?:dev|proc\/self)\/fd\/(\d+)$/.exec(file);
  if (!m) return undefined;
  return m[1] === 'stdout' ? 1 : m[1] === 'stderr' ? 2 : Number(m[2]);
}

/**
 * Write a whole file atomically: a temporary file beside it, then a rename, so a reader never sees half
 * a file (see destination() for links, devices and pipes). `mkdir` creates missing parent directories.
 * A path that cannot be written is an input error naming it (exit 2), and no temporary file is left
 * behind.
 */
export function writeFileAtomic(file: string, text: string, opts: { mode?: number; mkdir?: boolean } = {}): void {
  const to = destination(file);
  if ('stream' in to) {
    try {
      fs.writeFileSync(to.stream, text);
    } catch (e) {
      // A socket behind /dev/stdout (a parent process's pipe made by socketpair) cannot be opened by
      // name (ENXIO): write to our own descriptor instead.
      const fd = ownDescriptor(to.stream);
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || fd === undefined) throw cannotWrite(file, e);
      try {
        fs.writeFileSync(fd, text);
      } catch (e2) {
        throw cannotWrite(file, e2);
      }
    }
    return;
  }
  const target = to.atomic;
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    if (opts.mkdir) fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(tmp, text, opts.mode !== undefined ? { mode: opts.mode } : {});
    fs.renameSync(tmp, target);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // The temporary file's directory is not one (ENOTDIR): there is no temporary file to remove.
    }
    throw cannotWrite(file, e);
  }
}

function cannotWrite(file: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return inputError(`${file}: cannot write: ${REASONS[code] ?? (e as Error).message}${code ? ` (${code})` : ''}`);
}
