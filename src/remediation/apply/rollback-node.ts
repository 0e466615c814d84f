/**
 * Undo one host step from the journal. A file is put back byte for byte with its mode and owner (or
 * removed when the step created it) only while it still holds what the step wrote; appended account
 * lines are cut off again. A file someone changed since is a conflict, left alone unless forced.
 * Interrupted steps (begun, never finished) are judged by what the file holds now.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../node-plan.js';
import type { AppendLinesStep, FileModeStep, HostStep, SysctlLoadStep, WriteFileStep } from '../plan.js';
import type { RevertOutcome } from '../journal.js';
import type { CommandRunner } from './apply-node.js';
import { sameModeOwner, type HostRoot } from './host-fs.js';

export type RevertResult = { outcome: RevertOutcome; detail?: string } | { conflict: string };

function revertWriteFile(host: HostRoot, step: WriteFileStep, force: boolean): RevertResult {
  // Under the file's lock (apply writes under it too); the directories it created go after the lock.
  const release = host.exists(path.posix.dirname(step.path)) ? host.lock([step.path]) : () => undefined;
  let result: RevertResult;
  try {
    result = revertWriteFileLocked(host, step, force);
  } finally {
    release();
  }
  if ('outcome' in result && (result.outcome === 'absent' || result.outcome === 'deleted')) {
    for (const dir of [...step.createDirs].reverse()) host.rmdirIfEmpty(dir);
  }
  return result;
}

function revertWriteFileLocked(host: HostRoot, step: WriteFileStep, force: boolean): RevertResult {
  host.removeStrayTemp(step.path);
  const cur = host.observe(step.path);
  if (cur.error && cur.state.exists) return { conflict: `${step.path}: ${cur.error}` };
  const ours = cur.state.exists && cur.state.sha256 === step.sha256;
  if (!step.prior.exists) {
    if (!cur.state.exists) return { outcome: 'absent' };
    if (!ours && !force) return { conflict: `${step.path} was created by rke-harden but has changed since; left in place (--force removes it)` };
    host.unlink(step.path);
    return { outcome: 'deleted' };
  }
  const prior = step.prior;
  if (cur.state.exists && cur.state.sha256 === prior.sha256 && cur.state.mode === prior.mode && cur.state.uid === prior.uid && cur.state.gid === prior.gid) {
    return { outcome: 'unchanged' };
  }
  if (!ours && !force) {
    return { conflict: `${step.path} has changed since rke-harden wrote it${cur.state.exists ? '' : ' (it was removed)'}; left as it is (--force restores the prior content)` };
  }
  const content = Buffer.from(prior.contentBase64 ?? '', 'base64');
  if (sha256(content) !== prior.sha256) return { conflict: `${step.path}: the journal's copy of the prior content does not match its hash` };
  host.writeAtomic(step.path, content, prior);
  return { outcome: 'restored' };
}

/** Remove the last whole-line occurrence of each line; undefined when one is missing. */
function withoutLines(text: string, lines: string[]): string | undefined {
  const all = text.split('\n');
  for (const line of [...lines].reverse()) {
    const at = all.lastIndexOf(line);
    if (at < 0) return undefined;
    all.splice(at, 1);
  }
  return all.join('\n');
}

