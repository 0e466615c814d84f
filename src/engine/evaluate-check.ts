import type { Assertion, Check, Leaf } from '../model/check.js';
import type { FactSnapshot } from '../model/fact.js';
import type { Evidence } from '../model/result.js';
import type { Status } from '../model/status.js';
import { applyOperator, describeExpectation, text } from './operators.js';
import { findEvaluator } from './evaluators/registry.js';
import { oncePerKey, oncePerObject } from '../once-per-object.js';

/** The outcome of one check on one snapshot, before it is attached to a control. */
export interface CheckOutcome {
  status: Exclude<Status, 'waived'>;
  evidence: Evidence[];
  reason?: string;
}

/** 'elsewhere': a fact this target cannot show (FactSnapshot.elsewhere): neither its default nor onMissing apply. */
type Truth = true | false | 'missing' | 'elsewhere';

const DECIDER_COMMAND: Record<string, string> = {
  config: '`audit config`',
  node: '`audit node`',
  cluster: '`audit cluster`',
};

function leaves(a: Assertion): Leaf[] {
  if ('all' in a) return a.all.flatMap(leaves);
  if ('any' in a) return a.any.flatMap(leaves);
  if ('not' in a) return leaves(a.not);
  return [a];
}

// A check's keys and a leaf's expectation text never change: computed once, not per audited target.

/** Every fact key a check reads (for error lookup and documentation). */
export const factsOf = oncePerObject((check: Check): string[] =>
  check.assert ? leaves(check.assert).flatMap((l) => (l.valueFact ? [l.fact, l.valueFact] : [l.fact])) : []);

const expectation = oncePerObject((leaf: Leaf): string => describeExpectation(leaf.op, leaf.value));

/**
 * The evidence layer of a fact that is not set: where facts under the longest prefix of its key are read
 * (FactSnapshot.searched), so the verdict says which sources were read. Undefined when the collector did not say.
 */
function notSetIn(snap: FactSnapshot, key: string): string | undefined {
  if (!snap.searched) return undefined;
  for (const k of prefixesOf(key)) {
    const where = snap.searched[k];
    if (where !== undefined) return `not set in ${where}`;
  }
  return undefined;
}

// A key and its prefixes, longest first (`a.b.c`, `a.b`, `a`): the same strings for every target, so
// each is hashed once as a property key, not cut anew per target. Keys are the catalog's checks'.
const prefixesOf = oncePerKey((key): string[] => {
  const list = [key];
  for (let k = key; k.includes('.'); ) list.push((k = k.slice(0, k.lastIndexOf('.'))));
  return list;
});

/**
 * Evidence of a fact that is not set, its keys in the report's order (fact, observed, expected, layer,
 * holds); built field by field: this runs per leaf per audited target (bench/config).
 */
function notSetEvidence(fact: string, expected: string, layer: string | undefined, holds: boolean | undefined): Evidence {
  const e: Evidence = { fact, observed: '(not set)', expected };
  if (layer !== undefined) e.layer = layer;
  if (holds !== undefined) e.holds = holds;
  return e;
}

function evalLeaf(given: Leaf, snap: FactSnapshot, evidence: Evidence[]): Truth {
  let leaf = given;
  const ifMissing = given.ifMissing ? given.ifMissing === 'pass' : undefined;
  if (given.valueFact !== undefined) {
    const other = snap.facts[given.valueFact];
    if (other === undefined || other.value === null) {
      evidence.push(notSetEvidence(given.valueFact, 'set (compared with ' + given.fact + ')', notSetIn(snap, given.valueFact), ifMissing));
      return ifMissing ?? 'missing';
    }
    leaf = { ...given, value: other.secret ? '' : text(other.value) };
  }
  const fact = snap.facts[leaf.fact];
  const expected = given.valueFact ? `${describeExpectation(leaf.op, '').trim()} ${given.valueFact} (${text(leaf.value)})` : expectation(leaf);
  if (fact === undefined && snap.elsewhere && coveringPrefix([leaf.fact], snap.elsewhere)) {
    evidence.push({ fact: leaf.fact, observed: '(not in this configuration)', expected });
    return 'elsewhere';
  }
  if (fact === undefined || fact.value === null) {
    const looked = notSetIn(snap, leaf.fact);
    if (leaf.op === 'notSet') {
      evidence.push(notSetEvidence(leaf.fact, expected, looked, true));
      return true;
    }
    if (leaf.default !== undefined) {
      // The value the component runs with, as a set one would read; source and layer say it is its default.
      const ok = leaf.op === 'set' ? false : applyOperator(leaf.op, leaf.default, leaf.value);
      const from = leaf.defaultFrom ?? 'component default';
      evidence.push({ fact: leaf.fact, observed: leaf.default, expected, source: 'default', layer: looked ? `${from}; ${looked}` : from, holds: ok });
      return ok;
    }
    evidence.push(notSetEvidence(leaf.fact, expected, looked, ifMissing));
    return ifMissing ?? 'missing';
  }
  const ok = applyOperator(leaf.op, fact.value, leaf.value);
  const e: Evidence = { fact: leaf.fact, observed: fact.secret ? '<redacted>' : text(fact.value), expected, source: fact.source, holds: ok };
  if (fact.layer) e.layer = fact.layer;
  if (fact.location) e.location = fact.location;
  evidence.push(e);
  return ok;
}

