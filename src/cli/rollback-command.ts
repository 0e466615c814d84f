/**
 * `rollback <journal> [--kubeconfig F] [--context C] [--host-root DIR] [--force] [--concurrency N]`:
 * undo what `harden node` / `harden cluster --apply` recorded, newest change first. A journal rolled
 * back already is a no-op. Exit 1 when a change could not be undone (a conflict or an error).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadKubeConfig } from '../collectors/cluster/load-kube-config.js';
import { usageError } from '../errors/rke-harden-error.js';
import { spawnRunner, type CommandRunner } from '../remediation/apply/apply-node.js';
import { HostRoot } from '../remediation/apply/host-fs.js';
import { KubeClient } from '../remediation/apply/kube-client.js';
import { readJournal } from '../remediation/journal.js';
import { describeTarget } from '../remediation/render-plan.js';
import { rollbackJournal } from '../remediation/rollback.js';
import type { CommandOutput } from './harden-node-command.js';

export interface RollbackOptions {
  kubeconfig?: string;
  context?: string;
  hostRoot?: string;
  force: boolean;
  concurrency: number;
  /** Tests: fake commands, and treat the host root as this machine's `/`. */
  run?: CommandRunner;
  live?: boolean;
}

/**
 * The host root a node journal is undone under: it must be there and look like a node (etc/passwd),
 * or every change would read as gone already (an unmounted disk) and be recorded as undone.
 */
function nodeRootToUndo(given: string | undefined, journaled: string): string {
  const root = given ?? journaled;
  const what = given ? `--host-root ${root}` : `the journal's host root ${root}`;
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw usageError(`${what}: not a directory${given ? '' : ' (pass --host-root where it is mounted now)'}`);
  if (!fs.existsSync(path.join(root, 'etc/passwd'))) throw usageError(`${what}: has no etc/passwd, so it is not the node's root (is it mounted?)`);
  return root;
}

export async function runRollback(file: string, o: RollbackOptions): Promise<CommandOutput> {
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw usageError(`--concurrency ${o.concurrency}: a positive integer`);
  const journal = readJournal(file);
  const t = journal.header.target;
  let kube: KubeClient | undefined;
  let host: HostRoot | undefined;
  if (t.kind === 'cluster') {
    if (o.hostRoot) throw usageError('--host-root is for node journals; this journal records cluster changes');
    const { kc } = await loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context });
    kube = new KubeClient(kc, { maxSockets: o.concurrency });
    if (kube.server !== t.server.replace(/\/+$/, '') && !o.force) {
      kube.close();
      throw usageError(`journal ${file} records changes to ${t.server}, but the kubeconfig points at ${kube.server} (pass --force to roll back there anyway)`);
    }
  } else {
    if (o.kubeconfig || o.context) throw usageError('--kubeconfig/--context are for cluster journals; this journal records node changes');
    host = new HostRoot(nodeRootToUndo(o.hostRoot, t.hostRoot), o.live);
  }
  const out = [`rollback ${file}: ${describeTarget(t)}${journal.interrupted ? ' — an apply run was interrupted; its unfinished steps are judged by the current state' : ''}`];
  try {
    const report = await rollbackJournal(file, {
      ...(kube ? { kube } : {}),
      ...(host ? { host, run: o.run ?? spawnRunner } : {}),
      force: o.force,
      concurrency: o.concurrency,
    });
    if (report.results.length === 0) {
      out.push(report.alreadyRolledBack ? 'Rolled back already: nothing to do.' : 'The journal records no change: nothing to do.');
      return { text: out.join('\n') + '\n', code: 0 };
    }
    const count = (pred: (r: (typeof report.results)[number]) => boolean) => report.results.filter(pred).length;
    for (const { entry, result } of report.results) {
      if ('outcome' in result) {
        if (result.outcome !== 'unchanged' || result.detail) out.push(`  ${result.outcome.padEnd(9)} ${entry.step.title}${result.detail ? ` (${result.detail})` : ''}`);
      } else if ('conflict' in result) out.push(`  CONFLICT  ${entry.step.title}: ${result.conflict}`);
      else out.push(`  ERROR     ${entry.step.title}: ${result.error}`);
    }
    const reverted = count((r) => 'outcome' in r.result);
    out.push(`Reverted ${reverted} of ${report.results.length} changes (newest first).`);
    if (!report.complete) out.push('Not everything was rolled back: fix the conflicts above (or pass --force) and run rollback again.');
    return { text: out.join('\n') + '\n', code: report.complete ? 0 : 1 };
  } finally {
    kube?.close();
  }
}
