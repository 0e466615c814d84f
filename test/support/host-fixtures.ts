// Builds node fixture trees (used as --host-root) in a temp directory: files with real modes and
// owners (chown needs root), etc/passwd and etc/group, proc/<pid>/cmdline with NUL-separated argv,
// proc/<pid>/environ, proc/<pid>/status, and proc/sys/... kernel parameters. Specs live in test/fixtures/hosts/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface FileSpec {
  /** File content; omit with `dir: true`. */
  content?: string;
  dir?: boolean;
  /** A symbolic link to this target (as written, absolute targets mean host paths). */
  symlink?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface ProcessSpec {
  pid: number;
  argv: string[];
  uid?: number;
  /** Its environment (proc/<pid>/environ), added to what it inherits when it really runs. */
  env?: Record<string, string>;
  /** Its network namespace inode (proc/<pid>/ns/net → net:[N]); none: the link is absent. */
  netNs?: number;
}

export interface HostSpec {
  /** Host path → file (a string is content with mode 0600 root:root). Parent dirs: 0755 root:root. */
  files: Record<string, FileSpec | string>;
  processes: ProcessSpec[];
  /** dotted name → value, written to proc/sys/<name>. */
  sysctls: Record<string, string>;
  hostname: string;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Materialise a spec under a fresh temp directory; returns the root. Needs root for chown. */
export function buildHostTree(spec: HostSpec, prefix = 'rke-harden-host-'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(root, 0o755);
  const owners: [string, number, number][] = [];
  const local = (hostPath: string) => path.join(root, ...hostPath.split('/').filter(Boolean));
  const ensureDir = (p: string) => fs.mkdirSync(p, { recursive: true, mode: 0o755 });

  // Directories first (so explicit modes are not undone by children), then files.
  const entries = Object.entries(spec.files).map(([p, s]) => [p, typeof s === 'string' ? { content: s } : s] as const);
  for (const [p] of entries.filter(([, s]) => s.dir)) {
    ensureDir(local(p));
  }
  for (const [p, s] of entries.filter(([, s]) => !s.dir)) {
    const l = local(p);
    ensureDir(path.dirname(l));
    if (s.symlink !== undefined) {
      fs.symlinkSync(s.symlink, l);
      continue;
    }
    fs.writeFileSync(l, s.content ?? '');
  }
  for (const [p, s] of entries) {
    if (s.symlink !== undefined) continue;
    const l = local(p);
    fs.chmodSync(l, s.mode ?? (s.dir ? 0o755 : 0o600));
    owners.push([l, s.uid ?? 0, s.gid ?? 0]);
  }

  // /proc: processes, kernel parameters, host name.
  for (const p of spec.processes) {
    const dir = local(`/proc/${p.pid}`);
    ensureDir(dir);
    fs.writeFileSync(path.join(dir, 'cmdline'), p.argv.join('\u0000') + '\u0000');
    fs.writeFileSync(path.join(dir, 'environ'), Object.entries(p.env ?? {}).map(([k, v]) => `${k}=${v}\u0000`).join(''));
    if (p.netNs !== undefined) {
      ensureDir(path.join(dir, 'ns'));
      fs.symlinkSync(`net:[${p.netNs}]`, path.join(dir, 'ns', 'net'));
    }
    const uid = p.uid ?? 0;
    fs.writeFileSync(path.join(dir, 'status'), `Name:\t${path.basename(p.argv[0] ?? '')}\nState:\tS (sleeping)\nPid:\t${p.pid}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nGid:\t${uid}\t${uid}\t${uid}\t${uid}\n`);
  }
  for (const [name, value] of Object.entries({ ...spec.sysctls, 'kernel.hostname': spec.hostname })) {
    const file = local(`/proc/sys/${name.split('.').join('/')}`);
    ensureDir(path.dirname(file));
    fs.writeFileSync(file, `${value}\n`);
  }

  if (isRoot()) {
    for (const [l, uid, gid] of owners) fs.chownSync(l, uid, gid);
  }
  return root;
}

export function removeHostTree(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}