async function revertAppend(host: HostRoot, step: AppendLinesStep, force: boolean): Promise<RevertResult> {
  return host.withLocks([step.path], async () => {
    host.removeStrayTemp(step.path);
    const bytes = host.readBytes(step.path);
    if (bytes === undefined) return { conflict: `${step.path} no longer exists` };
    const cur = host.observe(step.path);
    if (cur.state.exists && cur.state.sha256 === step.prior.sha256) return { outcome: 'unchanged' };
    const appended = Buffer.from(step.appended);
    const tail = bytes.subarray(bytes.length - appended.length);
    if (bytes.length >= appended.length && tail.equals(appended)) {
      const prior = bytes.subarray(0, bytes.length - appended.length);
      if (sha256(prior) === step.prior.sha256) {
        host.writeAtomic(step.path, prior, step.prior);
        return { outcome: 'restored' };
      }
    }
    // Someone edited the file after us: take out our lines only, keep theirs, keep its mode and owner.
    const text = bytes.toString('utf8');
    const rest = withoutLines(text, step.lines);
    if (rest === undefined) {
      const present = step.lines.filter((l) => text.split('\n').includes(l));
      if (present.length === 0) return { outcome: 'absent', detail: `${step.path} no longer holds the lines rke-harden added` };
      return { conflict: `${step.path} holds only some of the lines rke-harden added` };
    }
    if (!force && !cur.state.exists) return { conflict: `${step.path}: cannot read it` };
    const meta = cur.state.exists ? cur.state : step.prior;
    host.writeAtomic(step.path, rest, meta);
    return { outcome: 'restored', detail: `${step.path} changed since; only the lines rke-harden added were removed` };
  });
}

function revertSysctl(host: HostRoot, step: SysctlLoadStep, run: CommandRunner): RevertResult {
  if (!host.live) return { outcome: 'unchanged', detail: 'not the live host: runtime values left as they are' };
  const restored: string[] = [];
  for (const [key, before] of Object.entries(step.prior)) {
    if (before === null || before === step.desired[key]) continue;
    let now: string | undefined;
    try {
      now = fs.readFileSync(host.local(`/proc/sys/${key.replace(/\./g, '/')}`), 'utf8').trim();
    } catch {
      now = undefined;
    }
    if (now !== step.desired[key]) continue; // changed by someone else since: theirs stays
    const r = run(['sysctl', '-w', `${key}=${before}`]);
    if (r.error || r.status !== 0) return { conflict: `sysctl -w ${key}=${before}: ${r.error ?? r.stderr.trim()}` };
    restored.push(`${key}=${before}`);
  }
  return restored.length ? { outcome: 'restored', detail: restored.join(', ') } : { outcome: 'unchanged' };
}

/**
 * Give each file back the mode and owner it had, while it still has the ones the step set; one that
 * has others now (someone changed it since) is a conflict, left alone unless forced. Newest first.
 */
function revertModes(host: HostRoot, step: FileModeStep, force: boolean): RevertResult {
  const conflicts: string[] = [];
  const gone: string[] = [];
  let restored = 0;
  for (const e of [...step.entries].reverse()) {
    const now = host.modeOwner(e.path);
    if (now === undefined) {
      // Removed since (RKE rewrote its certificates): nothing to give back. A link in its place is not followed.
      if (host.exists(e.path)) conflicts.push(`${e.path} is a symbolic link now; left as it is`);
      else gone.push(e.path);
      continue;
    }
    if (sameModeOwner(now, e.prior)) continue;
    if (!sameModeOwner(now, e.set) && !force) {
      conflicts.push(`${e.path} has mode ${now.mode.toString(8)}, owner ${now.uid}:${now.gid} since; left as it is (--force restores mode ${e.prior.mode.toString(8)}, owner ${e.prior.uid}:${e.prior.gid})`);
      continue;
    }
    host.setModeOwner(e.path, e.prior);
    restored++;
  }
  if (conflicts.length) return { conflict: conflicts.join('; ') };
  const detail = [`${restored} of ${step.entries.length} files`, ...(gone.length ? [`gone since: ${gone.join(', ')}`] : [])].join('; ');
  return restored ? { outcome: 'restored', detail } : gone.length === step.entries.length ? { outcome: 'absent', detail } : { outcome: 'unchanged', ...(gone.length ? { detail } : {}) };
}

export async function revertHostStep(host: HostRoot, step: HostStep, opts: { force: boolean; run: CommandRunner }): Promise<RevertResult> {
  switch (step.kind) {
    case 'write-file':
      return revertWriteFile(host, step, opts.force);
    case 'append-lines':
      return revertAppend(host, step, opts.force);
    case 'sysctl-load':
      return revertSysctl(host, step, opts.run);
    case 'file-mode':
      return revertModes(host, step, opts.force);
  }
}
