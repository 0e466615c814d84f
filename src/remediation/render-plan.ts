/** Text of a plan (pure): the changes, their diffs, what is skipped and why, warnings and blockers. */
import type { RemediationPlan, Target } from './plan.js';

export function describeTarget(t: Target): string {
  return t.kind === 'node'
    ? `host root ${t.hostRoot} (${t.distro}${t.live ? ', live host' : ''})`
    : `cluster ${t.server} (context ${t.context || '-'}, Kubernetes ${t.gitVersion})`;
}

export interface RenderPlanOptions {
  /** Diff per step; a step's own diff when no override is given. */
  diffs?: boolean | Map<string, string>;
}

export function renderPlan(plan: RemediationPlan, opts: RenderPlanOptions = {}): string {
  const out: string[] = [];
  const n = plan.steps.length;
  out.push(n === 0 ? 'Nothing to change.' : `${n} change${n === 1 ? '' : 's'}:`);
  plan.steps.forEach((s, i) => out.push(`  ${i + 1}. ${s.title}`));
  if (opts.diffs && n) {
    out.push('');
    for (const s of plan.steps) {
      const d = opts.diffs instanceof Map ? (opts.diffs.get(s.id) ?? s.diff) : s.diff;
      if (d) out.push(d.trimEnd());
    }
  }
  out.push(...renderNotes(plan));
  return out.join('\n') + '\n';
}

export function renderNotes(plan: Pick<RemediationPlan, 'skipped' | 'warnings' | 'blockers'>): string[] {
  const out: string[] = [];
  if (plan.skipped.length) {
    out.push('', `Skipped (${plan.skipped.length}):`);
    for (const s of plan.skipped) out.push(`  - ${s.subject}: ${s.reason}`);
  }
  if (plan.warnings.length) {
    out.push('', 'Warnings:');
    for (const w of plan.warnings) out.push(`  ! ${w}`);
  }
  if (plan.blockers.length) {
    out.push('', 'Needs manual action (exit 1):');
    for (const b of plan.blockers) out.push(`  x ${b}`);
  }
  return out;
}
