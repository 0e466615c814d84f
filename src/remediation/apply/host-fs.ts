/**
 * Effects on the host's files under a host root: atomic writes (temp file in the same directory,
 * fsync, mode and owner set on the temp file, rename, fsync of the directory), shadow-utils style
 * `<file>.lock` locks for the account databases, and reads that say why a file cannot be used.
 * Paths are host paths (`/etc/passwd`); symbolic links in directories resolve inside the root, and
 * a file that is itself a symbolic link is never written through.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LocalHostFs } from '../../collectors/node/local-host-fs.js';
import { HostNotFound, HostReadError } from '../../collectors/node/ports.js';
import { inputError } from '../../errors/rke-harden-error.js';
import { sha256, type ObservedFile } from '../node-plan.js';
import type { ModeOwner } from '../plan.js';

export const sameModeOwner = (a: ModeOwner | undefined, b: ModeOwner): boolean => a !== undefined && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;

export class HostRoot {
  readonly root: string;
  private readonly hostFs: LocalHostFs;
  /** `live`: override of the check that the root is this machine's `/` (tests with faked commands). */
  constructor(
    root: string,
    private readonly liveOverride?: boolean,
  ) {
    this.root = path.resolve(root);
    this.hostFs = new LocalHostFs(this.root);
  }

  /** True when the root is this machine's `/`: runtime changes (sysctl) are allowed. */
  get live(): boolean {
    if (this.liveOverride !== undefined) return this.liveOverride;
    try {
      return fs.realpathSync(this.root) === '/';
    } catch {
      return false;
    }
  }

  /**
   * The local path of a host path: the directory resolved inside the root (the longest existing
   * prefix; the rest is what does not exist yet), the last component not followed.
   */
  local(hostPath: string): string {
    const parts = hostPath.split('/').filter(Boolean);
    const name = parts.pop();
    if (name === undefined) return this.root;
    for (let i = parts.length; i >= 0; i--) {
      let dir: string;
      try {
        dir = this.hostFs.resolve('/' + parts.slice(0, i).join('/'));
      } catch (e) {
        if (!(e instanceof HostNotFound)) throw e;
        continue;
      }
      // The first missing directory must be missing, not a link whose target is missing inside the
      // root: the operating system would follow that link out of the root.
      const next = parts[i];
      if (next !== undefined && isLink(path.join(dir, next))) {
        throw new HostReadError('/' + parts.slice(0, i + 1).join('/'), 'dangling link', 'a symbolic link whose target does not exist under the host root');
      }
      return path.join(dir, ...parts.slice(i), name);
    }
    return path.join(this.root, ...parts, name);
  }

  exists(hostPath: string): boolean {
    try {
      fs.lstatSync(this.local(hostPath));
      return true;
    } catch {
      return false;
    }
  }

  /** State and content of a host file; `error` says why an existing one cannot be used. */
  observe(hostPath: string, opts: { keepContent?: boolean } = {}): ObservedFile {
    let local: string;
    try {
      local = this.local(hostPath);
    } catch (e) {
      if (!(e instanceof HostReadError)) throw e;
      return { path: hostPath, state: { exists: false }, error: e.message };
    }
    let st: fs.Stats;
    try {
      st = fs.lstatSync(local);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { path: hostPath, state: { exists: false } };
      return { path: hostPath, state: { exists: false }, error: `cannot stat (${code})` };
    }
    const base = { sha256: '', size: st.size, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    if (st.isSymbolicLink()) return { path: hostPath, state: { exists: true, ...base }, error: `is a symbolic link (to ${fs.readlinkSync(local)}); rke-harden does not write through links` };
    if (!st.isFile()) return { path: hostPath, state: { exists: true, ...base }, error: 'is not a regular file' };
    let data: Buffer;
    try {
      data = fs.readFileSync(local);
    } catch (e) {
      return { path: hostPath, state: { exists: true, ...base }, error: `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    const state = { exists: true as const, ...base, sha256: sha256(data), size: data.length };
    return { path: hostPath, state: opts.keepContent ? { ...state, contentBase64: data.toString('base64') } : state, text: data.toString('utf8') };
  }

  /**
   * The text of a file only read, never written (another sysctl file, to see what it overrides): links
   * are followed, inside the root. Undefined when it cannot be read.
   */
  readFollowing(hostPath: string): string | undefined {
    try {
      return this.hostFs.readText(hostPath);
    } catch {
      return undefined;
    }
  }

  readBytes(hostPath: string): Buffer | undefined {
    try {
      return fs.readFileSync(this.local(hostPath));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /**
   * Owner of the nearest existing directory on the way to `hostPath` (links followed inside the root,
   * never on this machine), and the directories missing.
   */
  parentInfo(hostPath: string): { createDirs: string[]; uid: number; gid: number } {
    const missing: string[] = [];
    let dir = path.posix.dirname(hostPath);
    for (;;) {
      try {
        const st = fs.statSync(this.hostFs.resolve(dir));
        return { createDirs: missing.reverse(), uid: st.uid, gid: st.gid };
      } catch (e) {
        if (!(e instanceof HostNotFound) || dir === '/') throw e;
        missing.push(dir);
        dir = path.posix.dirname(dir);
      }
    }
  }

  list(hostDir: string): string[] {
    try {
      return fs.readdirSync(this.local(hostDir));
    } catch {
      return [];
    }
  }

  mkdir(hostDir: string, mode = 0o755): void {
    const local = this.local(hostDir);
    fs.mkdirSync(local, { mode });
    fs.chmodSync(local, mode); // the mode asked for, whatever this process's umask (077 would give 0700)
    fsyncDir(path.dirname(local));
  }

  /** Remove a directory if it is empty; true when removed. */
  rmdirIfEmpty(hostDir: string): boolean {
    try {
      fs.rmdirSync(this.local(hostDir));
      fsyncDir(path.dirname(this.local(hostDir)));
      return true;
    } catch {
      return false;
    }
  }

  unlink(hostPath: string): void {
    const local = this.local(hostPath);
    fs.unlinkSync(local);
    fsyncDir(path.dirname(local));
  }

  /** The temp file a write of `hostPath` goes through (fixed name: a leftover of a killed run is ours to remove). */
  tempOf(hostPath: string): string {
    const local = this.local(hostPath);
    return path.join(path.dirname(local), `.${path.basename(local)}.rke-harden.tmp`);
  }

  /** Replace (or create) a file atomically with this content, mode and owner. */
  writeAtomic(hostPath: string, data: string | Buffer, meta: { mode: number; uid: number; gid: number }): void {
    const local = this.local(hostPath);
    const tmp = this.tempOf(hostPath);
    fs.rmSync(tmp, { force: true });
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      fs.writeFileSync(fd, data);
      const st = fs.fstatSync(fd);
      if (st.uid !== meta.uid || st.gid !== meta.gid) fs.fchownSync(fd, meta.uid, meta.gid);
      fs.fchmodSync(fd, meta.mode & 0o7777);
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, local);
    fsyncDir(path.dirname(local));
  }

  /** Mode and owner of a file or directory itself (a link is not followed); undefined when it is gone. */
  modeOwner(hostPath: string): ModeOwner | undefined {
    try {
      const st = fs.lstatSync(this.local(hostPath));
      return st.isSymbolicLink() ? undefined : { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    } catch (e) {
      if (e instanceof HostReadError || ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw e;
    }
  }

  /**
   * Set the owner, then the mode, of a file or directory through a descriptor opened without following
   * a link (O_NOFOLLOW): a link put in its place since it was read makes this fail, not change its target.
   */
  setModeOwner(hostPath: string, to: ModeOwner): void {
    const fd = fs.openSync(this.local(hostPath), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      const st = fs.fstatSync(fd);
      if (st.uid !== to.uid || st.gid !== to.gid) fs.fchownSync(fd, to.uid, to.gid);
      fs.fchmodSync(fd, to.mode & 0o7777);
    } finally {
      fs.closeSync(fd);
    }
  }

  removeStrayTemp(hostPath: string): void {
    fs.rmSync(this.tempOf(hostPath), { force: true });
  }

  /**
   * Take shadow-utils' lock files (`<file>.lock`, created exclusively, holding our pid) in the given
   * order; returns what releases them, in reverse. A lock held by someone else fails at once. Every file
   * rke-harden writes is written under its lock, so two runs never share a temp file.
   */
  lock(hostPaths: string[]): () => void {
    const taken: string[] = [];
    const release = () => {
      for (const lock of taken.reverse()) fs.rmSync(lock, { force: true });
    };
    try {
      for (const p of hostPaths) {
        const lock = `${this.local(p)}.lock`;
        const fd = takeLock(lock, p);
        fs.writeSync(fd, `${process.pid}`);
        fs.closeSync(fd);
        taken.push(lock);
      }
    } catch (e) {
      release();
      throw e;
    }
    return release;
  }

  /** Run `fn` holding the locks of `lock`. */
  async withLocks<T>(hostPaths: string[], fn: () => Promise<T>): Promise<T> {
    const release = this.lock(hostPaths);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Create the lock file exclusively; a lock whose pid is gone is stale and taken over (as shadow-utils does). */
function takeLock(lock: string, hostPath: string): number {
  for (let attempt = 0; ; attempt++) {
    try {
      return fs.openSync(lock, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(fs.readFileSync(lock, 'utf8').trim());
      } catch {
        /* unreadable lock: treated as held */
      }
      if (attempt === 0 && Number.isInteger(holder) && holder > 0 && !alive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      throw inputError(
        `${hostPath} is locked (${hostPath}.lock exists${Number.isInteger(holder) ? `, pid ${holder}` : ''}): another run or tool is editing it; retry, or remove the lock if it is stale`,
      );
    }
  }
}

function isLink(local: string): boolean {
  try {
    return fs.lstatSync(local).isSymbolicLink();
  } catch {
    return false;
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* some file systems refuse fsync on directories; the rename is still atomic */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
