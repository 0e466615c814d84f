/**
 * `harden node|cluster -o json`: the plan or the run as one object, for fleet tools (Ansible's
 * `changed`, the journal to keep, what failed): what the text says, as data.
 */
import type { RemediationPlan, Target } from '../remediation/plan.js';

export interface HardenRunJson {
  target: Target;
  /** plan (harden node without --apply), dry-run (harden cluster without --apply: the server's answer), apply. */
  mode: 'plan' | 'dry-run' | 'apply';
  /** Something was changed by this run. */
  changed: boolean;
  steps: { id: string; kind: string; title: string; diff: string }[];
  skipped: RemediationPlan['skipped'];
  warnings: string[];
  blockers: string[];
  /** --apply: the journal, and what a new plan still finds; outcomes: each step's (harden cluster's dry run too). */
  journal?: string;
  outcomes?: { id: string; title: string; status: string; error?: string }[];
  remaining?: string[];
}

export interface RunResult {
  /** Warnings of the run itself (beyond the plan's). */
  warnings?: string[];
  /** The blockers a new plan finds after --apply (replacing the plan's). */
  blockers?: string[];
  /** Diffs the server gave (dry run), by step id, instead of the plan's. */
  diffs?: Map<string, string>;
  journal?: string;
  outcomes?: HardenRunJson['outcomes'];
  remaining?: string[];
}

export function hardenRunJson(plan: RemediationPlan, mode: HardenRunJson['mode'], run: RunResult = {}): string {
  const json: HardenRunJson = {
    target: plan.target,
    mode,
    changed: mode === 'apply' && (run.outcomes ?? []).some((x) => x.status === 'applied'),
    steps: plan.steps.map((s) => ({ id: s.id, kind: s.kind, title: s.title, diff: run.diffs?.get(s.id) ?? s.diff })),
    skipped: plan.skipped,
    warnings: [...plan.warnings, ...(run.warnings ?? [])],
    blockers: run.blockers ?? plan.blockers,
    ...(run.journal !== undefined ? { journal: run.journal } : {}),
    ...(run.outcomes ? { outcomes: run.outcomes } : {}),
    ...(run.journal !== undefined ? { remaining: run.remaining ?? [] } : {}),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
