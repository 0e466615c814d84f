// The aggregator end to end on the in-memory API: snapshots published by node agents, a scan,
// the stored run, and /metrics scraped over HTTP and parsed.
import path from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aggregator, serve, type AggregatorDeps, type AggregatorOptions, type ClusterAudit } from '../../src/agent/aggregator.js';
import { inProcessCollector } from '../../src/agent/collect.js';
import { MemoryAgentKube } from '../../src/agent/memory-kube.js';
import { buildMetrics } from '../../src/agent/metrics.js';
import { runNodeAgent } from '../../src/agent/node-agent.js';
import { parseExposition } from '../../src/agent/prom-text.js';
import { parseSchedule } from '../../src/agent/schedule.js';
import { catalogSysctls } from '../../src/agent/sysctls.js';
import { loadCatalog, type Catalog } from '../../src/catalog/load-catalog.js';
import { evaluateBenchmark } from '../../src/engine/evaluate-benchmark.js';
import type { FactSnapshot } from '../../src/model/fact.js';
import { applyWaivers } from '../../src/waivers/apply-waivers.js';
import type { Waiver } from '../../src/waivers/load-waivers.js';
import { removeHostTree } from '../support/host-fixtures.js';
import { fixtureTree } from '../support/node-audit.js';

const NS = 'rke-harden';

