/**
 * Undo one Kubernetes step from the journal.
 *   - Created (no prior object): delete it, with the uid as a precondition — the uid the create
 *     returned, or, for an interrupted step, the object's if rke-harden manages it — unless someone
 *     changed what rke-harden set in it since (a conflict, left in place unless forced).
 *   - Changed: for each field the step set, the prior value comes back (a JSON merge patch; `null`
 *     removes a field that was absent), with the current resourceVersion as precondition. A field
 *     that now holds neither the prior nor our value was changed by someone else: a conflict, left
 *     alone unless forced. An object deleted (or replaced) since took rke-harden's change with it:
 *     nothing is left to undo.
 */
import { KubeApiError } from '../../collectors/cluster/kube-api.js';
import type { JournalEntry } from '../journal.js';
import { changedFields, getPath, jsonEqual, type KubeApplyStep, type KubeObject } from '../plan.js';
import { FIELD_MANAGER, objectPath, type KubeClient } from './kube-client.js';
import type { RevertResult } from './rollback-node.js';

const MAX_ATTEMPTS = 5;

const managedByUs = (o: KubeObject): boolean =>
  Array.isArray(o.metadata?.managedFields) && (o.metadata.managedFields as { manager?: string }[]).some((m) => m.manager === FIELD_MANAGER);

async function revertCreate(client: KubeClient, entry: JournalEntry, step: KubeApplyStep, force: boolean): Promise<RevertResult> {
  const path = objectPath(step.ref);
  const cur = await client.get(path);
  if (!cur) return { outcome: 'absent' };
  const uid = cur.metadata?.uid as string;
  const ours = entry.result?.uid ? entry.result.uid === uid : managedByUs(cur);
  if (!ours && !force) return { conflict: `${step.id}: exists but is not the object rke-harden created (uid ${uid}); left in place` };
  const untouched = entry.result?.resourceVersion !== undefined && entry.result.resourceVersion === cur.metadata?.resourceVersion;
  const changed = untouched ? [] : changedFields(step, cur);
  if (changed.length && !force) return { conflict: `${step.id}: ${changed.join(', ')} changed since rke-harden created it; left in place (--force deletes it)` };
  const r = await client.delete(path, uid);
  return { outcome: r === 'deleted' ? 'deleted' : 'absent' };
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = target;
  for (const k of path.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
  cur[path.at(-1)!] = value;
}

async function revertPatch(client: KubeClient, step: KubeApplyStep, force: boolean): Promise<RevertResult> {
  if (!step.prior.exists) throw new Error('revertPatch of a created object');
  const path = objectPath(step.ref);
  for (let attempt = 1; ; attempt++) {
    const cur = await client.get(path);
    if (!cur) return { outcome: 'absent', detail: 'deleted since: the change went with it' };
    if (cur.metadata?.uid !== step.prior.uid) return { outcome: 'absent', detail: `replaced by another object since (uid ${String(cur.metadata?.uid)}): the change went with the old one; the new one is left alone` };
    const patch: Record<string, unknown> = {};
    const conflicts: string[] = [];
    for (const f of step.fields) {
      const now = getPath(cur, f.path);
      const before = getPath(step.prior.object, f.path);
      if (jsonEqual(now, before)) continue;
      if (!jsonEqual(now, f.value) && !force) {
        conflicts.push(`${f.path.join('.')} is ${JSON.stringify(now) ?? '(unset)'}, not ${JSON.stringify(f.value)} as rke-harden set it`);
        continue;
      }
      setPath(patch, f.path, before === undefined ? null : before);
    }
    if (conflicts.length) return { conflict: `${step.id}: changed by someone else since: ${conflicts.join('; ')}` };
    if (Object.keys(patch).length === 0) return { outcome: 'unchanged' };
    setPath(patch, ['metadata', 'resourceVersion'], cur.metadata?.resourceVersion);
    try {
      await client.mergePatch(path, patch);
      return { outcome: 'restored' };
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 409 && attempt < MAX_ATTEMPTS) continue; // changed meanwhile: look again
      throw e;
    }
  }
}

export async function revertKubeStep(client: KubeClient, entry: JournalEntry, opts: { force: boolean }): Promise<RevertResult> {
  const step = entry.step as KubeApplyStep;
  return step.prior.exists ? revertPatch(client, step, opts.force) : revertCreate(client, entry, step, opts.force);
}
