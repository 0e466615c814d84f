/**
 * The journal: an append-only JSON Lines file (mode 0600) that records, before each write, the step
 * and the prior state it replaces, then whether the write finished. Rollback needs nothing else.
 *
 *   {"type":"journal","schemaVersion":1,"kind":"cluster","target":{…},"tool":{…},"createdAt":…}   header, first line
 *   {"type":"run","run":1,"startedAt":…,"options":{…}}                                            one per apply run
 *   {"type":"begin","seq":1,"run":1,"step":{…prior…}}       durable (fsync) before the write starts
 *   {"type":"done","seq":1,"result":{"uid":…}}              the write returned
 *   {"type":"failed","seq":1,"error":"…","written":false}   the write was refused ("unknown": it may have happened)
 *   {"type":"runEnd","run":1,"status":"complete"}
 *   {"type":"revert","seq":1,"outcome":"restored"}          written by rollback, newest step first
 *   {"type":"rollbackEnd","complete":true}
 *
 * A run killed at any point leaves a valid journal: at worst a last line cut short, which the reader
 * drops (and a resuming writer truncates). Records are appended with group commit: every record
 * waiting when a flush starts goes out in one write followed by one fsync.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import * as z from 'zod';
import { inputError } from '../errors/rke-harden-error.js';
import { TOOL_VERSION } from '../version.js';
import { assertOwnFile, implausibleStep } from './journal-trust.js';
import { RemediationStepSchema, sameTarget, type RemediationStep, type Target } from './plan.js';

export const JOURNAL_SCHEMA_VERSION = 1;

const TargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('node'), hostRoot: z.string(), distro: z.enum(['rke1', 'rke2']), live: z.boolean() }),
  z.strictObject({ kind: z.literal('cluster'), server: z.string(), context: z.string(), gitVersion: z.string(), clusterUid: z.string().optional() }),
]);

const HeaderSchema = z.strictObject({
  type: z.literal('journal'),
  schemaVersion: z.literal(JOURNAL_SCHEMA_VERSION),
  kind: z.enum(['node', 'cluster']),
  target: TargetSchema,
  tool: z.strictObject({ name: z.string(), version: z.string() }),
  createdAt: z.string(),
});
export type JournalHeader = z.infer<typeof HeaderSchema>;

const REVERT_OUTCOMES = ['restored', 'deleted', 'unchanged', 'absent'] as const;
export type RevertOutcome = (typeof REVERT_OUTCOMES)[number];

const RecordSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('run'), run: z.number().int().positive(), startedAt: z.string(), options: z.record(z.string(), z.unknown()) }),
  z.strictObject({ type: z.literal('begin'), seq: z.number().int().positive(), run: z.number().int().positive(), step: RemediationStepSchema }),
  z.strictObject({
    type: z.literal('done'),
    seq: z.number().int().positive(),
    result: z.strictObject({ uid: z.string().optional(), resourceVersion: z.string().optional() }).optional(),
  }),
  z.strictObject({ type: z.literal('failed'), seq: z.number().int().positive(), error: z.string(), written: z.union([z.literal(false), z.literal('unknown')]) }),
  z.strictObject({ type: z.literal('runEnd'), run: z.number().int().positive(), status: z.enum(['complete', 'failed']), at: z.string() }),
  z.strictObject({ type: z.literal('revert'), seq: z.number().int().positive(), outcome: z.enum(REVERT_OUTCOMES), detail: z.string().optional(), at: z.string() }),
  z.strictObject({ type: z.literal('rollbackEnd'), complete: z.boolean(), at: z.string() }),
]);
export type JournalRecord = z.infer<typeof RecordSchema>;

export interface JournalEntry {
  seq: number;
  run: number;
  step: RemediationStep;
  /** started: begun, never finished (the run was killed, or is still running). */
  status: 'started' | 'done' | 'failed';
  result?: { uid?: string; resourceVersion?: string };
  /** For failed steps: false when the server refused (nothing written), 'unknown' when it may have been written. */
  written?: false | 'unknown';
  reverted?: RevertOutcome;
}

