import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlResult, ScanRun } from '../../src/model/result.js';
import { jsonChunks } from '../../src/reporters/json-chunks.js';
import { renderJson, renderJsonChunks } from '../../src/reporters/json.js';
import { renderSarif, renderSarifChunks } from '../../src/reporters/sarif.js';
import { renderHtml, renderHtmlChunks } from '../../src/reporters/html/html-report.js';
import { emit, render } from '../../src/cli/output.js';
import { blocksOf, writeFileAtomic } from '../../src/write-file-atomic.js';
import { summarise } from '../../src/engine/scan-run.js';
import type { ReportContext } from '../../src/reporters/report-context.js';

function run(results: ControlResult[]): ScanRun {
  return {
    schemaVersion: '1',
    tool: { name: 'rke-harden', version: '9.9.9' },
    benchmark: { id: 'rke2-cis-1.11', distro: 'rke2', cisVersion: '1.11' },
    benchmarks: [{ id: 'rke2-cis-1.11', distro: 'rke2', cisVersion: '1.11' }],
    targets: [{ kind: 'config', name: 'a/config.yaml', benchmark: 'rke2-cis-1.11' }],
    results,
    summary: summarise(results),
    warnings: ['a/config.yaml:1:1: a "quoted"\nwarning'],
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:02.500Z',
  };
}
const base = { section: '1.2', scored: true, target: 'a/config.yaml', title: 'A control', evidence: [] };
const SAMPLE: ControlResult[] = [
  { ...base, controlId: '1.2.1', checkId: 'a', status: 'fail', remediation: 'Fix it.', evidence: [{ fact: 'kube-apiserver.args.x', observed: 'true', expected: 'false', source: 'config', location: { file: 'a/config.yaml', line: 3, column: 5 } }] },
  { ...base, controlId: '1.2.2', status: 'manual', reason: 'by hand' },
  { ...base, controlId: '1.2.3', checkId: 'b', status: 'waived', waiver: { reason: 'r', owner: 'o', expires: '2099-12-31' } },
];
const CTX: ReportContext = { sectionTitles: { '1.2': 'API Server' }, rules: {} };
const joined = (pieces: Iterable<string>) => [...pieces].join('');

const tmp: string[] = [];
afterEach(() => tmp.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-chunks-'));
  tmp.push(d);
  return d;
};

describe('reports in pieces', () => {
  it('jsonChunks gives JSON.stringify(value, null, 2) exactly, at every depth', () => {
    // Values JSON.stringify treats specially: undefined and functions (left out, or null in arrays), Dates (toJSON), NaN.
    const special = fc.constantFrom(undefined, () => 1, new Date(0), Number.NaN, -0, '', 'a\nb "c"', [], {});
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), special, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 4 }), tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 5 }), (v, depth) => {
        const whole = JSON.stringify(v, null, 2);
        if (whole === undefined) return; // no JSON form at all (a bare function or undefined): never a report
        expect(joined(jsonChunks(v, depth))).toBe(whole);
      }),
      { numRuns: 2000 },
    );
  });

  it('the JSON, SARIF and HTML reports in pieces are the reports, byte for byte', () => {
    const r = run(SAMPLE);
    expect(joined(renderJsonChunks(r))).toBe(renderJson(r));
    expect(joined(renderSarifChunks(r, CTX))).toBe(renderSarif(r, CTX));
    expect(joined(renderHtmlChunks(r, CTX))).toBe(renderHtml(r, CTX));
  });

  it('blocksOf joins small pieces into large writes and keeps the text', () => {
    const pieces = Array.from({ length: 5000 }, (_, i) => `${i}:${'x'.repeat(i % 700)}\n`);
    const blocks = [...blocksOf(pieces)];
    expect(blocks.join('')).toBe(pieces.join(''));
    expect(blocks.length).toBeLessThan(5);
    expect([...blocksOf('whole')]).toEqual(['whole']);
  });

  it('a report in pieces that fails half-way leaves no file, and the fault is not called a write error', () => {
    const dir = tempDir();
    const file = path.join(dir, 'report.json');
    fs.writeFileSync(file, 'the previous report\n');
    function* failing() {
      yield 'x'.repeat(2 << 20);
      throw new TypeError('renderer bug');
    }
    expect(() => writeFileAtomic(file, failing())).toThrow(TypeError);
    expect(fs.readFileSync(file, 'utf8')).toBe('the previous report\n');
    expect(fs.readdirSync(dir)).toEqual(['report.json']);
  });

  it('a JSON report larger than a string can be (~512 MB) is written whole', () => {
    // 540 results sharing one 1 MiB reason: little memory, a 570 MB report.
    const reason = 'r'.repeat(1 << 20);
    const results = Array.from({ length: 540 }, (_, i): ControlResult => ({ ...base, controlId: `1.2.${i}`, status: 'manual', reason }));
    const big = run(results);
    const file = path.join(tempDir(), 'big.json');
    emit(render(big, 'json', false, {}), file);
    // Past V8's longest string (2^29 - 24 characters): JSON.stringify of this run throws RangeError.
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(536_870_888);
    expect(size).toBeLessThan(540 * ((1 << 20) + 400));
    const expected = size;
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(40);
    fs.readSync(fd, head, 0, 40, 0);
    const tail = Buffer.alloc(60);
    fs.readSync(fd, tail, 0, 60, expected - 60);
    fs.closeSync(fd);
    expect(head.toString()).toBe('{\n  "schemaVersion": "1",\n  "tool": {\n  ');
    expect(tail.toString()).toMatch(/"finishedAt": "2026-01-01T00:00:02\.500Z"\n}\n$/);
  });
});
