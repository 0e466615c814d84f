/**
 * `rollback <journal> [--kubeconfig F] [--context C] [--host-root DIR] [--force] [--concurrency N]`:
 * undo what `harden node` / `harden cluster --apply` recorded, newest change first. A journal rolled
 * back already is a no-op. Exit 1 when a change could not be undone (a conflict or an error).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadKubeConfig } from '../collectors/cluster/load-kube-config.js';
import type { KubeTarget } from '../collectors/cluster/kube-target.js';
import { usageError } from '../errors/rke-harden-error.js';
import { spawnRunner, type CommandRunner } from '../remediation/apply/apply-node.js';
import { HostRoot } from '../remediation/apply/host-fs.js';
import { KubeClient } from '../remediation/apply/kube-client.js';
import { readJournal } from '../remediation/journal.js';
import { journalFileFor } from '../remediation/journal-in-log.js';
import { describeTarget } from '../remediation/render-plan.js';
import { sameServer, sameTarget, type ClusterTarget } from '../remediation/plan.js';
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
 * The cluster the kubeconfig reaches. At another URL than the journal's, its kube-system uid is read
 * (when the journal has one to compare): the same cluster reached another way (in the cluster, through
 * Rancher's proxy) is the same target.
 */
async function clusterHere(kc: KubeTarget, server: string, journaled: ClusterTarget): Promise<ClusterTarget> {
  const here: ClusterTarget = { kind: 'cluster', server, context: '', gitVersion: '' };
  if (!journaled.clusterUid) return here;
  // The journal's own URL: its cluster, as before (no request).
  if (sameServer(server, journaled.server)) return { ...here, clusterUid: journaled.clusterUid };
  const probe = new KubeClient(kc, { requestTimeoutMs: 5_000, retryDeadlineMs: 10_000 });
  try {
    const uid = (await probe.get('/api/v1/namespaces/kube-system'))?.metadata?.uid;
    return typeof uid === 'string' ? { ...here, clusterUid: uid } : here;
  } catch {
    return here; // unreachable or not allowed to read it: the URL decides
  } finally {
    probe.close();
  }
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
  const fromLog = journalFileFor(file);
  file = fromLog.file;
  const journal = readJournal(file);
  const t = journal.header.target;
  let kube: KubeClient | undefined;
  let host: HostRoot | undefined;
  if (t.kind === 'cluster') {
    if (o.hostRoot) throw usageError('--host-root is for node journals; this journal records cluster changes');
    const { kc } = await loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context });
    kube = new KubeClient(kc, { maxSockets: o.concurrency });
    const here = await clusterHere(kc, kube.server, t);
    if (!sameTarget(t, here) && !o.force) {
      kube.close();
      const what = (c: ClusterTarget) => `${c.clusterUid ? `cluster ${c.clusterUid} (kube-system uid) at ` : ''}${c.server}`;
      throw usageError(`journal ${file} records changes to ${what(t)}, but the kubeconfig points at ${what(here)} (pass --force to roll back there anyway)`);
    }
  } else {
    if (o.kubeconfig || o.context) throw usageError('--kubeconfig/--context are for cluster journals; this journal records node changes');
    host = new HostRoot(nodeRootToUndo(o.hostRoot, t.hostRoot), o.live);
  }
  const out = [...(fromLog.note ? [`Journal: ${fromLog.note}.`] : []), `rollback ${file}: ${describeTarget(t)}${journal.interrupted ? ' — an apply run was interrupted; its unfinished steps are judged by the current state' : ''}`];
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
    if (!report.complete) {
      const conflicts = count((r) => 'conflict' in r.result);
      const errors = count((r) => 'error' in r.result);
      const what = [conflicts ? `resolve the ${conflicts} conflict${conflicts === 1 ? '' : 's'} above (or pass --force)` : '', errors ? `fix the cause of the ${errors} error${errors === 1 ? '' : 's'} above (--force does not help there)` : ''].filter(Boolean).join(' and ');
      out.push(`Not everything was rolled back: ${what}, then run rollback again.`);
    }
    return { text: out.join('\n') + '\n', code: report.complete ? 0 : 1 };
  } finally {
    kube?.close();
  }
}