export interface Journal {
  file: string;
  header: JournalHeader;
  entries: JournalEntry[];
  runs: number;
  /** Some run has no runEnd (killed, or running now). */
  interrupted: boolean;
  rolledBack: boolean;
  /** Byte length of the complete lines (a cut-short last line is beyond it). */
  validBytes: number;
  truncatedTail: boolean;
}

export function readJournal(file: string): Journal {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw inputError(`journal ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  assertOwnFile(file, 'journal');
  const lines = text.split('\n');
  // Everything up to the last newline is complete; what follows is a record cut short by a crash.
  const tail = lines.pop() ?? '';
  const truncatedTail = tail !== '';
  const validBytes = Buffer.byteLength(text) - Buffer.byteLength(tail);
  if (lines.length === 0) throw inputError(`journal ${file}: empty or not a journal`);
  const parse = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw inputError(`journal ${file}:${n}: not JSON`);
    }
  };
  const h = HeaderSchema.safeParse(parse(lines[0]!, 1));
  if (!h.success) throw inputError(`journal ${file}:1: not an rke-harden journal (${h.error.issues[0]?.message ?? 'bad header'})`);
  const bySeq = new Map<number, JournalEntry>();
  const ended = new Set<number>();
  let runs = 0;
  let rolledBack = false;
  lines.slice(1).forEach((line, i) => {
    const n = i + 2;
    const r = RecordSchema.safeParse(parse(line, n));
    if (!r.success) throw inputError(`journal ${file}:${n}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    const rec = r.data;
    const entry = 'seq' in rec ? bySeq.get(rec.seq) : undefined;
    if ('seq' in rec && rec.type !== 'begin' && !entry) throw inputError(`journal ${file}:${n}: ${rec.type} of step ${rec.seq}, which never began`);
    switch (rec.type) {
      case 'run':
        runs = Math.max(runs, rec.run);
        break;
      case 'begin': {
        if (bySeq.has(rec.seq)) throw inputError(`journal ${file}:${n}: step ${rec.seq} begins twice`);
        const implausible = implausibleStep(rec.step);
        if (implausible) throw inputError(`journal ${file}:${n}: step ${rec.seq} ${implausible}: not a journal of rke-harden's, refused`);
        bySeq.set(rec.seq, { seq: rec.seq, run: rec.run, step: rec.step, status: 'started' });
        break;
      }
      case 'done':
        entry!.status = 'done';
        if (rec.result) entry!.result = rec.result;
        break;
      case 'failed':
        entry!.status = 'failed';
        entry!.written = rec.written;
        break;
      case 'runEnd':
        ended.add(rec.run);
        break;
      case 'revert':
        entry!.reverted = rec.outcome;
        break;
      case 'rollbackEnd':
        rolledBack = rolledBack || rec.complete;
        break;
    }
  });
  const entries = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  let interrupted = false;
  for (let run = 1; run <= runs; run++) if (!ended.has(run)) interrupted = true;
  return { file, header: h.data, entries, runs, interrupted, rolledBack, validBytes, truncatedTail };
}

