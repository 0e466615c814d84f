// A command run to its end without blocking the test worker: a long synchronous spawn would stall
// the worker's RPC with vitest.
import { execFile } from 'node:child_process';

export interface Ran {
  /** Exit code; null when the command could not run or was killed (timeout). */
  code: number | null;
  stdout: string;
  /** Its stderr, or why it could not run when it wrote none. */
  stderr: string;
}

export function runCommand(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr: stderr || (error && code === null ? error.message : '') });
    });
  });
}
