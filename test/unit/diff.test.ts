import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';
import { diffFails, diffRuns, renderDiffMarkdown, renderDiffText, type ScanDiff } from '../../src/reporters/diff.js';
import { summarise } from '../../src/engine/scan-run.js';
import type { ControlResult, ScanRun } from '../../src/model/result.js';

function run(results: Partial<ControlResult>[], benchmark = 'rke2-cis-1.11', targets = ['a.yaml']): ScanRun {
  const full = results.map((r): ControlResult => ({ controlId: '1.1', title: 't', section: '1', scored: true, status: 'pass', target: 'a.yaml', evidence: [], ...r }));
  return {
    schemaVersion: '1', tool: { name: 'rke-harden', version: '0' }, benchmark: { id: benchmark, distro: 'rke2', cisVersion: '1' },
    benchmarks: [{ id: benchmark, distro: 'rke2', cisVersion: '1' }], targets: targets.map((name) => ({ kind: 'config', name, benchmark })),
    results: full, summary: summarise(full), warnings: [], startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z',
  };
}

const ev = (observed: string, line = 3) => [{ fact: 'kube-apiserver.args.profiling', observed, expected: 'false', source: 'config' as const, location: { file: 'a.yaml', line, column: 5 } }];
const ids = (cs: { new?: ControlResult; old?: ControlResult }[]) => cs.map((c) => (c.new ?? c.old)!.controlId);

