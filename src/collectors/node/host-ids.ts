import { HostNotFound, HostReadError, type HostFs } from './ports.js';

/** Users and groups of the *host* (its etc/passwd and etc/group), never the scanner's. */
export interface HostIds {
  /** `user:group` of numeric ids; an id the host does not name stays numeric. */
  owner(uid: number, gid: number): string;
  uidOf(user: string): number | undefined;
  gidOf(group: string): number | undefined;
}

/** name → id of colon-separated database lines (name:x:id:…); comments and malformed lines skipped. */
export function parseIdDatabase(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name, , id] = line.split(':');
    if (!name || id === undefined || !/^\d+$/.test(id)) continue;
    if (!out.has(name)) out.set(name, Number(id));
  }
  return out;
}

class Databases implements HostIds {
  private readonly userNames = new Map<number, string>();
  private readonly groupNames = new Map<number, string>();
  constructor(
    private readonly users: Map<string, number>,
    private readonly groups: Map<string, number>,
  ) {
    for (const [n, id] of users) if (!this.userNames.has(id)) this.userNames.set(id, n);
    for (const [n, id] of groups) if (!this.groupNames.has(id)) this.groupNames.set(id, n);
  }
  owner(uid: number, gid: number): string {
    return `${this.userNames.get(uid) ?? uid}:${this.groupNames.get(gid) ?? gid}`;
  }
  uidOf(user: string): number | undefined {
    return this.users.get(user);
  }
  gidOf(group: string): number | undefined {
    return this.groups.get(group);
  }
}

export type HostIdsResult = { ok: true; ids: HostIds } | { ok: false; path: string; reason: string };

function read(fs: HostFs, p: string): { text: string } | { path: string; reason: string } {
  try {
    return { text: fs.readText(p) };
  } catch (e) {
    if (e instanceof HostNotFound) return { path: p, reason: `${p}: missing, so owners cannot be named` };
    if (e instanceof HostReadError) return { path: p, reason: `${e.message}: owners cannot be named` };
    throw e;
  }
}

/** Load the host's etc/passwd and etc/group; a missing or unreadable file makes owners unknowable. */
export function loadHostIds(fs: HostFs): HostIdsResult {
  const passwd = read(fs, '/etc/passwd');
  if (!('text' in passwd)) return { ok: false, ...passwd };
  const group = read(fs, '/etc/group');
  if (!('text' in group)) return { ok: false, ...group };
  return { ok: true, ids: new Databases(parseIdDatabase(passwd.text), parseIdDatabase(group.text)) };
}
