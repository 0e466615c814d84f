import { describe, expect, it } from 'vitest';
import { selectResults } from '../../src/engine/select-results.js';
import { summarise } from '../../src/engine/scan-run.js';
import type { ControlResult, ScanRun } from '../../src/model/result.js';
import { runCli } from '../support/run-cli.js';

const result = (controlId: string, status: ControlResult['status'], checkId?: string): ControlResult => ({
  controlId, title: controlId, section: controlId.split('.').slice(0, 2).join('.'), scored: true, status, target: 't', evidence: [], ...(checkId ? { checkId } : {}),
});
const results = [result('1.2.1', 'fail', 'apiserver-anonymous-auth-disabled'), result('1.2.10', 'pass', 'a'), result('1.2.2', 'pass', 'b'), result('4.2.1', 'fail', 'c'), result('4.1.1', 'manual')];
const run: ScanRun = {
  schemaVersion: '1', tool: { name: 'rke-harden', version: '0' }, benchmark: { id: 'b', distro: 'rke2', cisVersion: '1' }, benchmarks: [{ id: 'b', distro: 'rke2', cisVersion: '1' }],
  targets: [{ kind: 'config', name: 't', benchmark: 'b' }], results, summary: summarise(results), warnings: [], startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:00Z',
};
const ids = (r: ScanRun) => r.results.map((x) => x.controlId);

describe('--check / --skip', () => {
  it('a control, a section (not a control that merely starts with the same digits), a check id, comma lists', () => {
    expect(ids(selectResults(run, ['1.2.1']))).toEqual(['1.2.1']);
    expect(ids(selectResults(run, ['1.2']))).toEqual(['1.2.1', '1.2.10', '1.2.2']);
    expect(ids(selectResults(run, ['4']))).toEqual(['4.2.1', '4.1.1']);
    expect(ids(selectResults(run, ['apiserver-anonymous-auth-disabled']))).toEqual(['1.2.1']);
    expect(ids(selectResults(run, ['1.2.2, 4.1.1']))).toEqual(['1.2.2', '4.1.1']);
  });

  it('--skip leaves out, also from a --check selection; the summary is recounted', () => {
    const s = selectResults(run, ['1.2'], ['1.2.1']);
    expect(ids(s)).toEqual(['1.2.10', '1.2.2']);
    expect(s.summary).toMatchObject({ pass: 2, fail: 0 });
    expect(ids(selectResults(run, [], ['4', '1.2.10']))).toEqual(['1.2.1', '1.2.2']);
    expect(selectResults(run)).toBe(run);
  });

  it('an id that names nothing in the scan is a usage error naming it', () => {
    expect(() => selectResults(run, ['1.2.3'])).toThrow(/^--check 1\.2\.3: no control, section or check of this scan has that id$/);
    expect(() => selectResults(run, [], ['9', 'x'])).toThrow(/^--skip 9,x: .* those ids$/);
  });

  it('the CLI: the exit code follows what is reported; a bad id writes nothing and exits 2', async () => {
    const file = 'examples/rke1-default/cluster.yml';
    const all = JSON.parse((await runCli(['audit', 'config', file, '-o', 'json', '--fail-on', 'never'])).stdout) as ScanRun;
    const failing = [...new Set(all.results.filter((r) => r.status === 'fail' && r.scored).map((r) => r.controlId))];
    expect(failing.length).toBeGreaterThan(0);
    expect((await runCli(['audit', 'config', file, '-o', 'json', '--check', failing[0]!])).code).toBe(1);
    const skipped = await runCli(['audit', 'config', file, '-o', 'json', '--skip', failing.join(',')]);
    expect(skipped.code).toBe(0);
    expect((JSON.parse(skipped.stdout) as ScanRun).results.length).toBe(all.results.filter((r) => !failing.includes(r.controlId)).length);
    const bad = await runCli(['audit', 'config', file, '--check', '1.2.99']);
    expect([bad.code, bad.stdout]).toEqual([2, '']);
  });
});