describe('diffRuns', () => {
  const before = run([
    { controlId: '1.1', checkId: 'a', status: 'pass' },
    { controlId: '1.2', checkId: 'b', status: 'fail', evidence: ev('true') },
    { controlId: '1.3', checkId: 'c', status: 'fail' },
    { controlId: '1.4', checkId: 'd', status: 'manual', reason: 'r' },
    { controlId: '1.5', checkId: 'e', status: 'fail', evidence: ev('true', 3) },
    { controlId: '1.6', checkId: 'f', status: 'fail', evidence: ev('true', 3) },
    { controlId: '1.7', checkId: 'g', status: 'waived', waiver: { reason: 'r', owner: 'o', expires: '2020-01-01' } },
  ]);
  const after = run([
    { controlId: '1.1', checkId: 'a', status: 'fail', evidence: ev('true') },
    { controlId: '1.2', checkId: 'b', status: 'pass', evidence: ev('false') },
    { controlId: '1.3', checkId: 'c', status: 'waived', waiver: { reason: 'r', owner: 'o', expires: '2099-01-01' } },
    { controlId: '1.4', checkId: 'd', status: 'pass' },
    { controlId: '1.5', checkId: 'e', status: 'fail', evidence: ev('yes', 3) },
    { controlId: '1.6', checkId: 'f', status: 'fail', evidence: ev('true', 9) },
    { controlId: '1.7', checkId: 'g', status: 'fail' },
  ]);
  const d = diffRuns(before, after);

  it('classifies each change', () => {
    expect(ids(d.newFailures)).toEqual(['1.1', '1.7']); // pass → fail, and an expired waiver
    expect(ids(d.fixed)).toEqual(['1.2']);
    expect(ids(d.newlyWaived)).toEqual(['1.3']);
    expect(ids(d.statusChanged)).toEqual(['1.4']);
    expect(ids(d.evidenceChanged)).toEqual(['1.5']); // 1.6 only moved to another line: not a change
    expect(d.evidenceChanged[0]!.evidence).toEqual([{ fact: 'kube-apiserver.args.profiling', old: 'true', new: 'yes' }]);
    expect(d.removed).toEqual([]);
    expect(d.added).toEqual([]);
  });

  it('evidence listed in another order (a failing fact first) is no change', () => {
    const two = [...ev('true'), { fact: 'kube-apiserver.args.anonymous-auth', observed: 'false', expected: 'false', source: 'config' as const }];
    const x = diffRuns(run([{ controlId: '2.1', checkId: 'z', status: 'fail', evidence: two }]), run([{ controlId: '2.1', checkId: 'z', status: 'fail', evidence: [...two].reverse() }]));
    expect(x.evidenceChanged).toEqual([]);
  });

  it('pairs a renumbered control by check id when the benchmark changes', () => {
    const x = diffRuns(run([{ controlId: '1.2.9', checkId: 'k', status: 'pass' }], 'rke2-cis-1.8'), run([{ controlId: '1.2.8', checkId: 'k', status: 'fail' }], 'rke2-cis-1.9'));
    expect(x.newFailures).toHaveLength(1);
    expect(x.newFailures[0]!.old!.controlId).toBe('1.2.9');
    expect(renderDiffText(x, run([]), run([]))).toMatch(/^\+ 1\.2\.8 \(was 1\.2\.9\) t \[a\.yaml\] at a\.yaml: PASS -> FAIL$/m);
  });

  it('a failing result of a new target is a new failure; results of a removed target are listed', () => {
    const x = diffRuns(run([{ target: 'old.yaml', status: 'fail' }], 'b', ['old.yaml']), run([{ target: 'new.yaml', status: 'fail' }, { target: 'new.yaml', controlId: '1.2', status: 'pass' }], 'b', ['new.yaml']));
    expect(x.newFailures.map((c) => [c.old, c.new!.target])).toEqual([[undefined, 'new.yaml']]);
    expect(x.removed.map((r) => r.target)).toEqual(['old.yaml']);
    expect(x.added.map((r) => r.controlId)).toEqual(['1.2']);
    expect(x.targets).toEqual({ added: ['new.yaml'], removed: ['old.yaml'] });
  });

  it('--fail-on: a new scored failure fails; unscored ones do not; manual adds new scored manual results; never never', () => {
    const scored = diffRuns(run([{ status: 'pass' }]), run([{ status: 'fail' }]));
    const unscored = diffRuns(run([{ status: 'pass', scored: false }]), run([{ status: 'fail', scored: false }]));
    const manual = diffRuns(run([{ status: 'pass' }]), run([{ status: 'manual', reason: 'r' }]));
    const fixedOnly = diffRuns(run([{ status: 'fail' }]), run([{ status: 'pass' }]));
    const table: [ScanDiff, boolean, boolean, boolean][] = [
      [scored, true, true, false],
      [unscored, false, false, false],
      [manual, false, true, false],
      [fixedOnly, false, false, false],
    ];
    for (const [diff, fail, man, never] of table) {
      expect([diffFails(diff, 'fail'), diffFails(diff, 'manual'), diffFails(diff, 'never')]).toEqual([fail, man, never]);
    }
  });

  it('--fail-severity: only new results of checks at that severity or above fail; a result without a severity counts', () => {
    const low = diffRuns(run([{ status: 'pass', severity: 'low' }]), run([{ status: 'fail', severity: 'low' }]));
    const high = diffRuns(run([{ status: 'pass', severity: 'high' }]), run([{ status: 'fail', severity: 'high' }]));
    const none = diffRuns(run([{ status: 'pass' }]), run([{ status: 'fail' }]));
    const manualMedium = diffRuns(run([{ status: 'pass', severity: 'medium' }]), run([{ status: 'manual', reason: 'r', severity: 'medium' }]));
    expect([diffFails(low, 'fail', 'low'), diffFails(low, 'fail', 'medium'), diffFails(high, 'fail', 'high'), diffFails(none, 'fail', 'high')]).toEqual([true, false, true, true]);
    expect([diffFails(manualMedium, 'manual', 'medium'), diffFails(manualMedium, 'manual', 'high')]).toEqual([true, false]);
  });

  it('text and markdown list new failures with their evidence first', () => {
    const text = renderDiffText(d, before, after);
    expect(text).toMatch(/== New failures \(2\)\n\+ 1\.1 t \[a\.yaml\] at a\.yaml:3:5: PASS -> FAIL\n {6}kube-apiserver\.args\.profiling = true; expected false\n/);
    expect(text).toMatch(/== Fixed \(1\)\n- 1\.2 t \[a\.yaml\] at a\.yaml:3:5: FAIL -> PASS/);
    expect(text).toMatch(/== Changed evidence \(1\)\n~ 1\.5 .*\n {6}kube-apiserver\.args\.profiling: true -> yes/);
    expect(text).toMatch(/^== Summary: 2 new failures \(2 scored\), 1 fixed, 1 newly waived, 1 with changed evidence, 1 other status changes$/m);
    const md = renderDiffMarkdown(d, before, after);
    expect(md).toMatch(/^## rke-harden diff: 2 new failures \(2 scored\)/);
    expect(md).toContain('| `1.1` | t | a.yaml | `a.yaml:3:5` | PASS | FAIL | kube-apiserver.args.profiling = true; expected false |');
  });
});

describe('rke-harden diff', () => {
  async function scan(dir: string, name: string, config: string): Promise<string> {
    fs.writeFileSync(path.join(dir, 'config.yaml'), config);
    const out = path.join(dir, name);
    const r = await runCli(['audit', 'config', path.join(dir, 'config.yaml'), '--k8s-version', 'v1.31.4+rke2r1', '-o', 'json', '--output', out, '--fail-on', 'never']);
    expect(r.code).toBe(0);
    return out;
  }

  it('the same distro default of another release is no changed evidence (a version bump is not noise)', async () => {
    const dir = tempTree({ 'config.yaml': 'profile: cis\n' });
    const cfg = path.join(dir, 'config.yaml');
    const at = async (version: string, name: string) => {
      const out = path.join(dir, name);
      expect((await runCli(['audit', 'config', cfg, '--k8s-version', version, '--benchmark', 'rke2-cis-1.11', '-o', 'json', '--output', out, '--fail-on', 'never'])).code).toBe(0);
      return out;
    };
    const r = await runCli(['diff', await at('v1.31.4+rke2r1', 'a.json'), await at('v1.31.5+rke2r1', 'b.json'), '-o', 'json']);
    const diff = JSON.parse(r.stdout) as { changed?: unknown[]; evidenceChanged?: unknown[] };
    expect(JSON.stringify(diff)).not.toMatch(/v1\.31\.5\+rke2r1 defaults/);
  });

  it('exit 1 on a new scored failure, 0 when the change only fixes; json and markdown formats', async () => {
    const dir = tempTree({});
    const good = await scan(dir, 'good.json', 'profile: cis\n');
    const bad = await scan(dir, 'bad.json', 'profile: cis\nkube-apiserver-arg:\n  - anonymous-auth=true\n');
    const worse = await runCli(['diff', good, bad]);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/^\+ 1\.2\.1 Ensure that the --anonymous-auth argument is set to false \[.*config\.yaml\] at .*config\.yaml:3:5: PASS -> FAIL$/m);
    expect(worse.stdout).toMatch(/^ {6}kube-apiserver\.args\.anonymous-auth = true; expected false$/m);
    const better = await runCli(['diff', bad, good]);
    expect(better.code).toBe(0);
    expect(better.stdout).toMatch(/^== Fixed \(1\)\n- 1\.2\.1 /m);
    expect((await runCli(['diff', good, bad, '--fail-on', 'never'])).code).toBe(0);
    const json = JSON.parse((await runCli(['diff', good, bad, '-o', 'json'])).stdout) as ScanDiff;
    expect(json.newFailures.map((c) => c.new!.checkId)).toEqual(['apiserver-anonymous-auth-disabled']);
    expect((await runCli(['diff', good, bad, '-o', 'markdown'])).stdout).toMatch(/^### New failures \(1\)$/m);
    expect((await runCli(['diff', good, good])).stdout).toMatch(/^== Summary: 0 new failures \(0 scored\), 0 fixed/m);
  });

  it('exit 3 when the new scan is incomplete (an error result), even with nothing newly failing: what it hides is not compared', async () => {
    const dir = tempTree({});
    const good = await scan(dir, 'good.json', 'profile: cis\n');
    const saved = JSON.parse(fs.readFileSync(good, 'utf8')) as ScanRun;
    const i = saved.results.findIndex((r) => r.status === 'manual');
    saved.results[i] = { ...saved.results[i]!, status: 'error', reason: 'permission denied' };
    saved.summary = { ...saved.summary, manual: saved.summary.manual - 1, error: 1 };
    const errored = path.join(dir, 'errored.json');
    fs.writeFileSync(errored, JSON.stringify(saved));
    const r = await runCli(['diff', good, errored, '--fail-on', 'never']);
    expect(r.stdout).toMatch(/MANUAL -> ERROR/);
    expect(r.code).toBe(3);
    expect((await runCli(['diff', errored, good])).code).toBe(0);
  });

  it('counts waivers as of now, as report does: one expired since a scan was saved no longer waives', async () => {
    const dir = tempTree({});
    const bad = await scan(dir, 'bad.json', 'profile: cis\nkube-apiserver-arg:\n  - anonymous-auth=true\n');
    const saved = JSON.parse(fs.readFileSync(bad, 'utf8')) as ScanRun;
    const lapsed: ScanRun = { ...saved, results: saved.results.map((r) => (r.status === 'fail' && r.scored ? { ...r, status: 'waived' as const, waiver: { reason: 'r', owner: 'o', expires: '2020-01-01', status: 'fail' as const } } : r)) };
    const waived = path.join(dir, 'waived.json');
    fs.writeFileSync(waived, JSON.stringify(lapsed));
    // The same failure, waived by a waiver that has lapsed since: not "newly waived" but still failing.
    const d = JSON.parse((await runCli(['diff', bad, waived, '-o', 'json'])).stdout) as ScanDiff;
    expect(d.newlyWaived).toEqual([]);
    expect((await runCli(['diff', bad, waived])).code).toBe(0);
  });

  it('a bad input file: one line, exit 2', async () => {
    const dir = tempTree({ 'x.json': '[]' });
    const r = await runCli(['diff', path.join(dir, 'x.json'), path.join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rke-harden: .*x\.json: not an rke-harden scan report: \(root\): must be object\n$/);
    expect(r.stdout).toBe('');
  });
});
