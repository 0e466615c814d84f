/**
 * Apply a node plan: for each step, the journal record (step + prior state) is made durable first,
 * then the file is written atomically (or the command run), then the step is marked done. The
 * account databases are edited under their shadow-utils locks, and only if they still hold what the
 * plan was computed from.
 */
import { spawnSync } from 'node:child_process';
import { journalStep, type JournalWriter } from '../journal.js';
import type { AppendLinesStep, FileModeStep, HostStep, RemediationPlan, SysctlLoadStep, WriteFileStep } from '../plan.js';
import { sameModeOwner, type HostRoot } from './host-fs.js';

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started (ENOENT, …). */
  error?: string;
}

export type CommandRunner = (argv: string[]) => CommandResult;

export const spawnRunner: CommandRunner = (argv) => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(r.error ? { error: r.error.message } : {}) };
};

export interface StepOutcome {
  id: string;
  title: string;
  status: 'applied' | 'failed';
  error?: string;
}

/** shadow-utils' lock order (useradd: passwd, shadow, group, gshadow). */
const LOCK_ORDER = ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow'];

class StepError extends Error {}

function checkUnchanged(host: HostRoot, step: WriteFileStep | AppendLinesStep): void {
  const cur = host.observe(step.path);
  if (cur.error) throw new StepError(`${step.path}: ${cur.error}`);
  const same = step.prior.exists ? cur.state.exists && cur.state.sha256 === step.prior.sha256 : !cur.state.exists;
  if (!same) throw new StepError(`${step.path} changed since it was read; run harden node again`);
}

function writeFile(host: HostRoot, step: WriteFileStep): void {
  checkUnchanged(host, step);
  for (const dir of step.createDirs) if (!host.exists(dir)) host.mkdir(dir);
  const release = host.lock([step.path]);
  try {
    checkUnchanged(host, step); // again, now that no other run can write it
    host.writeAtomic(step.path, step.content, { mode: step.mode, uid: step.uid, gid: step.gid });
  } finally {
    release();
  }
}

function appendLines(host: HostRoot, step: AppendLinesStep): void {
  checkUnchanged(host, step);
  const prior = host.readBytes(step.path) ?? Buffer.alloc(0);
  host.writeAtomic(step.path, Buffer.concat([prior, Buffer.from(step.appended)]), step.prior);
}

function loadSysctl(step: SysctlLoadStep, run: CommandRunner): void {
  const r = run(step.command);
  if (r.error || r.status !== 0) throw new StepError(`${step.command.join(' ')}: ${r.error ?? `exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`}`);
}

/**
 * Narrow the modes and owners: every file must still have the mode and owner the plan read (or the
 * ones it sets, from an earlier run) before any is changed; then each is changed through a descriptor
 * opened without following links, owner first (chown clears setuid bits), mode second.
 */
function setModes(host: HostRoot, step: FileModeStep): void {
  for (const e of step.entries) {
    const now = host.modeOwner(e.path);
    if (!sameModeOwner(now, e.prior) && !sameModeOwner(now, e.set)) {
      throw new StepError(`${e.path} changed since it was read (${now ? `mode ${now.mode.toString(8)}, owner ${now.uid}:${now.gid}` : 'gone'}); run harden node again`);
    }
  }
  for (const e of step.entries) host.setModeOwner(e.path, e.set);
}

/** On a live SELinux host, a file written through a temp file gets its directory's label: give it its own back. */
function relabel(host: HostRoot, path: string, run: CommandRunner, warnings: string[]): void {
  if (!host.live || !host.exists('/sys/fs/selinux/enforce')) return;
  const r = run(['restorecon', path]);
  if (r.error || r.status !== 0) warnings.push(`restorecon ${path} failed (${r.error ?? r.stderr.trim()}): check its SELinux label`);
}

export async function applyNodePlan(
  host: HostRoot,
  plan: RemediationPlan<HostStep>,
  journal: JournalWriter,
  opts: { run?: CommandRunner; options?: Record<string, unknown> } = {},
): Promise<{ outcomes: StepOutcome[]; warnings: string[] }> {
  const run = opts.run ?? spawnRunner;
  const outcomes: StepOutcome[] = [];
  const warnings: string[] = [];
  await journal.append({ type: 'run', run: journal.run, startedAt: new Date().toISOString(), options: opts.options ?? {} });
  let failed = false;

  const one = async (step: HostStep, effect: () => void): Promise<void> => {
    if (failed) return; // a failed step stops the run: later steps may depend on it
    const seq = journal.nextSeq();
    await journal.append({ type: 'begin', seq, run: journal.run, step: journalStep(step) });
    try {
      effect();
      await journal.append({ type: 'done', seq });
      outcomes.push({ id: step.id, title: step.title, status: 'applied' });
    } catch (e) {
      failed = true;
      const message = e instanceof Error ? e.message : String(e);
      // A StepError is raised before anything is written; anything else may have left a change behind.
      await journal.append({ type: 'failed', seq, error: message, written: e instanceof StepError ? false : 'unknown' });
      outcomes.push({ id: step.id, title: step.title, status: 'failed', error: message });
    }
  };

  for (const step of plan.steps) {
    if (step.kind === 'write-file') {
      await one(step, () => writeFile(host, step));
      if (!failed) relabel(host, step.path, run, warnings);
    } else if (step.kind === 'sysctl-load') {
      await one(step, () => loadSysctl(step, run));
    }
  }
  const accountSteps = plan.steps.filter((s): s is AppendLinesStep => s.kind === 'append-lines');
  if (accountSteps.length && !failed) {
    const locks = LOCK_ORDER.filter((p) => accountSteps.some((s) => s.path === p));
    try {
      await host.withLocks(locks, async () => {
        for (const step of accountSteps) {
          await one(step, () => appendLines(host, step));
          if (!failed) relabel(host, step.path, run, warnings);
        }
      });
    } catch (e) {
      failed = true;
      outcomes.push({ id: 'account:lock', title: 'lock the account databases', status: 'failed', error: (e as Error).message });
    }
  }
  // Last: a file given to etcd needs the etcd account the steps above add.
  for (const step of plan.steps) if (step.kind === 'file-mode') await one(step, () => setModes(host, step));
  await journal.append({ type: 'runEnd', run: journal.run, status: failed ? 'failed' : 'complete', at: new Date().toISOString() });
  return { outcomes, warnings };
}
