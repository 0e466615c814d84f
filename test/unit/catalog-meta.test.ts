import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { evaluateCheck } from '../../src/engine/evaluate-check.js';
import { snapshotFromCase } from '../support/snapshot-from-case.js';

const catalog = loadCatalog();

describe('catalog meta-tests', () => {
  it('has checks and benchmarks', () => {
    expect(catalog.checks.size).toBeGreaterThan(0);
  });

  for (const [id, check] of catalog.checks) {
    describe(`check ${id}`, () => {
      const cases = catalog.cases.get(id) ?? [];
      it('has pass, fail and missing cases', () => {
        const outcomes = new Set(cases.map((c) => c.expect));
        expect(outcomes.has('pass'), 'a pass case').toBe(true);
        expect(outcomes.has('fail'), 'a fail case').toBe(true);
        expect(cases.some((c) => c.missing), 'a case marked missing: true').toBe(true);
      });
      for (const c of cases) {
        it(`case "${c.name}" → ${c.expect}`, () => {
          const outcome = evaluateCheck(check, snapshotFromCase(c));
          expect(outcome.status, JSON.stringify(outcome)).toBe(c.expect);
          if (outcome.status === 'notApplicable' || outcome.status === 'manual' || outcome.status === 'error') {
            expect(outcome.reason).toBeTruthy();
          }
        });
      }
    });
  }

  for (const [id, benchmark] of catalog.benchmarks) {
    it(`benchmark ${id}: every control binds to a check or is explicitly manual/notApplicable`, () => {
      expect(benchmark.controls.length).toBeGreaterThan(100);
      for (const c of benchmark.controls) {
        const bindings = [c.check, c.manual, c.notApplicable].filter((x) => x !== undefined);
        expect(bindings, c.id).toHaveLength(1);
        if (c.check) expect(catalog.checks.has(c.check), `${id} ${c.id} → ${c.check}`).toBe(true);
      }
      const ids = benchmark.controls.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
    });
  }
});
