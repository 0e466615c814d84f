/**
 * One aggregator scan, pure: the nodes' published snapshots, the cluster's snapshot and the list of
 * nodes become one ScanRun (cluster target first, then nodes by name) plus the state of every node.
 *
 * A node without a usable snapshot — none published, too old, or a collection that failed or timed
 * out — is still a target of the run: each control its snapshot would decide is `error` with the
 * reason (design.md §3: what could not be collected is never a pass), so the scan shows as
 * incomplete and the per-node metrics say which node is blind.
 */
import type { Catalog } from '../catalog/load-catalog.js';
import { resolveBenchmarkId, selectBenchmark } from '../catalog/select-benchmark.js';
import { evaluateBenchmark } from '../engine/evaluate-benchmark.js';
import { buildScanRun } from '../engine/scan-run.js';
import type { Benchmark } from '../model/benchmark.js';
import { emptySnapshot, type FactSnapshot } from '../model/fact.js';
import type { ControlResult, ScanRun } from '../model/result.js';
import type { TargetKind } from '../model/status.js';
import type { CollectStatus, SnapshotEnvelope } from './snapshot-envelope.js';

/**
 * The cluster target's name in every run, audited or failed: the same from run to run (waivers, SARIF
 * fingerprints and `diff` follow target names), and no node can have it (node names are DNS names).
 */
export const CLUSTER_TARGET = 'cluster (Kubernetes API)';

/** How far ahead of the aggregator a node's clock may be before its snapshot's time is not believed. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** ok: evaluated from a fresh snapshot; the others name why the node's node controls are errors. */
export type NodeState = 'ok' | 'missing' | 'stale' | 'timeout' | 'error' | 'invalid';
export const NODE_STATES: readonly NodeState[] = ['ok', 'missing', 'stale', 'timeout', 'error', 'invalid'];

export interface NodeReport {
  node: string;
  state: NodeState;
  /** When the snapshot used (or rejected as stale) was collected. */
  collectedAt?: string;
  collectMs?: number;
  benchmark?: string;
  distro?: string;
  k8sVersion?: string;
  /** Whether the node is in the cluster's node list (false: a snapshot of a node the API does not know). */
  listed: boolean;
  reason?: string;
}

export interface ScanInputs {
  catalog: Catalog;
  /** Snapshots read from the cluster, valid ones. */
  envelopes: SnapshotEnvelope[];
  /** Snapshot objects that could not be read, by node when known (else by object name). */
  invalid: { node?: string; object: string; error: string }[];
  /** Names of the cluster's nodes the node agents run on; undefined when they could not be listed. */
  nodes: string[] | undefined;
  nodesError?: string;
  /** Nodes outside the node agents' nodeSelector (Windows nodes by default): not audited, said once. */
  unselected?: { selector: string; nodes: string[] };
  /** The cluster audit: its snapshot and the benchmark it was evaluated against, or why it failed. */
  cluster: { snapshot: FactSnapshot; benchmark: Benchmark; results: ControlResult[] } | { error: string } | undefined;
  /** --benchmark: one profile for every target. */
  benchmark?: string;
  /** Snapshots older than this are stale. */
  maxSnapshotAgeMs: number;
  now: Date;
  startedAt: Date;
}

export interface ScanOutcome {
  run: ScanRun;
  nodes: NodeReport[];
  clusterError?: string;
  warnings: string[];
}

const decidedByNode = (catalog: Catalog, checkId: string | undefined): boolean =>
  checkId !== undefined && (catalog.checks.get(checkId)?.decidedBy.includes('node') ?? false);
const decidedByCluster = (catalog: Catalog, checkId: string | undefined): boolean =>
  checkId !== undefined && (catalog.checks.get(checkId)?.decidedBy.includes('cluster') ?? false);

/**
 * Results of a target whose facts are unavailable: controls the target kind decides are `error`
 * with the reason; the others are what evaluation would say of any target of that kind (manual or
 * not applicable), so the run has the same controls per target whatever happened.
 */
