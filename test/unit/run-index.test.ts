import { describe, expect, it } from 'vitest';
import { benchmarkOf, resultsOf, targetOf } from '../../src/engine/run-index.js';
import type { ControlResult, ScanRun } from '../../src/model/result.js';

const result = (controlId: string, target: string, benchmark?: string): ControlResult => ({
  controlId, title: controlId, section: '1', scored: true, target, status: 'pass', evidence: [], ...(benchmark ? { benchmark } : {}),
});

function run(results: ControlResult[]): ScanRun {
  return {
    schemaVersion: '1',
    tool: { name: 'rke-harden', version: 'test' },
    benchmark: { id: 'rke2-cis-1.8', distro: 'rke2', cisVersion: '1.8' },
    benchmarks: [],
    targets: [
      { kind: 'config', name: 'a.yaml', benchmark: 'rke2-cis-1.8' },
      { kind: 'config', name: 'b.yaml', benchmark: 'rke2-cis-1.9' },
    ],
    results,
    summary: { pass: results.length, fail: 0, manual: 0, notApplicable: 0, error: 0, waived: 0 },
    warnings: [],
    startedAt: '2026-11-28T00:00:00.000Z',
    finishedAt: '2026-11-28T00:00:01.000Z',
  };
}

describe('run index', () => {
  it("gives a target's results in the run's order, and none for a target without results", () => {
    const r = run([result('1.1', 'a.yaml'), result('1.1', 'b.yaml'), result('1.2', 'a.yaml')]);
    expect(resultsOf(r, r.targets[0]!).map((x) => `${x.controlId}@${x.target}`)).toEqual(['1.1@a.yaml', '1.2@a.yaml']);
    expect(resultsOf(r, { kind: 'config', name: 'c.yaml', benchmark: 'x' })).toEqual([]);
  });

  it('indexes a run whose results were replaced (waivers make a new list) afresh', () => {
    const r = run([result('1.1', 'a.yaml')]);
    expect(resultsOf(r, r.targets[0]!)).toHaveLength(1);
    const replaced = { ...r, results: [result('1.1', 'a.yaml'), result('1.2', 'a.yaml')] };
    expect(resultsOf(replaced, replaced.targets[0]!)).toHaveLength(2);
  });

  it("finds a result's target, and its benchmark: its own label, else its target's, else the run's", () => {
    const r = run([]);
    expect(targetOf(r, result('1.1', 'b.yaml'))?.benchmark).toBe('rke2-cis-1.9');
    expect(targetOf(r, result('1.1', 'gone.yaml'))).toBeUndefined();
    expect(benchmarkOf(r, result('1.1', 'b.yaml', 'rke2-cis-1.10'))).toBe('rke2-cis-1.10');
    expect(benchmarkOf(r, result('1.1', 'b.yaml'))).toBe('rke2-cis-1.9');
    expect(benchmarkOf(r, result('1.1', 'gone.yaml'))).toBe('rke2-cis-1.8');
  });
});
