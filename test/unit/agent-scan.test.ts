// The aggregator's scan, pure parts: assembling one run from snapshots (fresh, stale, missing,
// failed, invalid), the cluster audit (or its failure), and storing runs in ConfigMaps with pruning.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../src/agent/collect.js';
import { MemoryAgentKube } from '../../src/agent/memory-kube.js';
import { assembleScan, CLUSTER_TARGET, unavailableResults, type ScanInputs } from '../../src/agent/scan.js';
import { compareScanIds, configMapsToNodes, configMapsToScan, nextScanId, planPrune, ScanStore, scanToConfigMaps } from '../../src/agent/scan-store.js';
import type { SnapshotEnvelope } from '../../src/agent/snapshot-envelope.js';
import { catalogSysctls } from '../../src/agent/sysctls.js';
import { loadCatalog, type Catalog } from '../../src/catalog/load-catalog.js';
import { evaluateBenchmark } from '../../src/engine/evaluate-benchmark.js';
import type { FactSnapshot } from '../../src/model/fact.js';
import { removeHostTree } from '../support/host-fixtures.js';
import { fixtureTree } from '../support/node-audit.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

describe('aggregator scan', () => {
  let catalog: Catalog;
  const roots: string[] = [];
  const snaps = new Map<string, FactSnapshot>();
  beforeAll(() => {
    catalog = loadCatalog();
    for (const [fixture, node] of [['rke2-server-hardened', 'server-1'], ['rke2-agent', 'agent-1'], ['rke2-server-default', 'server-old']] as const) {
      const root = fixtureTree(fixture);
      roots.push(root);
      snaps.set(node, collectSnapshot({ hostRoot: root, procDir: path.join(root, 'proc'), node, sysctls: catalogSysctls(catalog) }));
    }
  });
  afterAll(() => roots.forEach(removeHostTree));

  const env = (node: string, over: Partial<SnapshotEnvelope> = {}): SnapshotEnvelope => ({
    node, collectedAt: minutesAgo(5), status: 'ok', durationMs: 100, toolVersion: '0.1.0', snapshot: snaps.get(node)!, ...over,
  });
  const inputs = (over: Partial<ScanInputs> = {}): ScanInputs => ({
    catalog, envelopes: [], invalid: [], nodes: [], cluster: undefined, maxSnapshotAgeMs: 45 * 60_000, now: NOW, startedAt: NOW, ...over,
  });

  it('evaluates each fresh snapshot as its own node target, exactly as `audit node` would', () => {
    const out = assembleScan(inputs({ envelopes: [env('server-1'), env('agent-1')], nodes: ['agent-1', 'server-1'] }));
    expect(out.run.targets.map((t) => [t.kind, t.name, t.benchmark])).toEqual([
      ['node', 'agent-1', 'rke2-cis-1.12'],
      ['node', 'server-1', 'rke2-cis-1.12'],
    ]);
    expect(out.nodes.map((n) => [n.node, n.state])).toEqual([['agent-1', 'ok'], ['server-1', 'ok']]);
    const bench = catalog.benchmarks.get('rke2-cis-1.12')!;
    const direct = evaluateBenchmark(bench, catalog.checks, { ...snaps.get('server-1')!, target: { kind: 'node', name: 'server-1' } });
    expect(out.run.results.filter((r) => r.target === 'server-1')).toEqual(direct);
    expect(out.run.summary.error).toBe(0);
  });

  it('a node without a usable snapshot is a target whose node controls are errors, with the reason', () => {
    const out = assembleScan(inputs({
      envelopes: [
        env('server-1'),
        env('server-old', { collectedAt: minutesAgo(180) }),
        { node: 'slow-1', collectedAt: minutesAgo(3), status: 'timeout', durationMs: 120_000, toolVersion: '0.1.0', error: 'did not finish within 120 s' },
      ],
      invalid: [{ node: 'bad-1', object: 'rke-harden-snapshot-bad-1', error: 'does not gunzip' }],
      nodes: ['bad-1', 'gone-1', 'server-1', 'server-old', 'slow-1'],
    }));
    const state = Object.fromEntries(out.nodes.map((n) => [n.node, n.state]));
    expect(state).toEqual({ 'bad-1': 'invalid', 'gone-1': 'missing', 'server-1': 'ok', 'server-old': 'stale', 'slow-1': 'timeout' });
    const errorsOf = (node: string) => out.run.results.filter((r) => r.target === node && r.status === 'error');
    expect(errorsOf('gone-1')[0]!.reason).toMatch(/node gone-1 published no snapshot/);
    expect(errorsOf('server-old')[0]!.reason).toMatch(/is 3 h old/);
    expect(errorsOf('slow-1')[0]!.reason).toMatch(/timed out .*did not finish within 120 s/);
    // A node whose clock runs ahead: its snapshot's time says nothing about freshness.
    const ahead = assembleScan(inputs({ envelopes: [env('agent-1'), env('server-1', { collectedAt: new Date(NOW.getTime() + 30 * 24 * 3600_000).toISOString() })], nodes: ['agent-1', 'server-1'] }));
    expect(ahead.nodes[1]).toMatchObject({ node: 'server-1', state: 'stale', reason: expect.stringMatching(/ahead of this aggregator's clock: its freshness cannot be told; check the node's time/) });
    expect(errorsOf('bad-1')[0]!.reason).toMatch(/cannot be read: does not gunzip/);
    // Same controls for every target; the statuses other than error are what a node target gives.
    const controls = (node: string) => out.run.results.filter((r) => r.target === node).map((r) => r.controlId);
    expect(controls('gone-1')).toEqual(controls('server-1'));
    expect(errorsOf('gone-1').length).toBe(out.run.results.filter((r) => r.target === 'server-1' && ['pass', 'fail', 'error'].includes(r.status)).length
      + out.run.results.filter((r) => r.target === 'server-1' && r.status === 'notApplicable' && !catalog.benchmarks.get('rke2-cis-1.12')!.controls.find((c) => c.id === r.controlId)?.notApplicable).length);
    expect(out.warnings).toContain('snapshot rke-harden-snapshot-bad-1 ignored: does not gunzip');
  });

  it('ignores snapshots of nodes the cluster does not know, and reports every node when nodes cannot be listed', () => {
    const a = assembleScan(inputs({ envelopes: [env('server-1'), env('agent-1')], nodes: ['server-1'] }));
    expect(a.run.targets.map((t) => t.name)).toEqual(['server-1']);
    expect(a.warnings).toContain('snapshot of node agent-1 ignored: no such node in the cluster');
    const b = assembleScan(inputs({ envelopes: [env('server-1'), env('agent-1')], nodes: undefined, nodesError: 'HTTP 403' }));
    expect(b.run.targets.map((t) => t.name)).toEqual(['agent-1', 'server-1']);
    expect(b.warnings[0]).toMatch(/nodes could not be listed \(HTTP 403\)/);
  });

  it('nodes outside the node agents\' selector (Windows) are not missing: not audited, named once', () => {
    const out = assembleScan(inputs({ envelopes: [env('server-1'), env('win-1')], nodes: ['server-1'], unselected: { selector: 'kubernetes.io/os=linux', nodes: ['win-1', 'win-2'] } }));
    expect(out.run.targets.map((t) => t.name)).toEqual(['server-1']);
    expect(out.nodes.map((n) => [n.node, n.state])).toEqual([['server-1', 'ok']]);
    expect(out.warnings).toContain("2 nodes outside the node agents' selector kubernetes.io/os=linux are not audited: win-1, win-2");
    expect(out.warnings.join('\n')).not.toMatch(/win-1 ignored|no such node/);
  });

  it('puts the cluster target first, and makes its controls errors when the cluster audit fails', () => {
    const bench = catalog.benchmarks.get('rke2-cis-1.12')!;
    const clusterSnap: FactSnapshot = { target: { kind: 'cluster', name: 'in-cluster' }, distro: 'rke2', k8sVersion: 'v1.32.10+rke2r1', facts: {}, errors: {}, absent: {}, warnings: [] };
    const ok = assembleScan(inputs({ envelopes: [env('server-1')], nodes: ['server-1'], cluster: { snapshot: clusterSnap, benchmark: bench, results: evaluateBenchmark(bench, catalog.checks, clusterSnap) } }));
    expect(ok.run.targets.map((t) => [t.kind, t.name])).toEqual([['cluster', CLUSTER_TARGET], ['node', 'server-1']]);
    expect(ok.run.results.filter((r) => r.target === CLUSTER_TARGET)).toHaveLength(bench.controls.length);

    const failed = assembleScan(inputs({ envelopes: [env('server-1')], nodes: ['server-1'], cluster: { error: 'HTTP 403: forbidden' } }));
    expect(failed.clusterError).toBe('HTTP 403: forbidden');
    // The same name as an audited cluster, and no node can be called so (a node named `cluster` was mixed with it).
    expect(failed.run.targets[0]).toEqual(expect.objectContaining({ kind: 'cluster', name: CLUSTER_TARGET }));
    const clusterResults = failed.run.results.filter((r) => r.target === CLUSTER_TARGET);
    expect(clusterResults.some((r) => r.status === 'error' && r.reason === 'the cluster audit failed: HTTP 403: forbidden')).toBe(true);
    expect(clusterResults.filter((r) => r.status === 'error').every((r) => catalog.checks.get(r.checkId!)!.decidedBy.includes('cluster'))).toBe(true);
  });

  it('uses --benchmark for every target, and fails with nothing at all to scan', () => {
    const out = assembleScan(inputs({ envelopes: [env('server-1')], nodes: ['server-1'], benchmark: 'rke2-cis-1.9' }));
    expect(out.run.benchmark.id).toBe('rke2-cis-1.9');
    expect(() => assembleScan(inputs())).toThrow(/no snapshots, no nodes and no cluster audit/);
  });

  it('unavailable results keep control-level manual and not-applicable bindings', () => {
    const bench = catalog.benchmarks.get('rke2-cis-1.12')!;
    const r = unavailableResults(catalog, bench, 'node', 'n', 'gone');
    expect(r.length).toBe(bench.controls.length);
    for (const [c, res] of bench.controls.map((c, i) => [c, r[i]!] as const)) {
      if (c.notApplicable) expect(res.status).toBe('notApplicable');
      else if (c.manual !== undefined || !c.check) expect(res.status).toBe('manual');
    }
  });

  it('stores runs in ConfigMaps, split when large, read back whole, and keeps the newest N', async () => {
    const out = assembleScan(inputs({ envelopes: [env('server-1'), env('agent-1')], nodes: ['agent-1', 'server-1'] }));
    const objects = scanToConfigMaps(out.run, '20261127-120000z', 'ns', 4096);
    expect(objects.length).toBeGreaterThan(2);
    expect(objects.at(-1)!.metadata.name).toBe('rke-harden-scan-20261127-120000z'); // index written last
    expect(configMapsToScan([...objects].reverse(), '20261127-120000z')).toEqual(out.run);
    expect(() => configMapsToScan(objects.slice(1), '20261127-120000z')).toThrow(/part 0 of|part \d+ of \d+ is missing/);
    expect(() => configMapsToScan(objects.slice(0, -1), '20261127-120000z')).toThrow(/no index object/);
    // The node states ride in the index object; a run stored before they were has none.
    const withNodes = scanToConfigMaps(out.run, '20261127-120000z', 'ns', 4096, out.nodes);
    expect(configMapsToNodes(withNodes, '20261127-120000z')).toEqual(out.nodes);
    expect(configMapsToScan(withNodes, '20261127-120000z')).toEqual(out.run);
    // No object outgrows the part size with them: the index carries that much less of the run.
    const gzBytes = (o: (typeof withNodes)[number]) => Object.values(o.binaryData ?? {}).reduce((n, b64) => n + Buffer.from(b64, 'base64').length, 0);
    expect(Math.max(...withNodes.map(gzBytes))).toBeLessThanOrEqual(4096);
    expect(out.nodes.length).toBe(2);
    const old = withNodes.map((o) => ({ ...o, binaryData: Object.fromEntries(Object.entries(o.binaryData ?? {}).filter(([k]) => k !== 'nodes.json.gz')) }));
    expect(configMapsToNodes(old, '20261127-120000z')).toEqual([]);
    expect(configMapsToScan(old, '20261127-120000z')).toEqual(out.run);

    const kube = new MemoryAgentKube();
    const store = new ScanStore(kube, 'ns');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.save(out.run, new Date('2026-11-27T12:00:00Z'))).id);
    expect(ids).toEqual(['20261127-120000z', '20261127-120000z-1', '20261127-120000z-2', '20261127-120000z-3', '20261127-120000z-4']);
    const later = await store.save(out.run, new Date('2026-11-27T13:00:00Z'));
    const pruned = await store.prune(3, later.id);
    expect(pruned.kept).toBe(3);
    expect([...kube.configMaps.keys()].sort()).toEqual([
      'ns/rke-harden-scan-20261127-120000z-3', 'ns/rke-harden-scan-20261127-120000z-4', 'ns/rke-harden-scan-20261127-130000z',
    ]);
    expect(await store.load('latest')).toEqual(out.run);
  });

  it('ids keep the order runs were stored in: -10 after -9, a freed id is not reused, a clock that went back continues after the newest', () => {
    expect(nextScanId(new Date('2026-11-27T12:00:00Z'), [])).toBe('20261127-120000z');
    expect(nextScanId(new Date('2026-11-27T12:00:00Z'), ['20261127-120000z-9'])).toBe('20261127-120000z-10'); // the base itself was pruned
    expect(['20261127-120000z-10', '20261127-120000z-9', '20261127-115959z', '20261127-120000z'].sort(compareScanIds)).toEqual([
      '20261127-115959z', '20261127-120000z', '20261127-120000z-9', '20261127-120000z-10',
    ]);
    // The aggregator's clock went back an hour: the new run still comes after the stored ones (latest, prune).
    expect(nextScanId(new Date('2026-11-27T11:00:00Z'), ['20261127-120000z', '20261127-120200z'])).toBe('20261127-120200z-1');
  });

  it('prune removes parts whose index is gone, but not those of the run being written', () => {
    const run = assembleScan(inputs({ envelopes: [env('server-1')], nodes: ['server-1'] })).run;
    const a = scanToConfigMaps(run, '20261127-100000z', 'ns', 2048);
    const b = scanToConfigMaps(run, '20261127-110000z', 'ns', 2048).slice(0, -1); // crashed before its index
    const c = scanToConfigMaps(run, '20261127-120000z', 'ns', 2048).slice(0, -1); // being written
    const del = planPrune([...a, ...b, ...c], 5, '20261127-120000z');
    expect(del.sort()).toEqual(b.map((o) => o.metadata.name).sort());
    const del2 = planPrune([...a, ...b], 0);
    expect(del2[0]).toBe('rke-harden-scan-20261127-100000z'); // index first
  });
});
