/**
 * The aggregator's /metrics, from its state. Pure.
 *
 * Per-control status is one series per (control, target) with the current status as a label and
 * the value 1 (the kube-state-metrics way): a status change ends one series and starts another, so
 * `rke_harden_control_status{status="fail",scored="true"} == 1` is the list of scored failures.
 * Targets: each node (label node=<node name>, target="node") and the cluster (target="cluster",
 * node=""). Label values are never secrets: control and check ids, node names, statuses, and the
 * owners and expiry dates of waivers (which the waiver file, a reviewed document, states openly).
 */
import type { ScanRun } from '../model/result.js';
import { STATUSES } from '../model/status.js';
import { NODE_STATES, type NodeReport } from './scan.js';
import type { MetricFamily, Sample } from './prom-text.js';
import { expiresAt } from '../waivers/apply-waivers.js';

export interface ScanRecord {
  run: ScanRun;
  nodes: NodeReport[];
  durationSeconds: number;
  finishedAt: Date;
  /** The ConfigMap the run was stored in. */
  storedAs?: string;
}

export interface AggregatorState {
  version: string;
  /** The last scan that produced a run (its results are what the control metrics show). */
  lastSuccess?: ScanRecord;
  lastAttemptAt?: Date;
  lastAttemptDurationSeconds?: number;
  lastAttemptOk?: boolean;
  lastError?: string;
  scans: { success: number; failure: number };
  storedScans?: number;
  running: boolean;
  nextScanAt?: Date;
  /** Time between the next scheduled scan and the one after it: what "stale" is measured in. */
  scanIntervalSeconds?: number;
}

const seconds = (d: Date): number => Math.round(d.getTime()) / 1000;

function family(name: string, type: MetricFamily['type'], help: string, samples: Omit<Sample, 'name'>[]): MetricFamily {
  return { name, type, help, samples: samples.map((s) => ({ name, ...s })) };
}

