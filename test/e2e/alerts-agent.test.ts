// The in-cluster agent on a real kube-apiserver, with exactly the chart's RBAC and admission policy:
// node agents publish snapshots as ConfigMaps with pod-bound service-account tokens (and cannot
// write another node's), the aggregator — the real CLI in a child process, as the chart's
// read-only service account — evaluates them with the cluster audit, stores runs keeping N, and
// serves /metrics; the scrape is parsed, linted by `promtool check metrics`, and turned into a
// `promtool test rules` run of the chart's alerts. Also: the committed rule tests, and a deleted
// node's snapshot garbage-collected through its owner reference.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { inProcessCollector } from '../../src/agent/collect.js';
import { RestAgentKube } from '../../src/agent/kube-store.js';
import { runNodeAgent } from '../../src/agent/node-agent.js';
import { parseExposition, type MetricFamily } from '../../src/agent/prom-text.js';
import { envelopeToConfigMap, configMapToEnvelope } from '../../src/agent/snapshot-envelope.js';
import { catalogSysctls } from '../../src/agent/sysctls.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { ScanRun } from '../../src/model/result.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { findControlPlaneBinaries } from '../support/controlplane-bin.js';
import { removeHostTree } from '../support/host-fixtures.js';
import { fixtureTree } from '../support/node-audit.js';
import { runCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait.js';
import { writeTokenKubeconfig } from '../support/token-kubeconfig.js';

findControlPlaneBinaries();
const REPO = path.resolve(import.meta.dirname, '../..');
const NS = 'rke-harden';
const CLI = [process.execPath, '--import', 'tsx', path.join(REPO, 'src/agent/entry.ts')];
const RULES = path.join(REPO, 'deploy/rendered/alerts.rules.yaml');

function promtool(args: string[], input?: string): { code: number; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', input });
  if (r.error) throw new Error(`promtool: ${r.error.message} (apt-get install --no-install-recommends prometheus; scripts/ci-deploy.sh does)`);
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('alert rules (promtool)', () => {
  it('check rules: the rendered rules are valid', () => {
    const r = promtool(['check', 'rules', RULES]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS: 6 rules found/);
  });
  it('every alert has a committed unit test', () => {
    const alerts = [...fs.readFileSync(RULES, 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]);
    const tested = new Set([...fs.readFileSync(path.join(REPO, 'deploy/alerts/rke-harden.rules.test.yaml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    expect(alerts.length).toBe(6);
    expect(alerts.filter((a) => !tested.has(a))).toEqual([]);
  });
  it('test rules: the committed unit tests of every alert pass', () => {
    const r = promtool(['test', 'rules', path.join(REPO, 'deploy/alerts/rke-harden.rules.test.yaml')]);
    expect(r.code, r.out).toBe(0);
  });
});

describe('agent on a real API server with the chart\'s RBAC', () => {
  let cp: ControlPlane;
  let dir: string;
  const roots: string[] = [];
  const kubeconfigs = new Map<string, string>();
  let aggregator: ChildProcess | undefined;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API objects, read by field in assertions
  async function ok(method: string, p: string, body?: object): Promise<any> {
    const r = await cp.request(method, p, body);
    if (r.status >= 300) throw new Error(`${method} ${p}: HTTP ${r.status}: ${r.body}`);
    return r.json();
  }

  /** A kubeconfig for a token of the service account (bound to a pod on `node` when given). */
  async function tokenKubeconfig(sa: string, node?: string): Promise<string> {
    let bound: object | undefined;
    if (node) {
      const pod = await ok('POST', `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: `node-agent-${node}` },
        spec: { serviceAccountName: sa, nodeName: node, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
      });
      bound = { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid };
    }
    const tr = await ok('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600, ...(bound ? { boundObjectRef: bound } : {}) } });
    return writeTokenKubeconfig(path.join(dir, `${sa}-${node ?? 'unbound'}.kubeconfig`), cp.server, cp.pki.ca.cert, tr.status.token);
  }

  const kubeFor = (file: string) => {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    return new RestAgentKube(kc, { retryBudgetMs: 10_000 });
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-agent-e2e-'));
    cp = await startControlPlane();
    await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    // The chart's objects, for real (workloads never run: there is no kubelet).
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(REPO, 'deploy/rendered/default.yaml'), 'utf8'))) {
      const o = doc.toJS() as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } | null;
      if (!o) continue;
      const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
      const plural = { ServiceAccount: 'serviceaccounts', Role: 'roles', RoleBinding: 'rolebindings', ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', DaemonSet: 'daemonsets', Deployment: 'deployments', Service: 'services', NetworkPolicy: 'networkpolicies', ValidatingAdmissionPolicy: 'validatingadmissionpolicies', ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings' }[o.kind];
      if (!plural) throw new Error(`unexpected kind ${o.kind}`);
      await ok('POST', `${base}${o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : ''}/${plural}`, o);
    }
    // Linux nodes, and a Windows node the chart's node agents (nodeSelector kubernetes.io/os: linux) skip.
    for (const [n, os] of [['server-1', 'linux'], ['agent-1', 'linux'], ['missing-1', 'linux'], ['win-1', 'windows']]) {
      await ok('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'kubernetes.io/os': os } } });
    }
    kubeconfigs.set('server-1', await tokenKubeconfig('rke-harden-node', 'server-1'));
    kubeconfigs.set('agent-1', await tokenKubeconfig('rke-harden-node', 'agent-1'));
    kubeconfigs.set('aggregator', await tokenKubeconfig('rke-harden-aggregator'));
    // A new ValidatingAdmissionPolicy is enforced once the API server's informers hold it (up to a few
    // seconds): wait until it refuses a write it must refuse, or the tests below race it.
    const probe = kubeFor(kubeconfigs.get('server-1')!);
    await waitFor('the node-snapshot admission policy to be enforced', async () => {
      try {
        await probe.applyConfigMap(envelopeToConfigMap({ node: 'probe', collectedAt: new Date().toISOString(), status: 'error', durationMs: 1, toolVersion: 'x', error: 'probe' }, NS));
      } catch (e) {
        if (/a node agent may only write/.test(String(e))) return true;
        throw e;
      }
      await ok('DELETE', `/api/v1/namespaces/${NS}/configmaps/rke-harden-snapshot-probe`);
      return undefined;
    }, { deadline: Date.now() + 30_000 });
    probe.close();
  }, 240_000);

  afterAll(async () => {
    aggregator?.kill('SIGKILL');
    await cp?.stop();
    roots.forEach(removeHostTree);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('node agents publish their snapshots with their pod-bound tokens', async () => {
    const catalog = loadCatalog();
    for (const [fixture, node] of [['rke2-server-default', 'server-1'], ['rke2-agent', 'agent-1']] as const) {
      const root = fixtureTree(fixture);
      roots.push(root);
      const kube = kubeFor(kubeconfigs.get(node)!);
      const logs: string[] = [];
      const status = await runNodeAgent(
        { request: { hostRoot: root, procDir: path.join(root, 'proc'), node, sysctls: catalogSysctls(catalog) }, namespace: NS, timeoutMs: 60_000, intervalMs: 1, jitter: 0, once: true, publish: 'configmap' },
        { collector: inProcessCollector(), kube, log: (l) => logs.push(l) },
      );
      kube.close();
      expect(status, logs.join('\n')).toBe('ok');
    }
    const list = await ok('GET', `/api/v1/namespaces/${NS}/configmaps?labelSelector=app.kubernetes.io/component%3Dnode-snapshot`);
    expect(list.items.map((c: { metadata: { name: string } }) => c.metadata.name).sort()).toEqual(['rke-harden-snapshot-agent-1', 'rke-harden-snapshot-server-1']);
    const server = list.items.find((c: { metadata: { name: string } }) => c.metadata.name === 'rke-harden-snapshot-server-1');
    expect(server.metadata.ownerReferences[0]).toMatchObject({ kind: 'Node', name: 'server-1' });
    expect(configMapToEnvelope(server).snapshot!.distro).toBe('rke2');
  });

  it('the admission policy refuses a node agent writing another node\'s snapshot', async () => {
    const kube = kubeFor(kubeconfigs.get('server-1')!);
    const forged = envelopeToConfigMap({ node: 'agent-1', collectedAt: new Date().toISOString(), status: 'error', durationMs: 1, toolVersion: 'x', error: 'forged' }, NS);
    await expect(kube.applyConfigMap(forged)).rejects.toThrow(/a node agent may only write/);
    const renamed = { ...forged, metadata: { ...forged.metadata, name: 'rke-harden-snapshot-server-1' } };
    await expect(kube.applyConfigMap(renamed)).rejects.toThrow(/a node agent may only write a node-snapshot ConfigMap for its own node/);
    const scan = { ...forged, metadata: { ...forged.metadata, name: 'rke-harden-scan-20990101-000000z', labels: { 'app.kubernetes.io/component': 'scan-run' } } };
    await expect(kube.applyConfigMap(scan)).rejects.toThrow(/a node agent may only write/);
    // And RBAC: node agents cannot list or delete.
    await expect(kube.listConfigMaps(NS, 'app.kubernetes.io/component=scan-run')).rejects.toThrow(/HTTP 403/);
    kube.close();
    expect(configMapToEnvelope(await ok('GET', `/api/v1/namespaces/${NS}/configmaps/rke-harden-snapshot-agent-1`)).status).toBe('ok');
  });

  let scraped = '';
  let lastRun: ScanRun;

  it('the aggregator (the CLI, with the chart\'s read-only RBAC) scans, stores runs keeping N, and serves /metrics', async () => {
    const kubeconfig = kubeconfigs.get('aggregator')!;
    // Three one-shot scans: --keep 2 leaves two.
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['agent', 'aggregate', '--once', '--kubeconfig', kubeconfig, '--namespace', NS, '--keep', '2', '--distro', 'rke2', '--node-selector', 'kubernetes.io/os=linux']);
      // Stored, but incomplete: node missing-1 published nothing (its controls are errors): exit 3.
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toMatch(/^rke-harden-scan-\d{8}-\d{6}z(-\d+)?: 4 targets;.* error [1-9]/);
      expect(r.stdout).toMatch(/node missing-1: missing \(node missing-1 published no snapshot/);
      expect(r.stdout).not.toMatch(/win-1/);
      expect(r.stderr).toContain("warning: 1 node outside the node agents' selector kubernetes.io/os=linux is not audited: win-1");
      if (i < 2) await new Promise((res) => setTimeout(res, 1100));
    }
    const scans = await ok('GET', `/api/v1/namespaces/${NS}/configmaps?labelSelector=app.kubernetes.io/component%3Dscan-run`);
    expect(scans.items.length).toBe(2);

    // The long-running server, as the chart runs it.
    aggregator = spawn(CLI[0]!, [...CLI.slice(1), 'agent', 'aggregate', '--kubeconfig', kubeconfig, '--namespace', NS, '--keep', '2', '--distro', 'rke2', '--node-selector', 'kubernetes.io/os=linux', '--listen', '127.0.0.1:0', '--initial-delay', '1s', '--schedule', '@every 1h'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    aggregator.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const url = await waitFor('aggregator listening', async () => /serving (http:\/\/[^/\s]+)\/metrics/.exec(stderr)?.[1], { deadline: Date.now() + 90_000 });
    await waitFor('first scan', async () => (/scan rke-harden-scan-\S+ stored/.test(stderr) ? true : undefined), { deadline: Date.now() + 90_000 });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    scraped = await res.text();
    // The schedule's period (@every 1h), which the stale alert counts in.
    expect(scraped).toMatch(/^rke_harden_scan_interval_seconds 3600$/m);
    aggregator.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => aggregator!.on('exit', (c) => r(c)));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/stopping/);

    const latest = await runCli(['agent', 'scans', '--show', 'latest', '--kubeconfig', kubeconfig, '--namespace', NS]);
    expect(latest.code, latest.stderr).toBe(0);
    lastRun = JSON.parse(latest.stdout) as ScanRun;
    expect(lastRun.targets.map((t) => `${t.kind} ${t.name}`)).toEqual([expect.stringMatching(/^cluster /), 'node agent-1', 'node missing-1', 'node server-1']);
    // The chart's read-only RBAC is enough for the cluster audit: no cluster control is an error.
    const clusterTarget = lastRun.targets[0]!.name;
    expect(lastRun.results.filter((r) => r.target === clusterTarget && r.status === 'error').map((r) => `${r.controlId} ${r.reason}`)).toEqual([]);
    expect(lastRun.results.filter((r) => r.target === 'server-1' && r.status === 'error')).toEqual([]);
    expect(lastRun.results.filter((r) => r.target === 'missing-1' && r.status === 'error').length).toBeGreaterThan(50);
    // A stored run is a report like any other.
    const file = path.join(dir, 'scan.json');
    fs.writeFileSync(file, latest.stdout);
    const report = await runCli(['report', file, '-o', 'json']);
    expect(report.code, report.stderr).toBe(0);
  }, 240_000);

  it('/metrics parses, passes promtool check metrics, and matches the stored run', () => {
    const m = parseExposition(scraped);
    const lint = promtool(['check', 'metrics'], scraped);
    // prom-client's process metrics name three gauges nodejs_active_*_total, which the lint flags
    // (exit 3, problems only); every rke_harden_ family must be clean.
    const problems = lint.out.split('\n').filter((l) => l.trim() && !/^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/.test(l));
    expect(problems).toEqual([]);
    expect([0, 3], lint.out).toContain(lint.code);
    expect(m.get('process_resident_memory_bytes')!.samples[0]!.value).toBeGreaterThan(0);
    const controls = m.get('rke_harden_control_status')!.samples;
    expect(controls.length).toBe(lastRun.results.length);
    const fails = (run: ScanRun, node: string) => run.results.filter((r) => r.target === node && r.status === 'fail' && r.scored).map((r) => r.controlId).sort();
    expect(controls.filter((s) => s.labels.node === 'server-1' && s.labels.status === 'fail' && s.labels.scored === 'true').map((s) => s.labels.control).sort()).toEqual(fails(lastRun, 'server-1'));
    const present = Object.fromEntries(m.get('rke_harden_node_snapshot_present')!.samples.map((s) => [s.labels.node, s.value]));
    expect(present).toEqual({ 'agent-1': 1, 'missing-1': 0, 'server-1': 1 });
    expect(m.get('rke_harden_last_successful_scan_timestamp_seconds')!.samples[0]!.value).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(m.get('rke_harden_stored_scans')!.samples[0]!.value).toBe(2);
  });

  it('promtool: the chart\'s alerts fire on what the real aggregator exports', () => {
    const m = parseExposition(scraped);
    const series = (f: MetricFamily | undefined) => (f?.samples ?? []).map((s) => ({
      series: `${s.name}{${Object.entries(s.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`,
      values: `${s.value}x60`,
    }));
    const input = ['rke_harden_control_status', 'rke_harden_node_snapshot_present', 'rke_harden_results'].flatMap((n) => series(m.get(n)));
    // Expected: one RkeHardenScoredControlFailing per (benchmark, control, check, target) with its count.
    const groups = new Map<string, { labels: Record<string, string>; n: number }>();
    for (const s of m.get('rke_harden_control_status')!.samples.filter((x) => x.labels.status === 'fail' && x.labels.scored === 'true')) {
      const labels = { benchmark: s.labels.benchmark!, control: s.labels.control!, check: s.labels.check!, target: s.labels.target! };
      const k = JSON.stringify(labels);
      groups.set(k, { labels, n: (groups.get(k)?.n ?? 0) + 1 });
    }
    expect(groups.size).toBeGreaterThan(0);
    const failing = [...groups.values()].map(({ labels, n }) => ({
      exp_labels: { severity: 'warning', ...labels },
      exp_annotations: {
        summary: `CIS control ${labels.control} (${labels.check}) fails on ${n} ${labels.target} target(s)`,
        description: `Scored control ${labels.control} of ${labels.benchmark} fails. See the nodes with: rke_harden_control_status{control="${labels.control}",status="fail"}; explain it with: rke-harden explain ${labels.control}`,
      },
    }));
    const testFile = path.join(dir, 'scraped.test.yaml');
    fs.writeFileSync(testFile, stringify({
      rule_files: [RULES],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: input,
        alert_rule_test: [
          { eval_time: '5m', alertname: 'RkeHardenScoredControlFailing', exp_alerts: failing },
          { eval_time: '20m', alertname: 'RkeHardenNodeSnapshotMissing', exp_alerts: [] },
          {
            eval_time: '40m',
            alertname: 'RkeHardenNodeSnapshotMissing',
            exp_alerts: [{
              exp_labels: { severity: 'warning', node: 'missing-1' },
              exp_annotations: {
                summary: 'Node missing-1 has no fresh rke-harden snapshot',
                description: 'The last scan could not audit node missing-1 (state: see rke_harden_node_state{node="missing-1"}): its node agent is not running, cannot publish, or its collection fails or times out.',
              },
            }],
          },
        ],
      }],
    }, { lineWidth: 0 }));
    const r = promtool(['test', 'rules', testFile]);
    expect(r.code, r.out).toBe(0);
  });

  it('a deleted node\'s snapshot is garbage-collected (owner reference)', async () => {
    await ok('DELETE', '/api/v1/nodes/agent-1');
    await waitFor('snapshot of agent-1 deleted', async () => ((await cp.request('GET', `/api/v1/namespaces/${NS}/configmaps/rke-harden-snapshot-agent-1`)).status === 404 ? true : undefined), { deadline: Date.now() + 90_000 });
    expect((await cp.request('GET', `/api/v1/namespaces/${NS}/configmaps/rke-harden-snapshot-server-1`)).status).toBe(200);
  }, 120_000);
});