/** What an undecided combination is: a fact kept elsewhere outranks a missing one (it may well be set). */
const undecided = (r: Truth[]): Truth | undefined => (r.includes('elsewhere') ? 'elsewhere' : r.includes('missing') ? 'missing' : undefined);

function evalAssertion(a: Assertion, snap: FactSnapshot, evidence: Evidence[]): Truth {
  if ('all' in a) {
    const r = a.all.map((x) => evalAssertion(x, snap, evidence));
    if (r.includes(false)) return false;
    return undecided(r) ?? true;
  }
  if ('any' in a) {
    const r = a.any.map((x) => evalAssertion(x, snap, evidence));
    if (r.includes(true)) return true;
    return undecided(r) ?? false;
  }
  if ('not' in a) {
    const from = evidence.length;
    const r = evalAssertion(a.not, snap, evidence);
    // Under a `not`, a fact that meets its leaf's test goes against the check.
    for (const e of evidence.slice(from)) if (e.holds !== undefined) e.holds = !e.holds;
    return r === 'missing' || r === 'elsewhere' ? r : !r;
  }
  return evalLeaf(a, snap, evidence);
}

/** The first prefix of `byPrefix` (snapshot errors, facts kept elsewhere) that covers one of the keys, if any. */
function coveringPrefix(keys: string[], byPrefix: Record<string, string>): { key: string; message: string } | undefined {
  for (const prefix in byPrefix) {
    const message = byPrefix[prefix]!;
    if (keys.some((k) => k === prefix || k.startsWith(prefix + '.'))) return { key: prefix, message };
  }
  return undefined;
}

/** Why a target of this kind cannot decide the check: the same text for every target, built once per kind. */
const decidedElsewhere = oncePerObject((check: Check) =>
  oncePerKey((kind) => `decided by ${check.decidedBy.map((k) => DECIDER_COMMAND[k]).join(' or ')}: a ${kind} target cannot show it`));

/** Evaluate one check on one snapshot. Pure. */
export function evaluateCheck(check: Check, snap: FactSnapshot): CheckOutcome {
  const kind = snap.target.kind === 'snapshot' ? undefined : snap.target.kind;
  if (kind && !check.decidedBy.includes(kind)) return { status: 'manual', evidence: [], reason: decidedElsewhere(check)(kind) };
  const absentReason = snap.absent[check.component];
  if (absentReason !== undefined && !(check.whileFileExists && factsOf(check).some((k) => snap.facts[k] !== undefined))) {
    return { status: 'notApplicable', evidence: [], reason: absentReason };
  }
  if (check.evaluator) return findEvaluator(check.evaluator)(snap, check);
  const err = coveringPrefix(factsOf(check), snap.errors);
  if (err) return { status: 'error', evidence: [{ fact: err.key }], reason: err.message };

  const evidence: Evidence[] = [];
  const truth = evalAssertion(check.assert as Assertion, snap, evidence);
  if (truth === 'elsewhere') {
    const away = coveringPrefix(factsOf(check), snap.elsewhere ?? {})!;
    return { status: 'manual', evidence, reason: away.message };
  }
  if (truth === 'missing') {
    return { status: check.onMissing.status, evidence, reason: check.onMissing.reason };
  }
  // A failing check shows first what fails: a satisfied leaf of an `all` is context, not the cause.
  return truth ? { status: 'pass', evidence } : { status: 'fail', evidence: [...evidence.filter((e) => e.holds === false), ...evidence.filter((e) => e.holds !== false)] };
}
