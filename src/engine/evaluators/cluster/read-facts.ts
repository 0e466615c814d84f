import type { Check } from '../../../model/check.js';
import type { Fact, FactSnapshot } from '../../../model/fact.js';
import type { CheckOutcome } from '../../evaluate-check.js';
import { clusterFactSchemas, type ClusterFactKey, type ClusterFactValue } from './cluster-facts.js';

export type ReadFacts<R extends ClusterFactKey, O extends ClusterFactKey> = { [K in R]: ClusterFactValue<K> } & {
  [K in O]?: ClusterFactValue<K>;
};

const parsed = new WeakMap<Fact, unknown>();

/**
 * Facts this process's cluster collector built: its typed reducers give them the schemas' shape (the
 * e2e and unit collection tests validate every collected fact), so only facts that crossed a process
 * boundary (node agents' snapshots, saved runs) are validated here. At 10k namespaces the validation of
 * the pod and RBAC lists cost more than all the cluster checks together.
 */
const collectedHere = new WeakSet<Fact>();

export function markCollected<F extends Fact>(fact: F): F {
  collectedHere.add(fact);
  return fact;
}

/** The collection error covering a key: the error names the key, a parent of it, or a part of it. */
function errorFor(snap: FactSnapshot, key: string): { key: string; message: string } | undefined {
  for (const [prefix, message] of Object.entries(snap.errors)) {
    if (key === prefix || key.startsWith(prefix + '.') || prefix.startsWith(key + '.')) return { key: prefix, message };
  }
  return undefined;
}

function parse<K extends ClusterFactKey>(key: K, fact: Fact): { value: ClusterFactValue<K> } | { problem: string } {
  if (collectedHere.has(fact)) return { value: fact.value as ClusterFactValue<K> };
  if (parsed.has(fact)) return { value: parsed.get(fact) as ClusterFactValue<K> };
  const result = clusterFactSchemas().CLUSTER_FACTS[key].safeParse(fact.value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { problem: `fact ${key} is malformed at ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  parsed.set(fact, result.data);
  return { value: result.data as ClusterFactValue<K> };
}

/**
 * The cluster facts an evaluator reads, validated; or the outcome when it cannot decide: `error` when a
 * fact could not be collected (never a pass), the check's onMissing when a required fact is absent.
 */
export function readFacts<R extends ClusterFactKey, O extends ClusterFactKey = never>(
  snap: FactSnapshot,
  check: Check,
  required: readonly R[],
  optional: readonly O[] = [],
): { facts: ReadFacts<R, O> } | { outcome: CheckOutcome } {
  const facts: Record<string, unknown> = {};
  for (const key of [...required, ...optional] as ClusterFactKey[]) {
    const err = errorFor(snap, key);
    if (err) return { outcome: { status: 'error', evidence: [{ fact: err.key, observed: err.message }], reason: err.message } };
  }
  for (const key of [...required, ...optional] as ClusterFactKey[]) {
    const fact = snap.facts[key];
    if (fact === undefined || fact.value === null) {
      if ((required as readonly string[]).includes(key)) {
        return {
          outcome: {
            status: check.onMissing.status,
            evidence: [{ fact: key, observed: '(not collected)' }],
            reason: check.onMissing.reason,
          },
        };
      }
      continue;
    }
    const r = parse(key, fact);
    if ('problem' in r) return { outcome: { status: 'error', evidence: [{ fact: key }], reason: r.problem } };
    facts[key] = r.value;
  }
  return { facts: facts as ReadFacts<R, O> };
}
