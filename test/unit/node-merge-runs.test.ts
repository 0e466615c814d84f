// `audit node` and `audit config` share checks and results; several targets merge into one report.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { auditNode } from '../../src/cli/audit-node-command.js';
import { mergeRuns } from '../../src/engine/merge-runs.js';
import { removeHostTree } from '../support/host-fixtures.js';
import { fixtureTree } from '../support/node-audit.js';

const trees: string[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) removeHostTree(t);
});

describe('mergeRuns', () => {
  it('one report over a config file and two nodes: targets, results per target, summary, benchmarks', () => {
    const config = auditConfig([path.resolve('test/fixtures/rancher-templates/rke2-config-hardened-rke2-v1.29-plus.yaml')], { k8sVersion: 'v1.32.10+rke2r1' }).run;
    const a = fixtureTree('rke2-server-hardened');
    const b = fixtureTree('rke2-server-default');
    trees.push(a, b);
    const nodeA = auditNode({ hostRoot: a }).run;
    const nodeB = auditNode({ hostRoot: b }).run;
    const merged = mergeRuns([config, nodeA, nodeB]);

    expect(merged.targets.map((t) => [t.kind, t.benchmark])).toEqual([['config', 'rke2-cis-1.12'], ['node', 'rke2-cis-1.12'], ['node', 'rke2-cis-1.11']]);
    expect(merged.results).toHaveLength(config.results.length + nodeA.results.length + nodeB.results.length);
    expect(merged.benchmarks.map((x) => x.id)).toEqual(['rke2-cis-1.12', 'rke2-cis-1.11']);
    // Only results of another benchmark than the report's say which.
    expect(merged.results.filter((r) => r.benchmark).every((r) => r.target === 'rke2-server-1' && r.benchmark === 'rke2-cis-1.11')).toBe(true);
    expect(merged.results.filter((r) => r.target === 'rke2-server-1' && !r.benchmark)).toEqual([]);
    for (const s of ['pass', 'fail', 'manual', 'notApplicable', 'error', 'waived'] as const) {
      expect(merged.summary[s]).toBe(config.summary[s] + nodeA.summary[s] + nodeB.summary[s]);
    }
    // Same check, same verdict from the config and from the node it produces (anonymous-auth).
    const of = (target: string) => merged.results.find((r) => r.target === target && r.controlId === '1.2.1')!;
    expect([of(config.targets[0]!.name).status, of('rke2-server-2').status]).toEqual(['pass', 'pass']);
    expect(merged.startedAt <= merged.finishedAt).toBe(true);
  });

  it('a config and the node it produces agree on every control both can decide, except where the node knows more', () => {
    const config = auditConfig([path.resolve('test/fixtures/rancher-templates/rke2-config-hardened-rke2-v1.29-plus.yaml')], { k8sVersion: 'v1.32.10+rke2r1' }).run;
    const root = fixtureTree('rke2-server-hardened');
    trees.push(root);
    const node = auditNode({ hostRoot: root }).run;
    const decidedBy = (r: (typeof node.results)[number]) => (r.reason ?? '').startsWith('decided by');
    const differ = node.results
      .map((n) => [n, config.results.find((c) => c.controlId === n.controlId)!] as const)
      .filter(([n, c]) => n.status !== c.status && !decidedBy(n) && !decidedBy(c))
      .map(([n, c]) => `${n.controlId} config=${c.status} node=${n.status}`);
    expect(differ).toEqual([
      // config.yaml cannot show the audit policy file; the node reads it.
      '3.2.1 config=manual node=pass',
      // The node's operator drop-in (kubelet.conf.d/50-operator.conf) is not in config.yaml.
      '4.2.13 config=fail node=pass',
      '4.2.14 config=fail node=pass',
    ]);
  });

  it('keeps a single run as it is, and refuses two targets of the same name', () => {
    const t = fixtureTree('rke1-worker-default');
    trees.push(t);
    const run = auditNode({ hostRoot: t }).run;
    expect(mergeRuns([run])).toBe(run);
    // A usage error (exit 2), not an internal one (exit 70).
    expect(() => mergeRuns([run, run])).toThrow(expect.objectContaining({ code: 'usage', message: expect.stringMatching(/two targets are named rke1-worker-1 \(node\)/) }));
    expect(() => mergeRuns([])).toThrow(/no runs/);
  });
});
