// Ports of the node collector: the only ways it touches the host. Adapters: local-host-fs.ts and
// proc-table.ts; tests inject their own (for example to make a file EACCES while running as root).

/** One entry of a directory listing. */
export interface DirEntry {
  name: string;
  /** What the entry is, a symbolic link followed. */
  kind: 'file' | 'dir' | 'other';
  /** The entry itself is a symbolic link (a walk that does not follow links, as Go's WalkDir, skips it as a directory). */
  link?: true;
}

/** What the collector needs of a stat: permission bits and numeric owner. */
export interface HostStat {
  /** Permission bits only (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  kind: 'file' | 'dir' | 'other';
  size: number;
}

/** A read of the host failed for a reason other than "it is not there". */
export class HostReadError extends Error {
  override name = 'HostReadError';
  constructor(
    /** Host path (as the node sees it, e.g. /etc/kubernetes/ssl/kube-ca.pem). */
    readonly path: string,
    /** errno code when there is one (EACCES, EIO, ELOOP…), else a short word. */
    readonly code: string,
    detail?: string,
  ) {
    super(`${path}: ${describeCode(code)}${detail ? `: ${detail}` : ''}`);
  }
}

/** "Not there": ENOENT or a path through a non-directory. Never an error result. */
export class HostNotFound extends Error {
  override name = 'HostNotFound';
  constructor(readonly path: string) {
    super(`${path}: no such file or directory`);
  }
}

const CODE_TEXT: Record<string, string> = {
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
  EIO: 'input/output error (EIO)',
  ELOOP: 'too many levels of symbolic links (ELOOP)',
  EISDIR: 'is a directory (EISDIR)',
  ENOTDIR: 'not a directory (ENOTDIR)',
  EFBIG: 'file too large',
};

export function describeCode(code: string): string {
  return CODE_TEXT[code] ?? code;
}

/**
 * The host's file system seen through its root (`--host-root`). Paths are host paths (absolute,
 * as on the node); symbolic links resolve inside the root. Methods throw HostNotFound when the
 * path does not exist and HostReadError for every other failure.
 */
export interface HostFs {
  /** Where the root is, for messages (e.g. "/host"). */
  readonly description: string;
  stat(path: string): HostStat;
  readText(path: string, maxBytes?: number): string;
  list(path: string): DirEntry[];
}

export interface ProcessInfo {
  pid: number;
  /** argv as in /proc/<pid>/cmdline (NUL-separated, trailing NUL dropped). */
  argv: string[];
  /** Real uid from /proc/<pid>/status, when readable. */
  uid?: number;
  /** Its network namespace (`net:[4026531840]`, the link /proc/<pid>/ns/net), when readable. */
  netNs?: string;
}

/**
 * The host's process table and kernel parameters (`/proc` of the host's PID namespace). `list`
 * throws HostReadError when the table itself cannot be read (a missing or unreadable /proc);
 * processes that vanish while listing are skipped.
 */
export interface ProcTable {
  /** Where /proc is, for messages (e.g. "/host/proc"). */
  readonly description: string;
  list(): ProcessInfo[];
  /** Text of /proc/sys/<dotted name with / for .>, trimmed; HostNotFound when the key does not exist. */
  sysctl(name: string): string;
  /** The kernel's host name (/proc/sys/kernel/hostname), if readable. */
  hostname(): string | undefined;
  /**
   * The variables `names` in a process's initial environment (/proc/<pid>/environ); others are never
   * returned (the environment can hold tokens). HostReadError when it cannot be read (not root),
   * HostNotFound when the process is gone.
   */
  environ(pid: number, names: readonly string[]): Record<string, string>;
}
