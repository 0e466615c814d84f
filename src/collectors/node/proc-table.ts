import fs from 'node:fs';
import path from 'node:path';
import { HostNotFound, HostReadError, type ProcessInfo, type ProcTable } from './ports.js';

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'EIO';
}

/** Split /proc/<pid>/cmdline: NUL-separated argv, the trailing NUL dropped. */
export function splitCmdline(raw: Buffer | string): string[] {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text === '') return [];
  const parts = text.split('\u0000');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** The variables `names` of a /proc/<pid>/environ text (NUL-separated NAME=value; of a name set twice the first wins, as Go's os.Getenv). */
export function environOf(raw: string, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of raw.split('\u0000')) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq) : '';
    if (names.includes(name) && !Object.hasOwn(out, name)) out[name] = entry.slice(eq + 1);
  }
  return out;
}

/** The real uid of a /proc/<pid>/status text. */
export function uidFromStatus(status: string): number | undefined {
  const m = /^Uid:\s+(\d+)/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/**
 * The process table of a /proc directory: the host's `/proc` when the scanner shares the host PID
 * namespace, `<host-root>/proc` for a mounted host or a fixture tree.
 */
export class ProcFsTable implements ProcTable {
  readonly description: string;
  constructor(readonly procDir: string) {
    this.description = procDir;
  }

  list(): ProcessInfo[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.procDir);
    } catch (e) {
      const code = errno(e);
      throw new HostReadError(this.procDir, code === 'ENOENT' ? 'ENOENT' : code, code === 'ENOENT' ? 'no such directory: the host\'s processes cannot be seen' : 'cannot list processes');
    }
    const out: ProcessInfo[] = [];
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      let argv: string[];
      try {
        argv = splitCmdline(fs.readFileSync(path.join(this.procDir, name, 'cmdline')));
      } catch {
        continue; // the process exited while we listed, or is not ours to read
      }
      if (argv.length === 0) continue; // kernel thread or zombie
      let uid: number | undefined;
      try {
        uid = uidFromStatus(fs.readFileSync(path.join(this.procDir, name, 'status'), 'utf8'));
      } catch {
        uid = undefined;
      }
      let netNs: string | undefined;
      try {
        netNs = fs.readlinkSync(path.join(this.procDir, name, 'ns', 'net'));
      } catch {
        netNs = undefined; // another user's process without CAP_SYS_PTRACE: its namespace is unknown
      }
      out.push({ pid: Number(name), argv, ...(uid !== undefined ? { uid } : {}), ...(netNs !== undefined ? { netNs } : {}) });
    }
    if (!names.some((n) => /^\d+$/.test(n))) {
      throw new HostReadError(this.procDir, 'no processes', 'is the host\'s /proc mounted here (hostPID)?');
    }
    return out.sort((a, b) => a.pid - b.pid);
  }

  sysctl(name: string): string {
    const file = path.join(this.procDir, 'sys', ...name.split('.'));
    try {
      return fs.readFileSync(file, 'utf8').trim();
    } catch (e) {
      const code = errno(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new HostNotFound(file);
      throw new HostReadError(file, code);
    }
  }

  environ(pid: number, names: readonly string[]): Record<string, string> {
    const file = path.join(this.procDir, String(pid), 'environ');
    let raw: string;
    try {
      raw = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = errno(e);
      if (code === 'ENOENT') throw new HostNotFound(file);
      throw new HostReadError(file, code);
    }
    return environOf(raw, names);
  }

  hostname(): string | undefined {
    try {
      const h = fs.readFileSync(path.join(this.procDir, 'sys', 'kernel', 'hostname'), 'utf8').trim();
      return h || undefined;
    } catch {
      return undefined;
    }
  }
}
