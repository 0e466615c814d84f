// Polling with a deadline, that gives up at once when a watched process exits.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExitStatus, ManagedProcess } from './processes.js';

export class ProcessExitedError extends Error {
  override name = 'ProcessExitedError';
  constructor(
    readonly process: ManagedProcess,
    readonly status: ExitStatus,
  ) {
    super(
      `${process.name} exited ` +
        (status.error ? `(${status.error.message})` : status.signal ? `on ${status.signal}` : `with code ${status.code}`),
    );
  }
}

export interface WaitOptions {
  /** Absolute deadline (Date.now() scale). */
  deadline: number;
  intervalMs?: number;
  /** Fail as soon as any of these has exited. */
  watch?: ManagedProcess[];
}

/**
 * Calls `probe` until it returns a value other than undefined. Errors thrown by `probe` count as
 * "not yet" (the last one is reported on timeout).
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const interval = options.intervalMs ?? 200;
  let lastError: unknown;
  for (;;) {
    for (const p of options.watch ?? []) {
      const status = p.exitStatus();
      if (status) throw new ProcessExitedError(p, status);
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= options.deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out waiting for ${what}${cause}`);
    }
    await sleep(interval);
  }
}
