/**
 * Apply (or dry-run) a cluster plan with server-side apply, field manager rke-harden, a bounded
 * number of writes in flight. Before each write its step (with the prior object) is durable in the
 * journal; existing objects carry their resourceVersion as a precondition, so the prior state in the
 * journal is exactly the state the write replaced: on 409 the object is read again, the step
 * re-planned and journaled anew (or dropped when nothing is left to do).
 */
import { mapLimit } from '../../collectors/cluster/bounded-concurrency.js';
import { KubeApiError } from '../../collectors/cluster/kube-api.js';
import { planNamespaceLabels, planServiceAccount, stepDiff, type ClusterPlanOptions } from '../cluster-plan.js';
import { journalStep, type JournalWriter } from '../journal.js';
import type { KubeApplyStep, KubeObject, RemediationPlan } from '../plan.js';
import { objectPath, type KubeClient } from './kube-client.js';

export interface KubeStepOutcome {
  step: KubeApplyStep;
  status: 'applied' | 'dry-run' | 'unchanged' | 'failed';
  /** Server-side diff (dry run). */
  diff?: string;
  warnings: string[];
  error?: string;
}

const MAX_CONFLICT_RETRIES = 5;

/** Refused by the server (4xx): nothing was written. A 5xx, timeout or dropped connection may have written. */
function refused(e: unknown): boolean {
  return e instanceof KubeApiError && e.kind === 'http' && (e.status ?? 0) >= 400 && (e.status ?? 0) < 500;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function replan(step: KubeApplyStep, fresh: KubeObject, opts: ClusterPlanOptions): KubeApplyStep | undefined {
  if (step.ref.kind === 'ServiceAccount') return planServiceAccount(fresh);
  if (step.ref.kind === 'Namespace') return planNamespaceLabels(fresh, opts).step;
  return undefined;
}

export interface ClusterApplyOptions {
  dryRun: boolean;
  concurrency: number;
  /** Required unless dryRun. */
  journal?: JournalWriter;
  planOptions: ClusterPlanOptions;
  /** Called after each step (progress). */
  onOutcome?: (o: KubeStepOutcome, done: number, total: number) => void;
}

async function applyOne(client: KubeClient, first: KubeApplyStep, opts: ClusterApplyOptions): Promise<KubeStepOutcome> {
  let step = first;
  if (opts.dryRun) {
    try {
      const r = await client.apply(objectPath(step.ref), step.body as KubeObject, { dryRun: true });
      return { step, status: 'dry-run', diff: stepDiff(step, r.object), warnings: r.warnings };
    } catch (e) {
      return { step, status: 'failed', warnings: [], error: message(e) };
    }
  }
  const journal = opts.journal!;
  for (let attempt = 1; ; attempt++) {
    const seq = journal.nextSeq();
    await journal.append({ type: 'begin', seq, run: journal.run, step: journalStep(step) });
    try {
      const r = await client.apply(objectPath(step.ref), step.body as KubeObject);
      const m = (r.object.metadata ?? {}) as Record<string, unknown>;
      await journal.append({
        type: 'done',
        seq,
        result: { ...(typeof m.uid === 'string' ? { uid: m.uid } : {}), ...(typeof m.resourceVersion === 'string' ? { resourceVersion: m.resourceVersion } : {}) },
      });
      return { step, status: 'applied', warnings: r.warnings };
    } catch (e) {
      await journal.append({ type: 'failed', seq, error: message(e), written: refused(e) ? false : 'unknown' });
      const conflict = e instanceof KubeApiError && e.status === 409 && step.prior.exists;
      if (!conflict || attempt >= MAX_CONFLICT_RETRIES) return { step, status: 'failed', warnings: [], error: message(e) };
      // Changed since it was read: read it again and plan this object afresh.
      let fresh: KubeObject | undefined;
      try {
        fresh = await client.get(objectPath(step.ref));
      } catch (e2) {
        return { step, status: 'failed', warnings: [], error: message(e2) };
      }
      if (!fresh) return { step, status: 'failed', warnings: [], error: `${step.ref.kind} ${step.id} was deleted meanwhile` };
      const next = replan(step, fresh, opts.planOptions);
      if (!next) return { step, status: 'unchanged', warnings: [] };
      step = next;
    }
  }
}

export async function applyClusterPlan(client: KubeClient, plan: RemediationPlan<KubeApplyStep>, opts: ClusterApplyOptions): Promise<KubeStepOutcome[]> {
  const journal = opts.journal;
  if (!opts.dryRun && !journal) throw new Error('applyClusterPlan: a journal is required');
  if (journal) {
    await journal.append({ type: 'run', run: journal.run, startedAt: new Date().toISOString(), options: { ...opts.planOptions } });
  }
  let done = 0;
  const outcomes = await mapLimit(plan.steps, opts.concurrency, async (step) => {
    const o = await applyOne(client, step, opts);
    opts.onOutcome?.(o, ++done, plan.steps.length);
    return o;
  });
  if (journal) {
    const failed = outcomes.some((o) => o.status === 'failed');
    await journal.append({ type: 'runEnd', run: journal.run, status: failed ? 'failed' : 'complete', at: new Date().toISOString() });
  }
  return outcomes;
}
