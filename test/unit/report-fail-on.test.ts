import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';
import { exitCodeFor, EXIT } from '../../src/cli/exit-codes.js';
import type { ControlResult, ScanRun } from '../../src/model/result.js';
import { summarise } from '../../src/engine/scan-run.js';

// The policy documented in docs/ci.md: --fail-on fail (default) | manual | never.
describe('--fail-on', () => {
  const cisOnly = () => {
    const dir = tempTree({ 'config.yaml': 'profile: cis\n' });
    return [path.join(dir, 'config.yaml'), '--k8s-version', 'v1.33.6+rke2r1'];
  };
  const table: [string, () => string[], Record<'fail' | 'manual' | 'never', number>][] = [
    ['scored failures (RKE1 defaults)', () => ['examples/rke1-default/cluster.yml'], { fail: 1, manual: 1, never: 0 }],
    ['no scored failure, scored manual controls (RKE2 profile: cis)', cisOnly, { fail: 0, manual: 1, never: 0 }],
  ];
  for (const [name, args, expected] of table) {
    for (const level of ['fail', 'manual', 'never'] as const) {
      it(`${name}: --fail-on ${level} exits ${expected[level]}`, async () => {
        const r = await runCli(['audit', 'config', ...args(), '--fail-on', level, '-o', 'json']);
        expect(r.code).toBe(expected[level]);
      });
    }
  }

  it('the default is fail', async () => {
    expect((await runCli(['audit', 'config', 'examples/rke1-default/cluster.yml', '-o', 'json'])).code).toBe(1);
  });

  it('an unknown level is a usage error', async () => {
    expect((await runCli(['audit', 'config', 'examples/rke1-default/cluster.yml', '--fail-on', 'warn'])).code).toBe(2);
  });

  function run(results: Partial<ControlResult>[]): ScanRun {
    const full = results.map((r, i): ControlResult => ({ controlId: `1.${i}`, title: 't', section: '1', scored: true, status: 'pass', target: 'x', evidence: [], ...r }));
    return {
      schemaVersion: '1', tool: { name: 'rke-harden', version: '0' }, benchmark: { id: 'b', distro: 'rke2', cisVersion: '1' },
      benchmarks: [{ id: 'b', distro: 'rke2', cisVersion: '1' }], targets: [{ kind: 'config', name: 'x', benchmark: 'b' }],
      results: full, summary: summarise(full), warnings: [], startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:00Z',
    };
  }

  it('policy table: unscored fails and waived results never fail a build; an incomplete scan (error) exits 3 at every level', () => {
    const cases: [Partial<ControlResult>[], Record<'fail' | 'manual' | 'never', number>][] = [
      [[{ status: 'pass' }], { fail: 0, manual: 0, never: 0 }],
      [[{ status: 'fail' }], { fail: 1, manual: 1, never: 0 }],
      [[{ status: 'fail', scored: false }], { fail: 0, manual: 0, never: 0 }],
      [[{ status: 'manual', reason: 'r' }], { fail: 0, manual: 1, never: 0 }],
      [[{ status: 'manual', reason: 'r', scored: false }], { fail: 0, manual: 0, never: 0 }],
      [[{ status: 'waived', waiver: { reason: 'r', owner: 'o', expires: '2099-01-01' } }], { fail: 0, manual: 0, never: 0 }],
      [[{ status: 'error', reason: 'r' }, { status: 'fail' }], { fail: EXIT.incomplete, manual: EXIT.incomplete, never: EXIT.incomplete }],
    ];
    // The same check decided on another target of the run (audit --config … --node …): its manual result
    // on the configuration no longer counts; a control no target decides still does.
    const decidedOnNode: Partial<ControlResult>[] = [{ status: 'manual', checkId: 'k', reason: 'decided by `audit node`' }, { status: 'pass', checkId: 'k', target: 'node' }];
    cases.push([decidedOnNode, { fail: 0, manual: 0, never: 0 }]);
    cases.push([[...decidedOnNode, { status: 'manual', checkId: 'j', reason: 'r' }], { fail: 0, manual: 1, never: 0 }]);
    cases.push([[{ status: 'manual', checkId: 'k' }, { status: 'notApplicable', checkId: 'k', target: 'node' }], { fail: 0, manual: 1, never: 0 }]);
    for (const [results, expected] of cases) {
      for (const level of ['fail', 'manual', 'never'] as const) {
        expect(exitCodeFor(run(results), level), `${JSON.stringify(results)} --fail-on ${level}`).toBe(expected[level]);
      }
    }
  });

  it('--fail-severity: only fails (and, with --fail-on manual, manual results) of checks at that severity or above count; a result without a severity always counts', () => {
    const mixed: Partial<ControlResult>[] = [{ status: 'fail', severity: 'low' }, { status: 'manual', severity: 'medium', reason: 'r' }];
    expect(exitCodeFor(run(mixed), 'fail', 'low')).toBe(1);
    expect(exitCodeFor(run(mixed), 'fail', 'medium')).toBe(0);
    expect(exitCodeFor(run(mixed), 'manual', 'medium')).toBe(1);
    expect(exitCodeFor(run(mixed), 'manual', 'high')).toBe(0);
    expect(exitCodeFor(run([{ status: 'fail', severity: 'high' }]), 'fail', 'high')).toBe(1);
    expect(exitCodeFor(run([{ status: 'fail' }]), 'fail', 'high')).toBe(1);
    expect(exitCodeFor(run([{ status: 'error', reason: 'r', severity: 'low' }]), 'fail', 'high')).toBe(EXIT.incomplete);
  });

  it('--fail-severity on the CLI: audit and report exit by the severities of the scored fails; the option is checked', async () => {
    const report = await runCli(['audit', 'config', 'examples/rke1-default/cluster.yml', '-o', 'json', '--fail-on', 'never']);
    const scoredFails = (JSON.parse(report.stdout) as ScanRun).results.filter((r) => r.status === 'fail' && r.scored);
    // RKE1 defaults: scored fails of medium checks only (high ones fail unscored controls).
    expect(scoredFails.length).toBeGreaterThan(0);
    expect(new Set(scoredFails.map((r) => r.severity))).toEqual(new Set(['medium']));
    const audit = (severity?: string) => runCli(['audit', 'config', 'examples/rke1-default/cluster.yml', '-o', 'json', ...(severity ? ['--fail-severity', severity] : [])]);
    expect((await audit()).code).toBe(1);
    expect((await audit('medium')).code).toBe(1);
    expect((await audit('high')).code).toBe(0);
    const scan = path.join(tempTree({ 'scan.json': report.stdout }), 'scan.json');
    expect((await runCli(['report', scan, '-o', 'json', '--fail-on', 'fail', '--fail-severity', 'high'])).code).toBe(0);
    expect((await runCli(['report', scan, '-o', 'json', '--fail-on', 'fail', '--fail-severity', 'low'])).code).toBe(1);
    expect((await audit('critical')).code).toBe(2);
  });
});