export function unavailableResults(catalog: Catalog, benchmark: Benchmark, kind: 'node' | 'cluster', target: string, reason: string): ControlResult[] {
  const decides = kind === 'node' ? decidedByNode : decidedByCluster;
  return benchmark.controls.map((control): ControlResult => {
    const base = { controlId: control.id, title: control.title, section: control.section, scored: control.scored, target };
    if (control.notApplicable !== undefined) return { ...base, status: 'notApplicable', evidence: [], reason: control.notApplicable };
    if (control.manual !== undefined || !control.check) return { ...base, status: 'manual', evidence: [], reason: control.manual ?? 'no check bound' };
    const check = catalog.checks.get(control.check);
    if (!decides(catalog, control.check)) {
      const by = (check?.decidedBy ?? []).map((k) => `\`audit ${k}\``).join(' or ');
      return { ...base, checkId: control.check, status: 'manual', evidence: [], reason: `decided by ${by}: a ${kind} target cannot show it` };
    }
    return { ...base, checkId: control.check, status: 'error', evidence: [], reason };
  });
}

function stateOf(status: CollectStatus): NodeState {
  return status === 'ok' ? 'ok' : status;
}

function describeAge(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}

export function assembleScan(inp: ScanInputs): ScanOutcome {
  const { catalog } = inp;
  const warnings: string[] = [];
  const fixed = inp.benchmark ? resolveBenchmarkId(catalog, inp.benchmark) : undefined;
  const clusterOk = inp.cluster && !('error' in inp.cluster) ? inp.cluster : undefined;
  const clusterError = inp.cluster && 'error' in inp.cluster ? inp.cluster.error : undefined;
  const parts: { benchmark: Benchmark; snapshot: FactSnapshot; results: ControlResult[] }[] = [];

  // The benchmark for targets whose own facts cannot choose one.
  let fallback: Benchmark | undefined = fixed ?? clusterOk?.benchmark;

  // Latest envelope per node (a node has one object, but a renamed or re-created node may leave two).
  const byNode = new Map<string, SnapshotEnvelope>();
  for (const e of inp.envelopes) {
    const prev = byNode.get(e.node);
    if (!prev || Date.parse(e.collectedAt) > Date.parse(prev.collectedAt)) byNode.set(e.node, e);
  }
  const invalidByNode = new Map(inp.invalid.filter((i) => i.node).map((i) => [i.node!, i]));
  for (const i of inp.invalid) warnings.push(`snapshot ${i.object} ignored: ${i.error}`);

  const unselected = new Set(inp.unselected?.nodes);
  if (inp.unselected?.nodes.length) {
    const n = inp.unselected.nodes;
    warnings.push(`${n.length} node${n.length === 1 ? '' : 's'} outside the node agents' selector ${inp.unselected.selector} ${n.length === 1 ? 'is' : 'are'} not audited: ${n.slice(0, 10).join(', ')}${n.length > 10 ? `, … (${n.length - 10} more)` : ''}`);
  }
  const listed = inp.nodes ? new Set(inp.nodes) : undefined;
  if (!listed && inp.nodesError) warnings.push(`nodes could not be listed (${inp.nodesError}): nodes that published no snapshot cannot be told apart from nodes that do not exist`);
  const names = [...new Set([...(inp.nodes ?? []), ...byNode.keys(), ...invalidByNode.keys()])].sort();

  const reports: NodeReport[] = [];
  const nodeParts: typeof parts = [];
  const pending: { node: string; reason: string; report: NodeReport }[] = [];
  for (const node of names) {
    if (unselected.has(node)) continue;
    const env = byNode.get(node);
    const isListed = listed ? listed.has(node) : true;
    if (listed && !isListed) {
      // The API does not know this node (deleted; its snapshot's owner reference lets the garbage
      // collector remove the object soon): report nothing for it, but say so.
      warnings.push(`snapshot of node ${node} ignored: no such node in the cluster`);
      continue;
    }
    if (!env) {
      const bad = invalidByNode.get(node);
      const report: NodeReport = { node, state: bad ? 'invalid' : 'missing', listed: isListed };
      const reason = bad ? `the snapshot of node ${node} cannot be read: ${bad.error}` : `node ${node} published no snapshot (is the rke-harden node agent running there?)`;
      pending.push({ node, reason, report });
      reports.push(report);
      continue;
    }
    const base: NodeReport = { node, state: stateOf(env.status), collectedAt: env.collectedAt, collectMs: env.durationMs, listed: isListed };
    if (env.status !== 'ok' || !env.snapshot) {
      const reason = `collection on node ${node} ${env.status === 'timeout' ? 'timed out' : 'failed'} at ${env.collectedAt}: ${env.error ?? 'no reason given'}`;
      pending.push({ node, reason, report: base });
      reports.push(base);
      continue;
    }
    const age = inp.now.getTime() - Date.parse(env.collectedAt);
    if (age > inp.maxSnapshotAgeMs || -age > CLOCK_SKEW_MS) {
      const report: NodeReport = { ...base, state: 'stale' };
      // A time ahead of ours says nothing about freshness: the node's clock is wrong (a stamp far ahead
      // would otherwise stay "fresh" long after its agent stopped).
      const reason = age > 0
        ? `the snapshot of node ${node} is ${describeAge(age)} old (collected ${env.collectedAt}; limit ${describeAge(inp.maxSnapshotAgeMs)}): is its node agent running?`
        : `the snapshot of node ${node} says it was collected at ${env.collectedAt}, ${describeAge(-age)} ahead of this aggregator's clock: its freshness cannot be told; check the node's time (NTP)`;
      pending.push({ node, reason, report });
      reports.push(report);
      continue;
    }
    const snap: FactSnapshot = { ...env.snapshot, target: { kind: 'node', name: node } };
    let benchmark = fixed;
    if (!benchmark && clusterOk && clusterOk.benchmark.distro === snap.distro) benchmark = clusterOk.benchmark;
    if (!benchmark && snap.k8sVersion) {
      try {
        benchmark = selectBenchmark(catalog, snap.distro, snap.k8sVersion);
      } catch (e) {
        warnings.push(`node ${node}: ${(e as Error).message}`);
      }
    }
    if (!benchmark) {
      const report: NodeReport = { ...base, state: 'error', distro: snap.distro, ...(snap.k8sVersion ? { k8sVersion: snap.k8sVersion } : {}) };
      pending.push({ node, reason: `no benchmark for node ${node} (${snap.distro}${snap.k8sVersion ? ` ${snap.k8sVersion}` : ', version unknown'}): pass --benchmark`, report });
      reports.push(report);
      continue;
    }
    if (benchmark.distro !== snap.distro) warnings.push(`node ${node} runs ${snap.distro.toUpperCase()} but is evaluated against ${benchmark.id}`);
    fallback ??= benchmark;
    nodeParts.push({ benchmark, snapshot: snap, results: evaluateBenchmark(benchmark, catalog.checks, snap) });
    reports.push({ ...base, benchmark: benchmark.id, distro: snap.distro, ...(snap.k8sVersion ? { k8sVersion: snap.k8sVersion } : {}) });
  }

  for (const p of pending) {
    p.report.reason = p.reason;
    if (!fallback) {
      warnings.push(`${p.reason} (no benchmark to report its controls against)`);
      continue;
    }
    p.report.benchmark = fallback.id;
    const snap = emptySnapshot({ kind: 'node', name: p.node }, fallback.distro);
    nodeParts.push({ benchmark: fallback, snapshot: snap, results: unavailableResults(catalog, fallback, 'node', p.node, p.reason) });
  }
  nodeParts.sort((a, b) => a.snapshot.target.name.localeCompare(b.snapshot.target.name));

  if (clusterOk) {
    const snapshot: FactSnapshot = { ...clusterOk.snapshot, target: { kind: 'cluster', name: CLUSTER_TARGET } };
    parts.push({ benchmark: clusterOk.benchmark, snapshot, results: clusterOk.results.map((r) => ({ ...r, target: CLUSTER_TARGET })) });
  } else if (clusterError !== undefined) {
    if (fallback) {
      const snap = emptySnapshot({ kind: 'cluster', name: CLUSTER_TARGET }, fallback.distro);
      parts.push({ benchmark: fallback, snapshot: snap, results: unavailableResults(catalog, fallback, 'cluster', CLUSTER_TARGET, `the cluster audit failed: ${clusterError}`) });
    } else {
      warnings.push(`the cluster audit failed: ${clusterError}`);
    }
  }
  parts.push(...nodeParts);
  if (parts.length === 0) throw new NothingToScanError(warnings.length ? warnings.join('; ') : 'no snapshots, no nodes and no cluster audit');
  const run = buildScanRun(parts, inp.startedAt);
  run.warnings = [...run.warnings, ...warnings];
  return { run, nodes: reports, ...(clusterError !== undefined ? { clusterError } : {}), warnings };
}

export class NothingToScanError extends Error {
  override name = 'NothingToScanError';
}

/** Which kind each target of a run is (for metrics labels). */
export function targetKinds(run: ScanRun): Map<string, TargetKind> {
  return new Map(run.targets.map((t) => [t.name, t.kind]));
}
