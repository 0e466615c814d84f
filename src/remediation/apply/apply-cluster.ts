/**
 * Apply (or dry-run) a cluster plan, field manager rke-harden, a bounded number of writes in flight.
 * A new object is created (POST: a name someone took meanwhile is a conflict, never overwritten); an
 * existing one gets a JSON merge patch of the step's fields only, with the resourceVersion it was read
 * at as a precondition, so nothing else of it changes and an object deleted meanwhile is not recreated
 * (ADR 0012: server-side apply removed fields an earlier apply had set). Before each write its step
 * (with the prior object) is durable in the journal; on 409 the object is read again, the step
 * re-planned and journaled anew (or dropped when nothing is left to do).
 */
import { mapLimit } from '../../collectors/cluster/bounded-concurrency.js';
import { KubeApiError } from '../../collectors/cluster/kube-api.js';
import { planNamespaceLabels, planServiceAccount, stepDiff, type ClusterPlanOptions } from '../cluster-plan.js';
import { journalStep, type JournalWriter } from '../journal.js';
import { changedFields, type KubeApplyStep, type KubeObject, type RemediationPlan } from '../plan.js';
import { FIELD_MANAGER, objectPath, type KubeClient, type WriteResult } from './kube-client.js';

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

/** The step's write: create a new object, merge-patch an existing one. */
function write(client: KubeClient, step: KubeApplyStep, dryRun: boolean): Promise<WriteResult> {
  return step.prior.exists
    ? client.mergePatch(objectPath(step.ref), step.body as KubeObject, { dryRun, fieldManager: FIELD_MANAGER })
    : client.create(step.ref, step.body as KubeObject, { dryRun });
}

/**
 * After a 409 on a create: the object is ours when our own earlier attempt made it (a retried request
 * whose first answer was lost): rke-harden created it with exactly the step's fields.
 */
async function createdByUs(client: KubeClient, step: KubeApplyStep): Promise<KubeObject | undefined> {
  const cur = await client.get(objectPath(step.ref));
  if (!cur) return undefined;
  const managers = (cur.metadata?.managedFields ?? []) as { manager?: string }[];
  return managers.length === 1 && managers[0]!.manager === FIELD_MANAGER && changedFields(step, cur).length === 0 ? cur : undefined;
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
      const r = await write(client, step, true);
      return { step, status: 'dry-run', diff: stepDiff(step, r.object), warnings: r.warnings };
    } catch (e) {
      return { step, status: 'failed', warnings: [], error: message(e) };
    }
  }
  const journal = opts.journal!;
  for (let attempt = 1; ; attempt++) {
    const seq = journal.nextSeq();
    await journal.append({ type: 'begin', seq, run: journal.run, step: journalStep(step) });
    const done = async (object: KubeObject, warnings: string[]): Promise<KubeStepOutcome> => {
      const m = (object.metadata ?? {}) as Record<string, unknown>;
      await journal.append({
        type: 'done',
        seq,
        result: { ...(typeof m.uid === 'string' ? { uid: m.uid } : {}), ...(typeof m.resourceVersion === 'string' ? { resourceVersion: m.resourceVersion } : {}) },
      });
      return { step, status: 'applied', warnings };
    };
    try {
      const r = await write(client, step, false);
      return await done(r.object, r.warnings);
    } catch (e) {
      const status = e instanceof KubeApiError ? e.status : undefined;
      if (status === 409 && !step.prior.exists) {
        let ours: KubeObject | undefined;
        try {
          ours = await createdByUs(client, step);
        } catch (e2) {
          // Whose it is cannot be told: rollback judges it by its field managers.
          const error = `${step.id} exists already, and reading it failed (${message(e2)}): it may be ours from a retried request`;
          await journal.append({ type: 'failed', seq, error, written: 'unknown' });
          return { step, status: 'failed', warnings: [], error };
        }
        if (ours) return await done(ours, []);
        const error = `${step.id} exists already: created by someone else since the plan; left alone`;
        await journal.append({ type: 'failed', seq, error, written: false });
        return { step, status: 'failed', warnings: [], error };
      }
      const error = status === 404 && step.prior.exists ? `${step.id} was deleted meanwhile: not recreated` : message(e);
      await journal.append({ type: 'failed', seq, error, written: refused(e) ? false : 'unknown' });
      // (A create's 409 returned above: here a 409 is a stale resourceVersion.)
      const conflict = status === 409;
      if (!conflict || attempt >= MAX_CONFLICT_RETRIES) return { step, status: 'failed', warnings: [], error };
      // Changed since it was read: read it again and plan this object afresh.
      let fresh: KubeObject | undefined;
      try {
        fresh = await client.get(objectPath(step.ref));
      } catch (e2) {
        return { step, status: 'failed', warnings: [], error: message(e2) };
      }
      if (!fresh) return { step, status: 'failed', warnings: [], error: `${step.id} was deleted meanwhile: not recreated` };
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
