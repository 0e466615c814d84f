/**
 * `harden node [--host-root DIR] [--apply] [--distro rke1|rke2] [--journal FILE] [--sysctl-load system|file]
 *  [--only sysctl,etcd-user,files] [--benchmark ID] [--k8s-version V] [-o text|json]`:
 * plan (changes + diffs) by default; with --apply, journal then write, then re-plan to verify.
 */
import fs from 'node:fs';
import { usageError } from '../errors/rke-harden-error.js';
import { applyNodePlan, spawnRunner, type CommandRunner } from '../remediation/apply/apply-node.js';
import { hardenRunJson, type HardenRunJson, type RunResult } from './harden-json.js';
import { HostRoot } from '../remediation/apply/host-fs.js';
import { detectNodeDistro, observeNode } from '../remediation/apply/observe-node.js';
import { defaultJournalPath, openJournalForRun } from '../remediation/journal.js';
import { HARDEN_NODE_PARTS, planNode, type HardenNodePart } from '../remediation/node-plan.js';
import { optionItems } from '../option-items.js';
import type { NodeTarget } from '../remediation/plan.js';
import { describeTarget, renderNotes, renderPlan } from '../remediation/render-plan.js';

export interface HardenNodeOptions {
  hostRoot: string;
  apply: boolean;
  distro?: 'rke1' | 'rke2';
  journal?: string;
  sysctlLoad: 'system' | 'file';
  /** `-o json`: the plan or the run as JSON (HardenNodeJson) instead of text. */
  format?: 'text' | 'json';
  /** What to change (`--only`, comma lists too): sysctl, etcd-user, files; default all. */
  only?: string[];
  /** The profile the files are judged by (`--benchmark`); default the one the node's version selects. */
  benchmark?: string;
  /** The node's Kubernetes version, when it cannot be read from the node (`--k8s-version`). */
  k8sVersion?: string;
  /** Tests: run commands (sysctl, restorecon) without a real host, and treat the root as live. */
  run?: CommandRunner;
  live?: boolean;
  now?: Date;
}

export interface CommandOutput {
  text: string;
  code: number;
  journal?: string;
}

function hardenNodeParts(only: string[] | undefined): Set<HardenNodePart> {
  const items = optionItems(only ?? []);
  if (items.length === 0) return new Set(HARDEN_NODE_PARTS);
  for (const item of items) {
    if (!(HARDEN_NODE_PARTS as readonly string[]).includes(item)) throw usageError(`--only ${item}: not a part of harden node (one or more of ${HARDEN_NODE_PARTS.join(', ')})`);
  }
  return new Set(items as HardenNodePart[]);
}

/** `harden node -o json` (src/cli/harden-json.ts). */
export type HardenNodeJson = HardenRunJson;

export async function runHardenNode(o: HardenNodeOptions): Promise<CommandOutput> {
  if (!fs.existsSync(o.hostRoot) || !fs.statSync(o.hostRoot).isDirectory()) throw usageError(`--host-root ${o.hostRoot}: not a directory`);
  const host = new HostRoot(o.hostRoot, o.live);
  const distro = o.distro ?? detectNodeDistro(host);
  const target: NodeTarget = { kind: 'node', hostRoot: host.root, distro, live: host.live };
  const parts = hardenNodeParts(o.only);
  const sysctlOpts = { sysctlLoad: o.sysctlLoad, parts };
  const observeOpts = { files: parts.has('files'), ...(o.benchmark ? { benchmark: o.benchmark } : {}), ...(o.k8sVersion ? { k8sVersion: o.k8sVersion } : {}) };
  const plan = planNode(observeNode(host, target, observeOpts, o.now), sysctlOpts);
  const out = [`harden node: ${describeTarget(target)}`, ''];
  const blocked = plan.blockers.length > 0;
  const done = (code: number, run?: RunResult): CommandOutput => ({
    text: o.format === 'json' ? hardenRunJson(plan, o.apply ? 'apply' : 'plan', run) : out.join('\n') + '\n',
    code,
    ...(run?.journal ? { journal: run.journal } : {}),
  });

  if (!o.apply) {
    out.push(renderPlan(plan, { diffs: true }));
    if (plan.steps.length) out.push('Plan only: nothing was changed. Run again with --apply to make these changes.');
    return done(blocked ? 1 : 0);
  }
  if (plan.steps.length === 0) {
    out.push(renderPlan(plan));
    out.push('Nothing to apply; no journal written.');
    return done(blocked ? 1 : 0);
  }
  // A blocker means the host is not what the plan can safely change (an id taken, a link out of the
  // root): nothing is applied, so no half-made account or stray file is left to undo.
  if (blocked) {
    out.push(renderPlan(plan, { diffs: true }));
    out.push('Nothing applied (blockers above); no journal written. Resolve them and run again.');
    return done(1);
  }

  const file = o.journal ?? defaultJournalPath('node', o.now);
  const { writer, note } = await openJournalForRun(file, target);
  let result;
  try {
    result = await applyNodePlan(host, plan, writer, { run: o.run ?? spawnRunner, options: { distro, sysctlLoad: o.sysctlLoad } });
  } finally {
    await writer.close();
  }
  out.push(renderPlan(plan, { diffs: true }));
  if (note) out.push(note);
  const applied = result.outcomes.filter((r) => r.status === 'applied').length;
  out.push(`Applied ${applied} of ${plan.steps.length} changes. Journal: ${file}`);
  for (const r of result.outcomes) if (r.status === 'failed') out.push(`  FAILED ${r.title}: ${r.error}`);
  for (const w of result.warnings) out.push(`  ! ${w}`);

  // Verify: what is left to do now?
  const after = planNode(observeNode(host, target, observeOpts, o.now), sysctlOpts);
  const left = after.steps;
  if (left.length === 0) out.push('Verified: a new plan has nothing left to change.');
  else {
    out.push(`Still to change (${left.length}):`);
    for (const s of left) out.push(`  - ${s.title}`);
  }
  out.push(`Undo with: rke-harden rollback ${file}`);
  out.push(...renderNotes({ skipped: [], warnings: [], blockers: after.blockers }));
  const failed = result.outcomes.some((r) => r.status === 'failed') || left.length > 0 || after.blockers.length > 0;
  return done(failed ? 1 : 0, { journal: file, outcomes: result.outcomes, remaining: left.map((s) => s.title), warnings: [...(note ? [note] : []), ...result.warnings], blockers: after.blockers });
}