/** Steps whose write may have happened and that rollback has not reverted yet, newest first. */
export function pendingReverts(j: Journal): JournalEntry[] {
  return j.entries.filter((e) => !e.reverted && !(e.status === 'failed' && e.written === false)).reverse();
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * `<journal>.lock` (our pid) while a run or a rollback writes the journal: a second process gets a
 * clear error; a lock left by a killed process (pid gone) is taken over.
 */
export function lockJournal(file: string): () => void {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lock, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw inputError(`journal lock ${lock}: ${(e as Error).message}`);
      const pid = Number(fs.readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw inputError(`journal ${file} is in use by process ${pid} (${lock}); wait for it to finish`);
      }
      fs.rmSync(lock, { force: true }); // stale: its process is gone
    }
  }
  throw inputError(`journal ${file}: could not take ${lock}`);
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* not supported here; the file's own fsync still holds */
  }
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class JournalWriter {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private broken: unknown;
  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    private seq: number,
    readonly run: number,
    private readonly unlock: () => void,
  ) {}

  /** A new journal; refuses to overwrite an existing file. */
  static async create(file: string, target: Target): Promise<JournalWriter> {
    const abs = path.resolve(file);
    let fh: FileHandle;
    try {
      fh = await fs.promises.open(abs, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw inputError(`journal ${file} already exists`);
      throw inputError(`journal ${file}: ${(e as Error).message}`);
    }
    const unlock = lockJournal(abs);
    const header: JournalHeader = {
      type: 'journal',
      schemaVersion: JOURNAL_SCHEMA_VERSION,
      kind: target.kind,
      target,
      tool: { name: 'rke-harden', version: TOOL_VERSION },
      createdAt: new Date().toISOString(),
    };
    await fh.writeFile(JSON.stringify(header) + '\n');
    await fh.sync();
    fsyncDir(path.dirname(abs));
    return new JournalWriter(abs, fh, 0, 1, unlock);
  }

  /**
   * Append to an existing journal: a rerun after an interrupted (or finished) run continues it, so
   * one rollback undoes both. `run` false: the rollback's own records.
   */
  static async open(file: string, opts: { newRun: boolean }): Promise<{ writer: JournalWriter; journal: Journal }> {
    const abs = path.resolve(file);
    const unlock = lockJournal(abs);
    try {
      const journal = readJournal(abs);
      // Drop a record cut short by a crash so that the next record starts on a line of its own.
      if (journal.truncatedTail) {
        await fs.promises.truncate(abs, journal.validBytes);
      }
      const fh = await fs.promises.open(abs, 'a', 0o600);
      const seq = journal.entries.reduce((m, e) => Math.max(m, e.seq), 0);
      return { writer: new JournalWriter(abs, fh, seq, opts.newRun ? journal.runs + 1 : journal.runs, unlock), journal };
    } catch (e) {
      unlock();
      throw e;
    }
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** Resolves once the record is on disk (written and fsynced). */
  append(record: JournalRecord): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.pending.push({ line: JSON.stringify(record) + '\n', resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length) {
        // Let every append of this turn of the event loop join the batch.
        await new Promise<void>((r) => setImmediate(r));
        const batch = this.pending.splice(0);
        try {
          if (this.broken) throw this.broken;
          await this.fh.writeFile(batch.map((b) => b.line).join(''));
          await this.fh.sync();
          for (const b of batch) b.resolve();
        } catch (e) {
          this.broken ??= e instanceof Error ? inputError(`journal ${this.file}: ${e.message}`) : e;
          for (const b of batch) b.reject(this.broken);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.fh.close();
    this.unlock();
  }
}

/**
 * The journal of an apply run: a new file, or — when `file` exists — the same journal continued
 * (after an interrupted or earlier run on the same target), so that one rollback undoes every run.
 * A journal that has been rolled back, even partly, is not continued.
 */
export async function openJournalForRun(file: string, target: Target): Promise<{ writer: JournalWriter; note?: string }> {
  if (!fs.existsSync(file)) return { writer: await JournalWriter.create(file, target) };
  const { writer, journal } = await JournalWriter.open(file, { newRun: true });
  const refuse = async (why: string): Promise<never> => {
    await writer.close();
    throw inputError(`journal ${file}: ${why}; pass a new --journal file`);
  };
  if (!sameTarget(journal.header.target, target)) {
    const t = journal.header.target;
    await refuse(`it records changes to ${t.kind === 'node' ? `host root ${t.hostRoot}` : `cluster ${t.server}`}, not this ${target.kind}`);
  }
  if (journal.rolledBack || journal.entries.some((e) => e.reverted)) await refuse('it has been rolled back');
  return {
    writer,
    note: `Continuing journal ${file} (run ${writer.run}${journal.interrupted ? '; an earlier run was interrupted' : ''}): one rollback undoes every run.`,
  };
}

/** A step as the journal keeps it: the display diff is dropped (the step's data says what changes). */
export const journalStep = (step: RemediationStep): RemediationStep => ({ ...step, diff: '' });

export function defaultJournalPath(kind: 'node' | 'cluster', now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `rke-harden-${kind}-${stamp}.journal.jsonl`;
}
