import path from 'node:path';
import type { Fact } from '../../model/fact.js';
import type { HostIdsResult } from './host-ids.js';
import { HostNotFound, HostReadError, type HostFs, type HostStat } from './ports.js';

/** Facts `file.<name>.*` and collection errors `file.<name>` / `file.<name>.owner`. */
export interface FileFacts {
  facts: Fact[];
  errors: Record<string, string>;
  /** The files behind `file.<name>.*` (harden node changes their modes and owners). */
  members?: { name: string; members: Member[] };
}

export interface FileContext {
  fs: HostFs;
  ids: HostIdsResult;
}

export interface Member {
  path: string;
  stat: HostStat;
}

const MAX_DEPTH = 8;

export const modeText = (mode: number): string => (mode & 0o7777).toString(8);

function fact(key: string, value: string, layer: string, file?: string): Fact {
  return { key, value, source: 'file', layer, ...(file ? { location: { file } } : {}) };
}

function missing(name: string, layer: string, where?: string): FileFacts {
  return { facts: [fact(`file.${name}.exists`, 'false', layer, where)], errors: {} };
}

function readError(name: string, e: unknown): FileFacts {
  if (e instanceof HostReadError) return { facts: [], errors: { [`file.${name}`]: e.message } };
  throw e;
}

/** Facts for the members found (one file, or a set): mode is the union, owner the first not root:root. */
export function membersFacts(ctx: FileContext, name: string, shown: string, members: Member[], note = ''): FileFacts {
  if (members.length === 0) return missing(name, `no file at ${shown}${note}`);
  const layer = members.length === 1 && members[0]!.path === shown ? `stat of ${shown}` : `stat of ${members.length} files under ${shown}${note}`;
  const out: FileFacts = { facts: [], errors: {}, members: { name, members } };
  out.facts.push(fact(`file.${name}.exists`, 'true', layer, shown));
  out.facts.push(fact(`file.${name}.path`, shown, layer, shown));
  const union = members.reduce((m, x) => m | x.stat.mode, 0);
  // The member that shows the widest bits is where the evidence points.
  const widest = members.find((x) => x.stat.mode === union) ?? [...members].sort((a, b) => b.stat.mode - a.stat.mode)[0]!;
  out.facts.push(fact(`file.${name}.mode`, modeText(union), layer, widest.path));
  if (!ctx.ids.ok) {
    out.errors[`file.${name}.owner`] = ctx.ids.reason;
    return out;
  }
  const ids = ctx.ids.ids;
  const odd = members.find((x) => ids.owner(x.stat.uid, x.stat.gid) !== 'root:root');
  out.facts.push(fact(`file.${name}.owner`, odd ? ids.owner(odd.stat.uid, odd.stat.gid) : 'root:root', layer, (odd ?? members[0]!).path));
  return out;
}

/** One file (or directory): the first candidate path that exists. */
export function singleFileFacts(ctx: FileContext, name: string, candidates: string[]): FileFacts {
  for (const p of candidates) {
    try {
      return membersFacts(ctx, name, p, [{ path: p, stat: ctx.fs.stat(p) }]);
    } catch (e) {
      if (e instanceof HostNotFound) continue;
      return readError(name, e);
    }
  }
  return candidates.length === 0 ? missing(name, 'no such file on this distro') : missing(name, `not found at ${candidates.join(', ')}`);
}

export interface SetOptions {
  /** Descend into subdirectories. */
  recursive: boolean;
  /** Which regular files belong to the set (path relative to the directory). */
  match: (rel: string) => boolean;
  /** Count the directory itself (and walked subdirectories) as members. */
  includeDirs?: boolean;
  /** Members to leave out (e.g. files the distro gives to etcd on purpose), with why. */
  exclude?: { test: (rel: string, st: HostStat) => boolean; why: string };
}

/** Every member of a set, or HostNotFound for the directory, or HostReadError. */
export function collectSet(fs: HostFs, dir: string, opts: SetOptions): { members: Member[]; excluded: string[] } {
  const top = fs.stat(dir);
  if (top.kind !== 'dir') throw new HostReadError(dir, 'ENOTDIR');
  const members: Member[] = [];
  const excluded: string[] = [];
  const keep = (rel: string, m: Member) => {
    if (opts.exclude?.test(rel, m.stat)) excluded.push(m.path);
    else members.push(m);
  };
  if (opts.includeDirs) keep('', { path: dir, stat: top });
  const walk = (d: string, rel: string, depth: number) => {
    for (const e of fs.list(d)) {
      const p = path.posix.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.kind === 'dir') {
        if (!opts.recursive || depth >= MAX_DEPTH) continue;
        if (opts.includeDirs) keep(r, { path: p, stat: fs.stat(p) });
        walk(p, r, depth + 1);
      } else if (e.kind === 'file' && opts.match(r)) {
        keep(r, { path: p, stat: fs.stat(p) });
      }
    }
  };
  walk(dir, '', 0);
  return { members, excluded };
}

/** A set of files under a directory (pki-certs, kubelet.conf.d…). */
export function setFacts(ctx: FileContext, name: string, dir: string, opts: SetOptions): FileFacts {
  return setFactsAcross(ctx, name, [{ dir, opts }]);
}

/**
 * A set gathered from several directories (cni-config: the CNI configuration, and host-local IPAM's
 * reservations where they exist). The first directory must exist; an `optional` one may be absent.
 */
export function setFactsAcross(ctx: FileContext, name: string, parts: { dir: string; opts: SetOptions; optional?: boolean }[]): FileFacts {
  const members: Member[] = [];
  const notes: string[] = [];
  const read: string[] = [];
  for (const { dir, opts, optional } of parts) {
    let got: { members: Member[]; excluded: string[] };
    try {
      got = collectSet(ctx.fs, dir, opts);
    } catch (e) {
      if (e instanceof HostNotFound && optional) continue;
      if (e instanceof HostNotFound) return missing(name, `no directory ${dir}`);
      return readError(name, e);
    }
    read.push(dir);
    members.push(...got.members);
    const shown = got.excluded.slice(0, 3).join(', ') + (got.excluded.length > 3 ? ', …' : '');
    if (got.excluded.length > 0) notes.push(`; left out ${got.excluded.length} (${opts.exclude!.why}): ${shown}`);
  }
  const where = read.join(', ');
  if (members.length === 0) return missing(name, `no matching file in ${where}${notes.join('')}`, parts[0]!.dir);
  return membersFacts(ctx, name, where, members, notes.join(''));
}
