import fs from 'node:fs';
import path from 'node:path';
import { noteFileRead } from '../../files-read.js';
import { HostNotFound, HostReadError, type DirEntry, type HostFs, type HostStat } from './ports.js';

/** Upper bound for any file the collector reads (configs and kubeconfigs are kilobytes). */
export const MAX_HOST_FILE_BYTES = 4 * 1024 * 1024;
const MAX_LINK_HOPS = 40;

const NOT_FOUND = new Set(['ENOENT', 'ENOTDIR']);

function fail(hostPath: string, e: unknown): never {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  if (NOT_FOUND.has(code)) throw new HostNotFound(hostPath);
  throw new HostReadError(hostPath, code);
}

function kindOf(s: fs.Stats): HostStat['kind'] {
  return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
}

/**
 * The host file system under a root directory (`--host-root`, `/` by default). Symbolic links are
 * followed *inside* the root: an absolute target such as `/var/lib/x` means `<root>/var/lib/x`,
 * and `..` never climbs above the root, so a mounted host cannot send reads into the scanner's
 * own file system.
 */
export class LocalHostFs implements HostFs {
  readonly description: string;
  constructor(readonly root: string) {
    this.description = root;
  }

  /** The host path a host path leads to, every symbolic link resolved under the root. */
  resolveHostPath(hostPath: string): string {
    return '/' + path.relative(this.root, this.resolve(hostPath)).split(path.sep).join('/');
  }

  /** The local path of a host path, every symbolic link resolved under the root. */
  resolve(hostPath: string): string {
    const queue = hostPath.split('/').filter((p) => p !== '' && p !== '.');
    const resolved: string[] = [];
    let hops = 0;
    while (queue.length > 0) {
      const part = queue.shift()!;
      if (part === '.') continue;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      const local = path.join(this.root, ...resolved, part);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(local);
      } catch (e) {
        fail(hostPath, e);
      }
      if (!st.isSymbolicLink()) {
        resolved.push(part);
        continue;
      }
      if (++hops > MAX_LINK_HOPS) throw new HostReadError(hostPath, 'ELOOP');
      let target: string;
      try {
        target = fs.readlinkSync(local);
      } catch (e) {
        fail(hostPath, e);
      }
      if (target.startsWith('/')) resolved.length = 0;
      queue.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
    }
    return path.join(this.root, ...resolved);
  }

  stat(hostPath: string): HostStat {
    const local = this.resolve(hostPath);
    try {
      const s = fs.statSync(local);
      return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, kind: kindOf(s), size: s.size };
    } catch (e) {
      fail(hostPath, e);
    }
  }

  readText(hostPath: string, maxBytes = MAX_HOST_FILE_BYTES): string {
    const local = this.resolve(hostPath);
    try {
      const s = fs.statSync(local);
      if (s.isDirectory()) throw new HostReadError(hostPath, 'EISDIR');
      // A FIFO would block the audit for ever, a device (a link to /dev/zero) never end: only files are read.
      if (!s.isFile()) throw new HostReadError(hostPath, 'not a regular file');
      if (s.size > maxBytes) throw new HostReadError(hostPath, 'EFBIG', `${s.size} bytes, limit ${maxBytes}`);
      const text = fs.readFileSync(local, 'utf8');
      noteFileRead(local);
      return text;
    } catch (e) {
      if (e instanceof HostReadError) throw e;
      fail(hostPath, e);
    }
  }

  list(hostPath: string): DirEntry[] {
    const local = this.resolve(hostPath);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(local, { withFileTypes: true });
    } catch (e) {
      fail(hostPath, e);
    }
    return entries
      .map((d): DirEntry => {
        if (!d.isSymbolicLink()) return { name: d.name, kind: d.isFile() ? 'file' : d.isDirectory() ? 'dir' : 'other' };
        try {
          return { name: d.name, kind: this.stat(path.posix.join(hostPath, d.name)).kind, link: true };
        } catch {
          return { name: d.name, kind: 'other', link: true }; // dangling or unreadable link
        }
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
