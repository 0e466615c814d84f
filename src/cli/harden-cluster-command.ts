/**
 * `harden cluster [--kubeconfig F] [--context C] [--apply] [--network-policy …] [--psa-level …]
 * [--psa-version V] [--exemptions LIST…] [--distro …] [--exclude-namespace NS…] [--journal FILE]
 * [--concurrency N]`: a server-side dry run (dryRun=All) with the server's diff by default; with
 * --apply, journal then write each change (create, or merge patch of its fields), then re-plan to verify.
 */
import { KubeApiError } from '../collectors/cluster/kube-api.js';
import { clusterDistro } from '../collectors/cluster/detect-distro.js';
import { loadKubeConfig } from '../collectors/cluster/load-kube-config.js';
import { resolveNamespaceExemptions } from '../collectors/cluster/namespace-exemptions.js';
import { incompleteError, inputError, usageError } from '../errors/rke-harden-error.js';
import { applyClusterPlan, type KubeStepOutcome } from '../remediation/apply/apply-cluster.js';
import { KubeClient } from '../remediation/apply/kube-client.js';
import { connect, observeCluster, type ClusterConnection } from '../remediation/apply/observe-cluster.js';
import { planCluster, type ClusterPlanOptions, type NetworkPolicyChoice, type PsaLevel } from '../remediation/cluster-plan.js';
import { openJournalForRun } from '../remediation/journal.js';
import type { KubeApplyStep, RemediationPlan } from '../remediation/plan.js';
import { describeTarget, renderNotes, renderPlan } from '../remediation/render-plan.js';
import type { CommandOutput } from './harden-node-command.js';
import { hardenRunJson, type RunResult } from './harden-json.js';

export interface HardenClusterOptions {
  kubeconfig?: string;
  context?: string;
  apply: boolean;
  networkPolicy: NetworkPolicyChoice;
  psaLevel: PsaLevel;
  psaVersion: string;
  /** Exemption list names (rke2, rke1, rancher-restricted, docs-sample, none); default: the distro's. */
  exemptions?: string[];
  distro?: 'rke1' | 'rke2';
  /** Exempt as audit cluster --exempt-namespace exempts them (the same flag, the same namespaces left alone). */
  exemptNamespace?: string[];
  excludeNamespace: string[];
  /** Where --apply journals its steps (the CLI names the default, so that --print-journal knows it too). */
  journal: string;
  concurrency: number;
  /** Progress lines (stderr on a TTY). */
  progress?: (line: string) => void;
  /** `-o json`: the dry run or the run as JSON (src/cli/harden-json.ts) instead of text. */
  format?: 'text' | 'json';
}

async function apiCall<T>(what: string, server: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // As audit cluster: rejected credentials are the kubeconfig's fault (exit 2); a server out of reach or
    // failing is not the user's input (exit 3), so that a scheduled job tells the two apart.
    if (e instanceof KubeApiError && e.status === 401) throw inputError(`${what} (${server}): the credentials were rejected (HTTP 401)`);
    if (e instanceof KubeApiError) throw (e.kind === 'http' && e.status! < 500 ? inputError : incompleteError)(`${what} (${server}): ${e.message}`);
    throw e;
  }
}

async function planFor(conn: ClusterConnection, planOptions: ClusterPlanOptions): Promise<RemediationPlan<KubeApplyStep>> {
  const obs = await apiCall('cannot list namespaces, serviceaccounts and networkpolicies', conn.target.server, () => observeCluster(conn));
  return planCluster(obs, planOptions);
}

