// Runs a control plane in a separate Node process (the fixture, or scripts/controlplane.ts) so that
// tests can signal or SIGKILL that process and check that nothing it started survives.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../../support/controlplane-bin.js';
import { isAlive, registerExitCleanup } from '../../support/processes.js';

export interface Holder {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** `exit`, or an error (and SIGKILL) when the holder is still running after `ms`. */
  exitWithin(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: string;
  pids: number[];
  dir: string;
  kubeconfig: string;
  removeDir(): void;
}

const FIXTURE = join(REPO_ROOT, 'test/e2e/fixtures/hold-control-plane.ts');
const ENTRY = {
  /** The fixture, a child of this process. */
  fixture: [process.execPath, '--import', 'tsx', FIXTURE],
  /** The fixture, a child of a bash that is a child of this process. */
  'fixture-via-bash': ['bash', '-c', '"$@" & wait', 'bash', process.execPath, '--import', 'tsx', FIXTURE],
  /** The manual script. */
  script: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'scripts/controlplane.ts'), '--no-controller-manager'],
};

function field(stdout: string, name: string): string {
  const match = new RegExp(`^\\s*${name}:\\s+(.+)$`, 'm').exec(stdout);
  if (!match?.[1]) throw new Error(`no "${name}:" line in:\n${stdout}`);
  return match[1].trim();
}

/** Starts the holder and resolves once it printed `export KUBECONFIG=...` (the control plane is up). */
export async function startHolder(kind: keyof typeof ENTRY, timeoutMs = 120_000): Promise<Holder> {
  const [command, ...args] = ENTRY[kind] as [string, ...string[]];
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // If this test process dies first, the holder goes too (and with it, its servers).
  const unregister = registerExitCleanup(() => child.kill('SIGKILL'));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      unregister();
      resolve({ code, signal });
    });
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void exit.then(() => (exited = true));
  while (!/^export KUBECONFIG=/m.test(stdout)) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} did not report a running control plane.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    await sleep(100);
  }
  const dir = field(stdout, 'dir');
  const pids = field(stdout, 'pids')
    .split(/\s+/)
    .map((entry) => Number(entry.split('=')[1]));
  if (pids.length < 2 || !pids.every((pid) => Number.isInteger(pid) && pid > 0 && isAlive(pid))) {
    child.kill('SIGKILL');
    throw new Error(`expected the running pids of etcd and kube-apiserver, got: ${field(stdout, 'pids')}`);
  }
  const exitWithin = async (ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    const timeout = sleep(ms).then(() => undefined);
    const result = await Promise.race([exit, timeout]);
    if (result === undefined) {
      child.kill('SIGKILL');
      throw new Error(`${kind} still running ${ms} ms after the signal`);
    }
    return result;
  };
  return {
    child,
    exit,
    exitWithin,
    stdout,
    pids,
    dir,
    kubeconfig: field(stdout, 'kubeconfig'),
    removeDir: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Waits until none of `pids` exists; fails naming the survivors. */
export async function dead(pids: number[], withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0) return;
    if (Date.now() > deadline) {
      for (const pid of alive) process.kill(pid, 'SIGKILL'); // the test fails, but leaves no orphans
      throw new Error(`processes still alive after ${withinMs} ms: ${alive.join(', ')}`);
    }
    await sleep(100);
  }
}
