/**
 * Node collection with a deadline. The node collector is synchronous (it reads files and /proc), so
 * a read that hangs — a stuck mount, a process in uninterruptible sleep — would hang the agent with
 * it; no in-process timer can interrupt a blocked read. The agent therefore runs each collection
 * in a child process (`rke-harden agent collect`, itself) that prints the snapshot as JSON, and
 * kills it (SIGKILL) when the deadline passes: the agent then publishes a `timeout` envelope and
 * stays responsive. An in-process collector (tests, `--in-process`) has the same interface.
 */
import { spawn } from 'node:child_process';
import { collectNode, type NodeRole } from '../collectors/node/collect-node.js';
import { LocalHostFs } from '../collectors/node/local-host-fs.js';
import { ProcFsTable } from '../collectors/node/proc-table.js';
import type { FactSnapshot } from '../model/fact.js';
import { seaModule } from './sea-data.js';
import { assertSnapshot } from './snapshot-envelope.js';

export interface CollectRequest {
  hostRoot: string;
  procDir: string;
  node: string;
  distro?: 'rke1' | 'rke2';
  k8sVersion?: string;
  roles?: NodeRole[];
  sysctls: string[];
}

export type CollectResult =
  | { status: 'ok'; snapshot: FactSnapshot; durationMs: number }
  | { status: 'timeout' | 'error'; error: string; durationMs: number };

export type Collector = (req: CollectRequest, timeoutMs: number) => Promise<CollectResult>;

/** The collection itself (what `agent collect` runs). */
export function collectSnapshot(req: CollectRequest): FactSnapshot {
  return collectNode({
    fs: new LocalHostFs(req.hostRoot),
    proc: new ProcFsTable(req.procDir),
    ...(req.distro ? { distro: req.distro } : {}),
    ...(req.k8sVersion ? { k8sVersion: req.k8sVersion } : {}),
    ...(req.roles ? { roles: req.roles } : {}),
    name: req.node,
    sysctls: req.sysctls,
  });
}

/** Arguments of `agent collect` for a request. */
export function collectArgs(req: CollectRequest): string[] {
  return [
    'agent', 'collect',
    '--host-root', req.hostRoot,
    '--proc-dir', req.procDir,
    '--node-name', req.node,
    ...(req.distro ? ['--distro', req.distro] : []),
    ...(req.k8sVersion ? ['--k8s-version', req.k8sVersion] : []),
    ...(req.roles?.length ? ['--role', req.roles.join(',')] : []),
    ...(req.sysctls.length ? ['--sysctl', req.sysctls.join(',')] : []),
  ];
}

/** How to run this program again: the executable (and script) that runs now. */
export async function selfCommand(): Promise<string[]> {
  if (seaModule()?.isSea()) return [process.execPath];
  const script = process.argv[1];
  if (!script) throw new Error('cannot tell which script runs (process.argv[1] is empty)');
  return [process.execPath, ...process.execArgv, script];
}

const MAX_OUTPUT = 64 * 1024 * 1024;

/** A collector that runs `command… agent collect …` and kills it at the deadline. */
export function childProcessCollector(command: string[] | (() => Promise<string[]>) = selfCommand): Collector {
  return async (req, timeoutMs) => {
    const started = Date.now();
    const cmd = typeof command === 'function' ? await command() : command;
    const [exe, ...pre] = cmd;
    if (!exe) throw new Error('empty collector command');
    return new Promise<CollectResult>((resolve) => {
      const child = spawn(exe, [...pre, ...collectArgs(req)], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
      const out: Buffer[] = [];
      let outBytes = 0;
      let err = '';
      let done = false;
      const finish = (r: CollectResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(r);
      };
      const elapsed = () => Date.now() - started;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish({ status: 'timeout', error: `collection did not finish within ${Math.round(timeoutMs / 1000)} s (killed; a hung read of the host, e.g. a stuck mount?)`, durationMs: elapsed() });
      }, timeoutMs);
      child.stdout.on('data', (b: Buffer) => {
        outBytes += b.length;
        if (outBytes > MAX_OUTPUT) {
          child.kill('SIGKILL');
          finish({ status: 'error', error: `the collector printed more than ${MAX_OUTPUT} bytes`, durationMs: elapsed() });
          return;
        }
        out.push(b);
      });
      child.stderr.on('data', (b: Buffer) => {
        if (err.length < 16_384) err += b.toString('utf8');
      });
      child.on('error', (e) => finish({ status: 'error', error: `cannot run the collector ${exe}: ${e.message}`, durationMs: elapsed() }));
      child.on('close', (code, signal) => {
        if (code !== 0) {
          const why = err.trim().split('\n').slice(-5).join(' | ') || (signal ? `killed by ${signal}` : `exit code ${code}`);
          finish({ status: 'error', error: why.replace(/^rke-harden: /, ''), durationMs: elapsed() });
          return;
        }
        try {
          const snapshot = assertSnapshot(JSON.parse(Buffer.concat(out).toString('utf8')), 'collector output');
          finish({ status: 'ok', snapshot, durationMs: elapsed() });
        } catch (e) {
          finish({ status: 'error', error: `the collector's output is not a snapshot: ${(e as Error).message}`, durationMs: elapsed() });
        }
      });
    });
  };
}

/**
 * In-process collection (no isolation: a hung read hangs the caller; the deadline only bounds an
 * asynchronous wait). For tests and for hosts where spawning is not possible.
 */
export function inProcessCollector(collect: (req: CollectRequest) => FactSnapshot | Promise<FactSnapshot> = collectSnapshot): Collector {
  return async (req, timeoutMs) => {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<CollectResult>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'timeout', error: `collection did not finish within ${Math.round(timeoutMs / 1000)} s`, durationMs: Date.now() - started }), timeoutMs);
    });
    const work = (async (): Promise<CollectResult> => {
      try {
        const snapshot = await collect(req);
        return { status: 'ok', snapshot, durationMs: Date.now() - started };
      } catch (e) {
        return { status: 'error', error: (e as Error).message, durationMs: Date.now() - started };
      }
    })();
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
}
