import type { Check } from '../../model/check.js';
import type { FactSnapshot } from '../../model/fact.js';
import type { CheckOutcome } from '../evaluate-check.js';

/** A check whose logic goes beyond operators (RBAC analysis, per-namespace coverage). Pure. */
export type Evaluator = (snap: FactSnapshot, check: Check) => CheckOutcome;

const evaluators = new Map<string, Evaluator>();

export function registerEvaluator(name: string, fn: Evaluator): void {
  if (evaluators.has(name)) throw new Error(`evaluator ${name} registered twice`);
  evaluators.set(name, fn);
}

export function hasEvaluator(name: string): boolean {
  return evaluators.has(name);
}

export function findEvaluator(name: string): Evaluator {
  const fn = evaluators.get(name);
  if (!fn) throw new Error(`no evaluator named ${name}`);
  return fn;
}
