// Server processes that never outlive the test runner.
//
// Each server is spawned detached, so it leads its own process group, with stdout/stderr going to
// log files. It is stopped by signalling the whole group (kill(-pgid)). Three lines of defence
// against orphans:
//   1. stop() sends SIGTERM to the group, then SIGKILL after a grace period;
//   2. on the runner's 'exit' (and SIGINT/SIGTERM/SIGHUP when nobody else handles them) every group
//      still alive is SIGKILLed synchronously, and registered exit cleanups run;
//   3. a tiny bash watchdog per server polls the runner's pid every second and SIGKILLs the group
//      when the runner is gone (covers a runner killed by SIGKILL, where no handler can run).
// A runner that is itself a child process (the manual script, the teardown tests' fixture) also
// follows its parent: whenParentDies().
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all. */
  error?: Error;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** Settles when the process has exited, whatever the reason. Never rejects. */
  readonly exited: Promise<ExitStatus>;
  /** The exit status once exited, else undefined. */
  exitStatus(): ExitStatus | undefined;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

export interface StartProcessOptions {
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Process-group ids of servers not known to have exited. */
const liveGroups = new Set<number>();
const exitCleanups = new Set<() => void>();
let hooksInstalled = false;

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** SIGKILL every live group and run the exit cleanups, synchronously. */
export function killAllNow(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  liveGroups.clear();
  for (const cleanup of exitCleanups) {
    try {
      cleanup();
    } catch {
      // best effort while exiting
    }
  }
  exitCleanups.clear();
}

/** Runs `cleanup` synchronously if the runner exits first; call the returned function to unregister. */
export function registerExitCleanup(cleanup: () => void): () => void {
  installHooks();
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // When someone else also listens (the manual script, a test runner), they decide whether
      // the process ends; if it does, the 'exit' hook above still kills everything.
      if (process.listenerCount(signal) > 1) return;
      killAllNow();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal); // default action: terminate as the signal would have
    };
    process.on(signal, onSignal);
  }
}

const WATCHDOG = [
  'runner="$1"; group="$2"',
  'while kill -0 "$runner" 2>/dev/null && kill -0 -- "-$group" 2>/dev/null; do sleep 1; done',
  'kill -KILL -- "-$group" 2>/dev/null',
  'exit 0',
].join('\n');

function startWatchdog(pgid: number): number | undefined {
  const watchdog = spawn('bash', ['-c', WATCHDOG, 'controlplane-watchdog', String(process.pid), String(pgid)], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.on('error', () => undefined); // no bash: lines 1 and 2 still apply
  watchdog.unref();
  return watchdog.pid;
}

export function startProcess(name: string, command: string, args: string[], options: StartProcessOptions): ManagedProcess {
  installHooks();
  const stdoutPath = join(options.logDir, `${name}.stdout.log`);
  const stderrPath = join(options.logDir, `${name}.stderr.log`);
  const out = openSync(stdoutPath, 'a');
  const err = openSync(stderrPath, 'a');
  let child;
  try {
    child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', out, err],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      status ??= { code: null, signal: null, error };
      resolve(status);
    });
    child.once('exit', (code, signal) => {
      status ??= { code, signal };
      resolve(status);
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`cannot start ${name} (${command}): the spawn failed`);
  }
  child.unref(); // a forgotten stop() must not keep the runner alive; the exit hook kills it then
  liveGroups.add(pid);
  const watchdogPid = startWatchdog(pid);
  void exited.then(() => {
    liveGroups.delete(pid);
    if (watchdogPid !== undefined) signalGroup(watchdogPid, 'SIGKILL');
  });

  return {
    name,
    pid,
    stdoutPath,
    stderrPath,
    exited,
    exitStatus: () => status,
    stderr: () => readFileSync(stderrPath, 'utf8'),
    async stop(graceMs = 10_000) {
      if (status) return status;
      signalGroup(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const first = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (first === 'timeout') signalGroup(pid, 'SIGKILL');
      return exited;
    },
  };
}

/**
 * Calls `onOrphaned` once when this process's parent is gone (it has been re-parented), polling
 * every second. For a runner started by another process (a test, a shell): if that one dies,
 * this one must not linger, or its servers would live on with it.
 */
export function whenParentDies(onOrphaned: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent || !isAlive(parent)) {
      clearInterval(timer);
      onOrphaned();
    }
  }, 1_000);
  timer.unref();
}

/** True while a process with this pid exists (signal 0 probes without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