export function buildMetrics(st: AggregatorState): MetricFamily[] {
  const rec = st.lastSuccess;
  const run = rec?.run;
  const kinds = new Map(run?.targets.map((t) => [t.name, t.kind]) ?? []);
  const nodeOf = (target: string): string => (kinds.get(target) === 'node' ? target : '');
  const kindOf = (target: string): string => kinds.get(target) ?? 'unknown';

  const controls: Omit<Sample, 'name'>[] = [];
  const counts = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const r of run?.results ?? []) {
    const labels = {
      benchmark: r.benchmark ?? run!.benchmark.id,
      control: r.controlId,
      check: r.checkId ?? '',
      section: r.section,
      node: nodeOf(r.target),
      target: kindOf(r.target),
      status: r.status,
      scored: String(r.scored),
    };
    controls.push({ labels, value: 1 });
  }
  // Counts by target, status and scored, zeros included so that `== 0` and rate queries work.
  for (const t of run?.targets ?? []) {
    for (const status of STATUSES) {
      for (const scored of ['true', 'false']) {
        counts.set(`${t.name}\u0000${status}\u0000${scored}`, { labels: { node: nodeOf(t.name), target: t.kind, status, scored }, value: 0 });
      }
    }
  }
  for (const r of run?.results ?? []) {
    const c = counts.get(`${r.target}\u0000${r.status}\u0000${r.scored}`);
    if (c) c.value++;
  }

  // Waived results by the owner and last day of their waiver, for an alert before the day passes.
  const waivers = new Map<string, { owner: string; expires: string; n: number }>();
  for (const r of run?.results ?? []) {
    if (r.status !== 'waived' || !r.waiver) continue;
    const k = `${r.waiver.owner}\u0000${r.waiver.expires}`;
    const w = waivers.get(k) ?? { owner: r.waiver.owner, expires: r.waiver.expires, n: 0 };
    w.n++;
    waivers.set(k, w);
  }

  const nodes = rec?.nodes ?? [];
  const byState = new Map(NODE_STATES.map((s) => [s, 0]));
  for (const n of nodes) byState.set(n.state, (byState.get(n.state) ?? 0) + 1);

  const out: MetricFamily[] = [
    family('rke_harden_build_info', 'gauge', 'The rke-harden aggregator version.', [{ labels: { version: st.version }, value: 1 }]),
    family('rke_harden_control_status', 'gauge', 'Status of each benchmark control per target in the last successful scan: 1 for the current status.', controls),
    family('rke_harden_results', 'gauge', 'Number of control results per target, status and scored in the last successful scan.', [...counts.values()]),
    family('rke_harden_scan_duration_seconds', 'gauge', 'How long the last successful scan took.', rec ? [{ labels: {}, value: rec.durationSeconds }] : []),
    family('rke_harden_last_scan_duration_seconds', 'gauge', 'How long the last scan attempt took, successful or not.', st.lastAttemptDurationSeconds !== undefined ? [{ labels: {}, value: st.lastAttemptDurationSeconds }] : []),
    family('rke_harden_last_successful_scan_timestamp_seconds', 'gauge', 'When the last successful scan finished (Unix time; 0 before the first).', [{ labels: {}, value: rec ? seconds(rec.finishedAt) : 0 }]),
    family('rke_harden_last_scan_timestamp_seconds', 'gauge', 'When the last scan attempt finished (Unix time; 0 before the first).', [{ labels: {}, value: st.lastAttemptAt ? seconds(st.lastAttemptAt) : 0 }]),
    family('rke_harden_last_scan_success', 'gauge', '1 if the last scan attempt produced a run, 0 if it failed.', st.lastAttemptOk === undefined ? [] : [{ labels: {}, value: st.lastAttemptOk ? 1 : 0 }]),
    family('rke_harden_scans_total', 'counter', 'Scan attempts since the aggregator started, by result.', [
      { labels: { result: 'success' }, value: st.scans.success },
      { labels: { result: 'failure' }, value: st.scans.failure },
    ]),
    family('rke_harden_scan_in_progress', 'gauge', '1 while a scan runs.', [{ labels: {}, value: st.running ? 1 : 0 }]),
    family('rke_harden_next_scan_timestamp_seconds', 'gauge', 'When the next scan is due (Unix time).', st.nextScanAt ? [{ labels: {}, value: seconds(st.nextScanAt) }] : []),
    family('rke_harden_scan_interval_seconds', 'gauge', 'Time between two scheduled scans (the schedule\'s period after the next scan).', st.scanIntervalSeconds !== undefined ? [{ labels: {}, value: st.scanIntervalSeconds }] : []),
    family('rke_harden_stored_scans', 'gauge', 'Scan runs kept in the cluster (ConfigMaps rke-harden-scan-*).', st.storedScans !== undefined ? [{ labels: {}, value: st.storedScans }] : []),
    family('rke_harden_node_snapshot_present', 'gauge', '1 if the node had a fresh, readable snapshot from a successful collection in the last successful scan, else 0.', nodes.map((n) => ({ labels: { node: n.node }, value: n.state === 'ok' ? 1 : 0 }))),
    family('rke_harden_node_state', 'gauge', 'State of each node in the last successful scan: 1 for its state (ok, missing, stale, timeout, error, invalid).', nodes.map((n) => ({ labels: { node: n.node, state: n.state }, value: 1 }))),
    family('rke_harden_node_snapshot_timestamp_seconds', 'gauge', 'When the node snapshot used by the last successful scan was collected (Unix time).', nodes.filter((n) => n.collectedAt).map((n) => ({ labels: { node: n.node }, value: Date.parse(n.collectedAt!) / 1000 }))),
    family('rke_harden_node_collect_duration_seconds', 'gauge', 'How long the node agent took to collect the snapshot used by the last successful scan.', nodes.filter((n) => n.collectMs !== undefined).map((n) => ({ labels: { node: n.node }, value: n.collectMs! / 1000 }))),
    family('rke_harden_nodes', 'gauge', 'Number of nodes per state in the last successful scan.', [...byState].map(([state, value]) => ({ labels: { state }, value }))),
    family('rke_harden_waived_results', 'gauge', 'Results waived in the last successful scan, by the owner and last day (expires) of their waiver.', [...waivers.values()].map((w) => ({ labels: { owner: w.owner, expires: w.expires }, value: w.n }))),
    family('rke_harden_waiver_expiry_timestamp_seconds', 'gauge', 'End (Unix time) of the last day a waiver applies, per owner and expiry date of the waivers used in the last successful scan.', [...waivers.values()].map((w) => ({ labels: { owner: w.owner, expires: w.expires }, value: expiresAt(w) / 1000 }))),
  ];
  return out;
}