function summarise(outcomes: KubeStepOutcome[]): { counts: string; failures: string[]; warnings: string[] } {
  const by = (s: KubeStepOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  const failures = outcomes.filter((o) => o.status === 'failed').map((o) => `  FAILED ${o.step.title}: ${o.error}`);
  const warnings = [...new Set(outcomes.flatMap((o) => o.warnings.map((w) => `${o.step.ref.namespace ?? o.step.ref.name}: ${w}`)))];
  const parts = [`${by('applied')} applied`, by('unchanged') ? `${by('unchanged')} already done` : '', by('failed') ? `${by('failed')} failed` : ''].filter(Boolean);
  return { counts: parts.join(', '), failures, warnings };
}

/** A step's outcome as `-o json` gives it. */
const outcomeJson = (x: KubeStepOutcome) => ({ id: x.step.id, title: x.step.title, status: x.status, ...(x.error ? { error: x.error } : {}) });

export async function runHardenCluster(o: HardenClusterOptions): Promise<CommandOutput> {
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw usageError(`--concurrency ${o.concurrency}: a positive integer`);
  if (!/^(latest|v1\.\d+)$/.test(o.psaVersion)) throw usageError(`--psa-version ${o.psaVersion}: "latest" or v1.N`);
  const { kc } = await loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context });
  const server = kc.getCurrentCluster()!.server;
  const conn = await apiCall('cannot read the Kubernetes version', server, () => connect(kc));
  const gitVersion = conn.target.gitVersion;
  const distro = clusterDistro(gitVersion, o.distro ? { distro: o.distro, from: `--distro ${o.distro}` } : undefined);
  const lists = o.exemptions?.length ? o.exemptions : distro ? [distro] : undefined;
  if (!lists) {
    throw usageError(`the server version ${gitVersion} names no distro (RKE2 ends in +rke2rN, RKE1 in -rancherN): pass --exemptions LIST or --distro rke1|rke2`);
  }
  const planOptions: ClusterPlanOptions = {
    networkPolicy: o.networkPolicy,
    psaLevel: o.psaLevel,
    psaVersion: o.psaVersion,
    exemptions: resolveNamespaceExemptions(lists, gitVersion, o.exemptNamespace),
    exclude: o.excludeNamespace,
  };
  const plan = await planFor(conn, planOptions);
  const out = [`harden cluster: ${describeTarget(conn.target)}`, `Exemptions: ${lists.join(', ')}; network policy: ${o.networkPolicy}; Pod Security: ${o.psaLevel} (${o.psaVersion})`, ''];
  const client = new KubeClient(kc, { maxSockets: o.concurrency });
  const done = (code: number, run?: RunResult): CommandOutput => ({
    text: o.format === 'json' ? hardenRunJson(plan, o.apply ? 'apply' : 'dry-run', run) : out.join('\n') + '\n',
    code,
    ...(run?.journal ? { journal: run.journal } : {}),
  });
  try {
    if (!o.apply) {
      if (plan.steps.length === 0) {
        out.push(renderPlan(plan));
        return done(plan.blockers.length ? 1 : 0);
      }
      const outcomes = await applyClusterPlan(client, plan, {
        dryRun: true,
        concurrency: o.concurrency,
        planOptions,
        ...(o.progress ? { onOutcome: (_: KubeStepOutcome, done: number, total: number) => done % 500 === 0 && o.progress!(`dry run: ${done}/${total}`) } : {}),
      });
      const diffs = new Map(outcomes.filter((x) => x.diff !== undefined).map((x) => [x.step.id, x.diff!]));
      const { failures, warnings } = summarise(outcomes);
      out.push(renderPlan({ ...plan, warnings: [...plan.warnings, ...warnings] }, { diffs }));
      if (failures.length) out.push('The server refused (dry run):', ...failures);
      out.push(failures.length
        ? 'Dry run (server-side, dryRun=All): nothing was changed. The server refused the changes above: --apply would fail the same way (fix the cause first, e.g. the credentials\' write rights).'
        : 'Dry run (server-side, dryRun=All): nothing was changed. Run again with --apply to make these changes.');
      return done(failures.length || plan.blockers.length ? 1 : 0, { diffs, warnings, outcomes: outcomes.map(outcomeJson) });
    }

    if (plan.steps.length === 0) {
      out.push(renderPlan(plan), 'Nothing to apply; no journal written.');
      return done(plan.blockers.length ? 1 : 0);
    }
    const file = o.journal;
    const { writer, note } = await openJournalForRun(file, conn.target);
    o.progress?.(`journal: ${file}`);
    let outcomes: KubeStepOutcome[];
    try {
      outcomes = await applyClusterPlan(client, plan, {
        dryRun: false,
        concurrency: o.concurrency,
        journal: writer,
        planOptions,
        ...(o.progress ? { onOutcome: (_: KubeStepOutcome, done: number, total: number) => done % 500 === 0 && o.progress!(`applied ${done}/${total}`) } : {}),
      });
    } finally {
      await writer.close();
    }
    const { counts, failures, warnings } = summarise(outcomes);
    out.push(renderPlan({ ...plan, warnings: [...plan.warnings, ...warnings] }));
    if (note) out.push(note);
    out.push(`Written (field manager rke-harden): ${counts}. Journal: ${file}`, ...failures);
    const after = await planFor(conn, planOptions);
    if (after.steps.length === 0) out.push('Verified: a new plan has nothing left to change.');
    else out.push(`Still to change (${after.steps.length}):`, ...after.steps.slice(0, 50).map((s) => `  - ${s.title}`), ...(after.steps.length > 50 ? [`  … and ${after.steps.length - 50} more`] : []));
    out.push(`Undo with: rke-harden rollback ${file}`);
    out.push(...renderNotes({ skipped: [], warnings: [], blockers: after.blockers }));
    return done(failures.length || after.steps.length || after.blockers.length ? 1 : 0, {
      journal: file,
      outcomes: outcomes.map(outcomeJson),
      remaining: after.steps.map((s) => s.title),
      warnings: [...(note ? [note] : []), ...warnings],
      blockers: after.blockers,
    });
  } finally {
    client.close();
  }
}