describe('aggregator metrics', () => {
  let catalog: Catalog;
  let kube: MemoryAgentKube;
  const roots: string[] = [];
  let server: Server | undefined;

  beforeAll(async () => {
    catalog = loadCatalog();
    kube = new MemoryAgentKube();
    for (const [fixture, node] of [['rke2-server-default', 'server-1'], ['rke2-agent', 'agent-1']] as const) {
      const root = fixtureTree(fixture);
      roots.push(root);
      kube.nodes.set(node, `uid-${node}`);
      await runNodeAgent(
        { request: { hostRoot: root, procDir: path.join(root, 'proc'), node, sysctls: catalogSysctls(catalog) }, namespace: NS, timeoutMs: 30_000, intervalMs: 1, jitter: 0, once: true, publish: 'configmap' },
        { collector: inProcessCollector(), kube, log: () => undefined },
      );
    }
    kube.nodes.set('missing-1', 'uid-missing');
  });
  afterAll(() => {
    server?.close();
    roots.forEach(removeHostTree);
  });

  const clusterAudit = async (): Promise<ClusterAudit> => {
    const benchmark = catalog.benchmarks.get('rke2-cis-1.9')!;
    const snapshot: FactSnapshot = { target: { kind: 'cluster', name: 'test-cluster' }, distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', facts: {}, errors: {}, absent: {}, warnings: [] };
    return { snapshot, benchmark, results: evaluateBenchmark(benchmark, catalog.checks, snapshot) };
  };

  /** An aggregator on the in-memory API with this file's usual options; `over` and `deps` change some. */
  const aggregator = (over: Partial<AggregatorOptions> = {}, deps: Partial<AggregatorDeps> = {}) =>
    new Aggregator({ ...{ namespace: NS, schedule: parseSchedule('@every 1h'), keep: 2, maxSnapshotAgeMs: 3_600_000, scanTimeoutMs: 60_000, scanOnStart: false, initialDelayMs: 0 }, ...over }, { kube, catalog, auditCluster: clusterAudit, log: () => undefined, ...deps });

  it('scans, stores, and serves every control per node with counts, duration and timestamps', async () => {
    const logs: string[] = [];
    const agg = new Aggregator(
      { namespace: NS, schedule: parseSchedule('@every 1h'), keep: 2, maxSnapshotAgeMs: 3_600_000, scanTimeoutMs: 60_000, scanOnStart: false, initialDelayMs: 0 },
      { kube, catalog, auditCluster: clusterAudit, log: (l) => logs.push(l) },
    );
    const before = parseExposition(await agg.metricsText());
    expect(before.get('rke_harden_last_successful_scan_timestamp_seconds')!.samples[0]!.value).toBe(0);
    expect(before.get('rke_harden_control_status')).toBeUndefined(); // no run yet: no series, not zeros

    const served = await serve(agg, { host: '127.0.0.1', port: 0 });
    server = served.server;
    for (let i = 0; i < 3; i++) expect(await agg.scan()).toBeDefined();
    expect(logs.at(-1)).toMatch(/scan rke-harden-scan-\d{8}-\d{6}z(-\d)? stored .* nodes agent-1=ok missing-1=missing server-1=ok; kept 2/);
    const stored = [...kube.configMaps.keys()].filter((k) => k.includes('rke-harden-scan-'));
    expect(stored.length).toBe(2);

    const res = await fetch(`${served.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = parseExposition(await res.text());
    const run = agg.state.lastSuccess!.run;

    // One control-status series per result, the status as a label.
    const controls = m.get('rke_harden_control_status')!.samples;
    expect(controls.length).toBe(run.results.length);
    expect(controls.every((s) => s.value === 1)).toBe(true);
    const server1Fails = run.results.filter((r) => r.target === 'server-1' && r.status === 'fail' && r.scored).map((r) => r.controlId).sort();
    expect(server1Fails.length).toBeGreaterThan(0);
    expect(controls.filter((s) => s.labels.node === 'server-1' && s.labels.status === 'fail' && s.labels.scored === 'true').map((s) => s.labels.control).sort()).toEqual(server1Fails);
    expect(controls.find((s) => s.labels.target === 'cluster')!.labels.node).toBe('');
    expect(Object.keys(controls[0]!.labels).sort()).toEqual(['benchmark', 'check', 'control', 'node', 'scored', 'section', 'status', 'target']);
    // The missing node's node controls are errors.
    expect(controls.filter((s) => s.labels.node === 'missing-1' && s.labels.status === 'error').length).toBeGreaterThan(50);

    // Counts by status equal the run's summary.
    const counts = m.get('rke_harden_results')!.samples;
    for (const [status, n] of Object.entries(run.summary)) {
      expect(counts.filter((s) => s.labels.status === status).reduce((a, s) => a + s.value, 0), status).toBe(n);
    }
    const val = (name: string, labels: Record<string, string> = {}) =>
      m.get(name)!.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))!.value;
    expect(val('rke_harden_scan_duration_seconds')).toBeGreaterThan(0);
    expect(val('rke_harden_last_successful_scan_timestamp_seconds')).toBeCloseTo(Date.now() / 1000, -2);
    expect(val('rke_harden_scans_total', { result: 'success' })).toBe(3);
    expect(val('rke_harden_stored_scans')).toBe(2);
    expect(val('rke_harden_node_snapshot_present', { node: 'server-1' })).toBe(1);
    expect(val('rke_harden_node_snapshot_present', { node: 'missing-1' })).toBe(0);
    expect(val('rke_harden_node_state', { node: 'missing-1' })).toBe(1);
    expect(m.get('rke_harden_node_state')!.samples.find((s) => s.labels.node === 'missing-1')!.labels.state).toBe('missing');
    expect(val('rke_harden_nodes', { state: 'ok' })).toBe(2);
    // prom-client's process metrics watch the aggregator itself.
    expect(val('process_resident_memory_bytes')).toBeGreaterThan(10e6);
    expect(m.get('nodejs_version_info')!.samples[0]!.labels.version).toBe(process.version);

    expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${served.url}/nope`)).status).toBe(404);
    expect((await fetch(`${served.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('waived results are counted by their waiver\'s owner and last day, with the end of that day for an expiry alert', async () => {
    const options = { namespace: NS, schedule: parseSchedule('@every 1h'), keep: 2, maxSnapshotAgeMs: 3_600_000, scanTimeoutMs: 60_000, scanOnStart: false, initialDelayMs: 0 };
    const plain = new Aggregator(options, { kube, catalog, auditCluster: clusterAudit, log: () => undefined });
    expect(parseExposition(await plain.metricsText({ processMetrics: false })).get('rke_harden_waived_results')).toBeUndefined();
    const failing = (await plain.scan())!.run.results.find((r) => r.target === 'server-1' && r.status === 'fail')!;
    const waivers: Waiver[] = [{ check: failing.checkId!, target: 'server-1', reason: 'tracked in SEC-1', owner: 'platform-team', expires: '2030-01-31', location: { file: 'w.yaml', line: 2, column: 5 } }];
    const agg = new Aggregator(options, { kube, catalog, auditCluster: clusterAudit, log: () => undefined, applyWaivers: (run, now) => applyWaivers(run, waivers, now).run });
    const waived = (await agg.scan())!.run.results.filter((r) => r.status === 'waived');
    expect(waived.length).toBeGreaterThan(0);
    const m = parseExposition(await agg.metricsText({ processMetrics: false }));
    expect(m.get('rke_harden_waived_results')!.samples).toEqual([{ name: 'rke_harden_waived_results', labels: { owner: 'platform-team', expires: '2030-01-31' }, value: waived.length }]);
    expect(m.get('rke_harden_waiver_expiry_timestamp_seconds')!.samples.map((s) => [s.labels, s.value])).toEqual([[{ owner: 'platform-team', expires: '2030-01-31' }, (Date.parse('2030-02-01T00:00:00Z') - 1) / 1000]]);
    expect(m.get('rke_harden_control_status')!.samples.filter((s) => s.labels.status === 'waived').map((s) => s.labels.check)).toEqual(waived.map((r) => r.checkId));
  });

  it('a failed scan keeps the last results and counts the failure', async () => {
    const agg = new Aggregator(
      { namespace: NS, schedule: parseSchedule('@every 1h'), keep: 2, maxSnapshotAgeMs: 3_600_000, scanTimeoutMs: 60_000, scanOnStart: false, initialDelayMs: 0 },
      { kube, catalog, auditCluster: clusterAudit, log: () => undefined },
    );
    await agg.scan();
    const good = agg.state.lastSuccess!;
    kube.failures.set(`list ${NS} app.kubernetes.io/name=rke-harden,app.kubernetes.io/component=node-snapshot`, new Error('HTTP 503'));
    expect(await agg.scan()).toBeUndefined();
    expect(agg.state.lastSuccess).toBe(good);
    expect(agg.state.lastError).toBe('HTTP 503');
    const m = parseExposition(await agg.metricsText());
    expect(m.get('rke_harden_last_scan_success')!.samples[0]!.value).toBe(0);
    expect(m.get('rke_harden_scans_total')!.samples.find((s) => s.labels.result === 'failure')!.value).toBe(1);
    expect(m.get('rke_harden_control_status')!.samples.length).toBe(good.run.results.length);
  });

  it('concurrent scan requests share one scan; a stuck scan fails /healthz', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let audits = 0;
    const agg = new Aggregator(
      { namespace: NS, schedule: parseSchedule('@every 1h'), keep: 2, maxSnapshotAgeMs: 3_600_000, scanTimeoutMs: 50, scanOnStart: false, initialDelayMs: 0 },
      { kube, catalog, auditCluster: async () => (audits++, await gate, clusterAudit()), log: () => undefined },
    );
    const a = agg.scan();
    const b = agg.scan();
    expect(a).toBe(b);
    await new Promise((r) => setTimeout(r, 120));
    expect(agg.healthy().ok).toBe(false);
    expect(parseExposition(await agg.metricsText()).get('rke_harden_scan_in_progress')!.samples[0]!.value).toBe(1);
    release();
    await a;
    expect(audits).toBe(1);
    expect(agg.healthy().ok).toBe(true);
  });

  it('a new aggregator (a restarted pod) serves the last stored run until its first scan', async () => {
    const first = aggregator();
    const rec = (await first.scan())!;
    const logs: string[] = [];
    const restarted = aggregator({}, { log: (l) => logs.push(l) });
    await restarted.restore();
    const m = parseExposition(await restarted.metricsText());
    expect(m.get('rke_harden_control_status')!.samples.length).toBe(rec.run.results.length);
    expect(m.get('rke_harden_last_successful_scan_timestamp_seconds')!.samples[0]!.value).toBe(Math.round(Date.parse(rec.run.finishedAt)) / 1000);
    expect(logs.join()).toMatch(/restored the last stored scan/);
    // The node states stored with the run come back: per-node series (and their alerts) do not wait.
    expect(restarted.state.lastSuccess!.nodes).toEqual(rec.nodes);
    const states = m.get('rke_harden_node_state')!.samples.filter((x) => x.value === 1).map((x) => `${x.labels.node}=${x.labels.state}`).sort();
    expect(states).toEqual(['agent-1=ok', 'missing-1=missing', 'server-1=ok']);
    // Nothing stored: nothing restored, and said so.
    const empty = aggregator({ namespace: 'elsewhere' }, { log: (l) => logs.push(l) });
    await empty.restore();
    expect(empty.state.lastSuccess).toBeUndefined();
    expect(logs.at(-1)).toMatch(/no stored scan restored: no scans stored in namespace elsewhere/);
  });

  it('a scan lists the stored runs once: saving and pruning share that list', async () => {
    const agg = aggregator();
    kube.calls = [];
    expect(await agg.scan()).toBeDefined();
    expect(kube.calls.filter((c) => c.startsWith(`list ${NS} `) && c.includes('scan-run'))).toHaveLength(1);
    expect([...kube.configMaps.keys()].filter((k) => k.includes('rke-harden-scan-'))).toHaveLength(2); // still pruned to keep 2
  });

  it('a schedule further away than setTimeout can wait (~24.8 days) waits, instead of firing at once', async () => {
    const agg = aggregator({ schedule: parseSchedule('@every 720h') });
    agg.start();
    await new Promise((r) => setTimeout(r, 300));
    await agg.stop();
    expect(agg.state.scans.success + agg.state.scans.failure).toBe(0);
    expect(agg.state.nextScanAt!.getTime() - Date.now()).toBeGreaterThan(29 * 24 * 3600_000);
    expect(parseExposition(await agg.metricsText()).get('rke_harden_scan_interval_seconds')!.samples[0]!.value).toBe(720 * 3600);
  });

  it('the schedule\'s period is exported for the stale alert: a daily cron is 86400 s', async () => {
    const agg = aggregator({ schedule: parseSchedule('0 3 * * *') });
    agg.start();
    await agg.stop();
    expect(parseExposition(await agg.metricsText()).get('rke_harden_scan_interval_seconds')!.samples[0]!.value).toBe(86_400);
  });

  it('runs on its schedule and stops cleanly', async () => {
    const agg = new Aggregator(
      { namespace: NS, schedule: parseSchedule('@every 1s'), keep: 2, maxSnapshotAgeMs: 3_600_000, scanTimeoutMs: 60_000, scanOnStart: true, initialDelayMs: 10 },
      { kube, catalog, auditCluster: clusterAudit, log: () => undefined },
    );
    agg.start();
    await new Promise((r) => setTimeout(r, 1500));
    await agg.stop();
    expect(agg.state.scans.success).toBeGreaterThanOrEqual(2);
    const n = agg.state.scans.success;
    await new Promise((r) => setTimeout(r, 1200));
    expect(agg.state.scans.success).toBe(n);
    expect(buildMetrics(agg.state).find((f) => f.name === 'rke_harden_next_scan_timestamp_seconds')!.samples.length).toBe(1);
  });
});
