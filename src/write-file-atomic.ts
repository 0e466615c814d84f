import { randomBytes } from 'node:crypto';
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
    // Another user's link would send our (root's) write wherever they point it, an /etc/shadow say.
    const me = process.getuid?.();
    if (me !== undefined && st.uid !== me && st.uid !== 0) {
      throw inputError(`${file}: a symbolic link owned by uid ${st.uid}, not followed: write to its target directly`);
    }
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

/** A file written under a temporary name beside its target, put in place by commit(), or removed by abort(). */
interface Staged {
  commit: () => void;
  abort: () => void;
}

const noop = () => undefined;

/** What is written: one string, or pieces of one text too large to be a string (a report of thousands of files). */
export type Content = string | Iterable<string>;

const BLOCK = 1 << 20;

/** The content in blocks of about a megabyte: pieces joined so that each write is large, a string as it is. */
export function* blocksOf(content: Content): Generator<string> {
  if (typeof content === 'string') {
    yield content;
    return;
  }
  let pending: string[] = [];
  let size = 0;
  for (const piece of content) {
    pending.push(piece);
    size += piece.length;
    if (size >= BLOCK) {
      yield pending.join('');
      pending = [];
      size = 0;
    }
  }
  if (pending.length > 0) yield pending.join('');
}

/** Write the content at the descriptor's position. */
function writeContent(fd: number, content: Content): void {
  for (const block of blocksOf(content)) fs.writeFileSync(fd, block);
}

/** Create or truncate `file` (`wx`: create only) and write the content. */
function writeNamed(file: string, content: Content, flag: string, mode?: number): void {
  const fd = fs.openSync(file, flag, mode);
  try {
    writeContent(fd, content);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Write `text` for `file` without touching `file` yet. A file already there keeps its mode and, where
 * this process may set it, its owner; `mode` is for a new file. A device, FIFO or pipe is written at
 * commit, as it is.
 */
function stage(file: string, text: Content, opts: { mode?: number; mkdir?: boolean }): Staged {
  const to = destination(file);
  if ('stream' in to) return { commit: () => writeStream(file, to.stream, text), abort: noop };
  const target = to.atomic;
  // A name no one can guess, created exclusively: a link planted at it is never followed.
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const abort = () => {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // The temporary file's directory is not one (ENOTDIR): there is no temporary file to remove.
    }
  };
  try {
    if (opts.mkdir) fs.mkdirSync(path.dirname(target), { recursive: true });
    const existing = statOrUndefined(target);
    // Found now, not at the rename: a failure must come before any file of a set takes its place.
    if (existing?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const mode = existing?.isFile() ? existing.mode & 0o7777 : opts.mode;
    writeNamed(tmp, text, 'wx', mode);
    if (mode !== undefined) fs.chmodSync(tmp, mode); // the umask narrowed it
    if (existing?.isFile() && (existing.uid !== process.getuid?.() || existing.gid !== process.getgid?.())) keepOwner(tmp, existing);
  } catch (e) {
    abort();
    throw cannotWrite(file, e);
  }
  return {
    commit: () => {
      try {
        fs.renameSync(tmp, target);
      } catch (e) {
        abort();
        throw cannotWrite(file, e);
      }
    },
    abort,
  };
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** The owner and group of the file replaced, where this process may give them (root); otherwise ours. */
function keepOwner(tmp: string, existing: fs.Stats): void {
  try {
    fs.chownSync(tmp, existing.uid, existing.gid);
  } catch {
    // EPERM as an ordinary user: the file is replaced with our ownership, as any editor would.
  }
}

function writeStream(file: string, stream: string, text: Content): void {
  try {
    writeNamed(stream, text, 'w');
  } catch (e) {
    // A socket behind /dev/stdout (a parent process's pipe made by socketpair) cannot be opened by
    // name (ENXIO): write to our own descriptor instead.
    const fd = ownDescriptor(stream);
    if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || fd === undefined) throw cannotWrite(file, e);
    try {
      writeContent(fd, text);
    } catch (e2) {
      throw cannotWrite(file, e2);
    }
  }
}

/**
 * Write a whole file atomically: a temporary file beside it, then a rename, so a reader never sees half
 * a file (see destination() for links, devices and pipes). `mkdir` creates missing parent directories.
 * A path that cannot be written is an input error naming it (exit 2), and no temporary file is left
 * behind.
 */
export function writeFileAtomic(file: string, text: Content, opts: { mode?: number; mkdir?: boolean } = {}): void {
  stage(file, text, opts).commit();
}

/**
 * Write several files as one change: every one is written under its temporary name first, and only
 * when all are does each take its place. A failure on the way leaves none of them written.
 */
export function writeFilesAtomic(files: { file: string; text: string; mode?: number }[], opts: { mkdir?: boolean } = {}): void {
  const staged: Staged[] = [];
  try {
    for (const f of files) staged.push(stage(f.file, f.text, { ...opts, ...(f.mode !== undefined ? { mode: f.mode } : {}) }));
  } catch (e) {
    staged.forEach((s) => s.abort());
    throw e;
  }
  staged.forEach((s, i) => {
    try {
      s.commit();
    } catch (e) {
      staged.slice(i + 1).forEach((rest) => rest.abort());
      throw e;
    }
  });
}

/**
 * The input error for a write the system refused (naming the file). Anything else is passed on as it is:
 * content given in pieces is produced while it is written, and a fault there is not the file's.
 */
function cannotWrite(file: string, e: unknown): Error {
  if (!(e as NodeJS.ErrnoException).code) return e as Error;
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return inputError(`${file}: cannot write: ${REASONS[code] ?? (e as Error).message}${code ? ` (${code})` : ''}`);
}
