/**
 * Roll a journal back: every step whose write may have happened (done, begun but never finished, or
 * failed without a clear refusal), newest first, each reverted from the prior state the journal holds
 * and marked `revert` in the same journal. A journal rolled back already is a no-op; a conflict (the
 * object or file changed since) is reported and left for a second rollback with --force. Kubernetes
 * objects are reverted in parallel, each object's own steps in reverse order.
 */
import { mapLimit } from '../collectors/cluster/bounded-concurrency.js';
import type { CommandRunner } from './apply/apply-node.js';
import type { HostRoot } from './apply/host-fs.js';
import type { KubeClient } from './apply/kube-client.js';
import { revertKubeStep } from './apply/rollback-cluster.js';
import { revertHostStep, type RevertResult } from './apply/rollback-node.js';
import { JournalWriter, pendingReverts, type Journal, type JournalEntry } from './journal.js';

export interface RollbackDeps {
  /** For node journals. */
  host?: HostRoot;
  run?: CommandRunner;
  /** For cluster journals. */
  kube?: KubeClient;
  force: boolean;
  concurrency?: number;
  onResult?: (entry: JournalEntry, result: RevertResult | { error: string }) => void;
}

export interface RollbackReport {
  journal: Journal;
  alreadyRolledBack: boolean;
  results: { entry: JournalEntry; result: RevertResult | { error: string } }[];
  /** Every step is reverted now. */
  complete: boolean;
}

export async function rollbackJournal(file: string, deps: RollbackDeps): Promise<RollbackReport> {
  const { writer, journal } = await JournalWriter.open(file, { newRun: false });
  try {
    const pending = pendingReverts(journal);
    if (pending.length === 0) {
      if (!journal.rolledBack) await writer.append({ type: 'rollbackEnd', complete: true, at: new Date().toISOString() });
      return { journal, alreadyRolledBack: journal.rolledBack, results: [], complete: true };
    }
    const results: RollbackReport['results'] = [];
    const revert = async (entry: JournalEntry): Promise<void> => {
      let result: RevertResult | { error: string };
      try {
        if (entry.step.kind === 'kube-apply') {
          if (!deps.kube) throw new Error('a cluster journal needs a cluster connection');
          result = await revertKubeStep(deps.kube, entry, { force: deps.force });
        } else {
          if (!deps.host) throw new Error('a node journal needs a host root');
          result = await revertHostStep(deps.host, entry.step, { force: deps.force, run: deps.run ?? (() => ({ status: 1, stdout: '', stderr: '', error: 'no command runner' })) });
        }
      } catch (e) {
        result = { error: e instanceof Error ? e.message : String(e) };
      }
      if ('outcome' in result) {
        await writer.append({ type: 'revert', seq: entry.seq, outcome: result.outcome, ...(result.detail ? { detail: result.detail } : {}), at: new Date().toISOString() });
      }
      results.push({ entry, result });
      deps.onResult?.(entry, result);
    };
    if (journal.header.kind === 'node') {
      for (const entry of pending) await revert(entry);
    } else {
      // Newest first per object; objects independent of each other.
      const byObject = new Map<string, JournalEntry[]>();
      for (const e of pending) byObject.set(e.step.id, [...(byObject.get(e.step.id) ?? []), e]);
      await mapLimit([...byObject.values()], deps.concurrency ?? 16, async (entries) => {
        for (const entry of entries) await revert(entry);
      });
    }
    const complete = results.every((r) => 'outcome' in r.result);
    await writer.append({ type: 'rollbackEnd', complete, at: new Date().toISOString() });
    results.sort((a, b) => b.entry.seq - a.entry.seq);
    return { journal, alreadyRolledBack: false, results, complete };
  } finally {
    await writer.close();
  }
}
