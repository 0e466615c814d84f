import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { fixtureTree } from '../support/node-audit.js';
import { removeHostTree } from '../support/host-fixtures.js';
import path from 'node:path';
import { tempTree } from '../support/temp-files.js';
import { auditTargets } from '../../src/cli/audit-targets-command.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import type { ScanRun } from '../../src/model/result.js';

describe('audit with several targets: one report, shared checks', () => {
  it('--config and --node merge into one report, each result naming its target', async () => {
    const root = fixtureTree('rke2-server-hardened');
    try {
      const r = await runCli(['audit', '--config', 'examples/rke2-server/config.yaml', '--k8s-version', 'v1.32.10+rke2r1', '--node', root, '-o', 'json']);
      expect([0, 1]).toContain(r.code);
      const run = JSON.parse(r.stdout);
      expect(run.targets.map((t: { kind: string }) => t.kind)).toEqual(['config', 'node']);
      const byTarget = (kind: string) => run.results.filter((x: { target: string }) => x.target === run.targets.find((t: { kind: string }) => t.kind === kind).name);
      const cfg = byTarget('config');
      const node = byTarget('node');
      expect(cfg.length).toBeGreaterThan(100);
      expect(node.length).toBeGreaterThan(100);
      // The same check decides a flag on both targets; a file mode only on the node.
      const anon = (rs: { checkId?: string; status: string }[]) => rs.find((x) => x.checkId === 'apiserver-anonymous-auth-disabled')!.status;
      expect([anon(cfg), anon(node)]).toEqual(['pass', 'pass']);
      const manifest = (rs: { controlId: string; status: string }[]) => rs.find((x) => x.controlId === '1.1.1')!.status;
      expect(manifest(cfg)).toBe('manual');
      expect(manifest(node)).toBe('pass');
      const total = Object.values(run.summary as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(total).toBe(run.results.length);
    } finally {
      removeHostTree(root);
    }
  });

  describe('an API server out of reach (a real closed port)', () => {
    // Nothing listens on port 1: every connection is refused, as when the API server is down.
    const kubeconfig = () => {
      const dir = tempTree({ kubeconfig: 'apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: ctx, context: { cluster: c, user: u } }]\ncurrent-context: ctx\n' });
      return path.join(dir, 'kubeconfig');
    };

    it('audit --config --cluster keeps the configuration results and reports the cluster controls as errors: exit 3', async () => {
      const { run } = await auditTargets({ config: ['examples/rke2-server/config.yaml'], configOptions: { k8sVersion: 'v1.31.4+rke2r1' }, cluster: true, clusterOptions: { kubeconfig: kubeconfig(), timeout: 1 } });
      expect(run.targets).toMatchObject([{ kind: 'config', benchmark: 'rke2-cis-1.11' }, { kind: 'cluster', name: 'ctx (https://127.0.0.1:1)', benchmark: 'rke2-cis-1.11' }]);
      const ofCluster = run.results.filter((r) => r.target === 'ctx (https://127.0.0.1:1)');
      const errors = ofCluster.filter((r) => r.status === 'error');
      expect(errors.map((r) => r.controlId)).toEqual(expect.arrayContaining(['5.1.1', '5.1.5', '5.2.2', '5.3.2']));
      expect(errors[0]!.reason).toMatch(/cannot reach https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
      expect(ofCluster.filter((r) => r.status === 'pass' || r.status === 'fail')).toEqual([]);
      expect(run.results.filter((r) => r.target === 'examples/rke2-server/config.yaml' && r.status === 'pass').length).toBeGreaterThan(50);
      expect(run.warnings).toContainEqual(expect.stringMatching(/could not be reached .*every control it decides is an error/));
      expect(exitCodeFor(run, 'fail')).toBe(3);
    });

    it('audit cluster: exit 3 with --benchmark; without one, exit 3 too (no report), naming the server and the way out', async () => {
      const withBenchmark = await runCli(['audit', 'cluster', '--kubeconfig', kubeconfig(), '--timeout', '1', '--benchmark', 'rke2-cis-1.11', '-o', 'json']);
      expect(withBenchmark.code).toBe(3);
      expect((JSON.parse(withBenchmark.stdout) as ScanRun).summary.error).toBeGreaterThan(10);
      const without = await runCli(['audit', 'cluster', '--kubeconfig', kubeconfig(), '--timeout', '1']);
      expect(without.code).toBe(3);
      expect(without.stdout).toBe('');
      expect(without.stderr).toMatch(/^rke-harden: cannot read the Kubernetes version from https:\/\/127\.0\.0\.1:1: .*: no report \(with --benchmark, its controls are reported as errors\)\n$/);
    });

    it('harden cluster: exit 3 as audit cluster (the cluster is down, not the input wrong), nothing planned', async () => {
      const r = await runCli(['harden', 'cluster', '--kubeconfig', kubeconfig()]);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^rke-harden: cannot read the Kubernetes version \(https:\/\/127\.0\.0\.1:1\): .*ECONNREFUSED.*\n$/);
    }, 30_000);
  });

  it('--distro, --benchmark and --k8s-version are said once for every target that takes them', async () => {
    const root = fixtureTree('rke2-agent');
    try {
      const r = await runCli(['audit', '--config', 'examples/rke2-server/config.yaml', '--node', root, '--benchmark', 'rke2-cis-1.9', '--k8s-version', 'v1.29.9+rke2r1', '-o', 'json', '--fail-on', 'never']);
      expect(r.code).toBe(0);
      const run = JSON.parse(r.stdout) as ScanRun;
      expect(run.targets.map((t) => [t.kind, t.benchmark])).toEqual([['config', 'rke2-cis-1.9'], ['node', 'rke2-cis-1.9']]);
      expect(run.targets.find((t) => t.kind === 'node')!.k8sVersion).toBe('v1.29.9+rke2r1');
      // --distro skips the node's detection (this RKE2 node is read as RKE1 because it was told so).
      const rke1 = await runCli(['audit', '--node', root, '--distro', 'rke1', '-o', 'json', '--fail-on', 'never', '--k8s-version', 'v1.28.15-rancher1-1']);
      expect((JSON.parse(rke1.stdout) as ScanRun).targets[0]!.benchmark).toBe('rke-cis-1.8-hardened');
    } finally {
      removeHostTree(root);
    }
  });

  it('no target is a usage error', async () => {
    const r = await runCli(['audit']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/name at least one target/);
  });
});
