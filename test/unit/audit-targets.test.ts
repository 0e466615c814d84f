import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { fixtureTree } from '../support/node-audit.js';
import { removeHostTree } from '../support/host-fixtures.js';

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

  it('no target is a usage error', async () => {
    const r = await runCli(['audit']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/name at least one target/);
  });
});
