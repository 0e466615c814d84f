import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { dataDir } from '../../src/catalog/paths.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { evaluateCheck } from '../../src/engine/evaluate-check.js';
import { snapshotFromCase } from '../support/snapshot-from-case.js';

const catalog = loadCatalog(undefined, { withCases: true });

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

  it('profiles are overlays: one base per distro, every other profile extends another', () => {
    const files = fs.readdirSync(dataDir('benchmarks')).map((f) => parse(fs.readFileSync(path.join(dataDir('benchmarks'), f), 'utf8')) as { id: string; extends?: string; distro: string });
    const bases = files.filter((f) => !f.extends);
    expect(bases.map((b) => b.distro).sort()).toEqual(['rke1', 'rke2']);
    expect(files).toHaveLength(20);
  });

  it('every profile lists its controls in id order, so each section is reported once (0 first, 1.1.11 within 1.1)', () => {
    for (const b of loadCatalog().benchmarks.values()) {
      const sections = b.controls.map((c) => c.section).filter((s, i, all) => s !== all[i - 1]);
      expect(new Set(sections).size, b.id).toBe(sections.length);
      const ids = b.controls.map((c) => c.id);
      expect(ids.indexOf('1.1.10') < 0 || ids.indexOf('1.1.9') < ids.indexOf('1.1.10'), b.id).toBe(true);
      if (ids.includes('0.1')) expect(ids[0], b.id).toBe('0.1');
    }
  });

  it('fixed upstream data bugs stay fixed', () => {
    // rke-cis-1.7 1.3.7/1.4.2 always passed upstream; ours really check bind-address.
    const rke17 = catalog.benchmarks.get('rke-cis-1.7-hardened')!;
    expect(rke17.controls.find((c) => c.id === '1.3.7')!.check).toBe('controller-manager-bind-address-loopback');
    expect(rke17.controls.find((c) => c.id === '1.4.2')!.check).toBe('scheduler-bind-address-loopback');
    // rke2-cis-1.8 2.5 read the client (not peer) client-cert-auth upstream.
    expect(catalog.benchmarks.get('rke2-cis-1.8-hardened')!.controls.find((c) => c.id === '2.5')!.check).toBe('etcd-peer-client-cert-auth-enabled');
    expect(catalog.checks.get('etcd-peer-client-cert-auth-enabled')!.assert).toMatchObject({ fact: 'etcd.args.peer-client-cert-auth' });
    // rke-cis-1.23-hardened listed 1.1.21 twice.
    const ids = catalog.benchmarks.get('rke-cis-1.23-hardened')!.controls.map((c) => c.id);
    expect(ids.filter((i) => i === '1.1.21')).toHaveLength(1);
    // Every profile carries the host requirements of the hardening guides.
    for (const b of catalog.benchmarks.values()) expect(b.controls.filter((c) => c.section === '0').length).toBeGreaterThanOrEqual(7);
  });

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
